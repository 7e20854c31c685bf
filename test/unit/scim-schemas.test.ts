import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalize,
  ENTERPRISE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA_ID,
  GROUP_SCHEMA,
  GROUP_SCHEMAS,
  USER_SCHEMA,
  USER_SCHEMAS,
  type SchemaAttribute,
} from '../../src/services/scim/schemas';

const names = (attributes: SchemaAttribute[] | undefined) => attributes?.map((attribute) => attribute.name);
const attribute = (attributes: SchemaAttribute[], name: string) => attributes.find((candidate) => candidate.name === name)!;

describe('SCIM schemas (RFC 7643 §8.7.1)', () => {
  it('defines every attribute of the core User schema', () => {
    expect(USER_SCHEMA.id).toBe('urn:ietf:params:scim:schemas:core:2.0:User');
    expect(names(USER_SCHEMA.attributes)).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
    expect(attribute(USER_SCHEMA.attributes, 'userName')).toMatchObject({ required: true, caseExact: false, uniqueness: 'server' });
    expect(attribute(USER_SCHEMA.attributes, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attribute(USER_SCHEMA.attributes, 'groups')).toMatchObject({ multiValued: true, mutability: 'readOnly' });
    expect(attribute(USER_SCHEMA.attributes, 'active')).toMatchObject({ type: 'boolean', multiValued: false });
  });

  it('defines the enterprise User extension and the Group schema', () => {
    expect(ENTERPRISE_USER_SCHEMA.id).toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
    expect(names(ENTERPRISE_USER_SCHEMA.attributes)).toEqual([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
    expect(names(attribute(ENTERPRISE_USER_SCHEMA.attributes, 'manager').subAttributes)).toEqual(['value', '$ref', 'displayName']);
    expect(GROUP_SCHEMA.id).toBe('urn:ietf:params:scim:schemas:core:2.0:Group');
    expect(attribute(GROUP_SCHEMA.attributes, 'members')).toMatchObject({ type: 'complex', multiValued: true });
  });

  it("gives every attribute, sub-attributes included, all of RFC 7643 §7's characteristics", () => {
    const all = (attributes: SchemaAttribute[]): SchemaAttribute[] =>
      attributes.flatMap((item) => [item, ...all(item.subAttributes ?? [])]);
    for (const item of all([...USER_SCHEMA.attributes, ...ENTERPRISE_USER_SCHEMA.attributes, ...GROUP_SCHEMA.attributes])) {
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining([
          'name',
          'type',
          'multiValued',
          'description',
          'required',
          'caseExact',
          'mutability',
          'returned',
          'uniqueness',
        ]),
      );
      expect(item.subAttributes === undefined).toBe(item.type !== 'complex');
    }
  });
});

describe('canonicalize', () => {
  it('spells attribute names canonically, sub-attributes and elements of multi-valued attributes too', () => {
    expect(
      canonicalize(
        {
          SCHEMAS: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          USERNAME: 'ada@acme.com',
          ExternalID: '00u1',
          Name: { GIVENNAME: 'Ada', familyname: 'Lovelace' },
          Emails: [{ VALUE: 'ada@acme.com', Primary: true, TYPE: 'work' }],
        },
        USER_SCHEMAS,
      ),
    ).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@acme.com',
      externalId: '00u1',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@acme.com', primary: true, type: 'work' }],
    });
  });

  it('files the enterprise extension under its URN, matched case-insensitively, with canonical attribute names', () => {
    expect(
      canonicalize(
        { 'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER': { EMPLOYEENUMBER: '7', Manager: { VALUE: 'm1' } } },
        USER_SCHEMAS,
      ),
    ).toEqual({ [ENTERPRISE_USER_SCHEMA_ID]: { employeeNumber: '7', manager: { value: 'm1' } } });
  });

  it('keeps attributes no schema knows exactly as given', () => {
    const custom = { 'urn:example:custom:2.0:User': { Shoe: 42 }, favouriteColour: 'teal', name: { Nickname: 'A' } };
    expect(canonicalize(custom, USER_SCHEMAS)).toEqual(custom);
  });

  it("reads Entra's create request unchanged (already canonical)", () => {
    const request = JSON.parse(readFileSync(join(__dirname, '../fixtures/scim/entra-user-create.json'), 'utf8'));
    expect(canonicalize(request, USER_SCHEMAS)).toEqual(request);
  });

  it('canonicalizes Group members', () => {
    expect(canonicalize({ DisplayName: 'Ops', MEMBERS: [{ Value: 'u1', DISPLAY: 'Ada' }] }, GROUP_SCHEMAS)).toEqual({
      displayName: 'Ops',
      members: [{ value: 'u1', display: 'Ada' }],
    });
  });
});
