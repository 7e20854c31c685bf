import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, parsePatchRequest, splitOps, PATCH_OP_SCHEMA, type PatchOperation } from '../../src/services/scim/patch';
import { ScimError } from '../../src/services/scim/scim-error';
import { ENTERPRISE_USER_SCHEMA_ID, GROUP_SCHEMAS, USER_SCHEMA_ID, USER_SCHEMAS } from '../../src/services/scim/schemas';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../fixtures/scim', `${name}.json`), 'utf8'));
const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

/** A User resource as a service stores it. */
function user(): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA_ID],
    id: '6f4b1c8e-0d2a-4c4b-9a53-2b1f0e3d7a11',
    userName: 'ada@acme.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    active: true,
    emails: [
      { value: 'ada@acme.com', type: 'work', primary: true },
      { value: 'ada@home.org', type: 'home', primary: false },
    ],
    meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
  };
}

const patchUser = (body: unknown, resource = user()) => applyPatch(resource, parsePatchRequest(body, USER_SCHEMAS), USER_SCHEMAS);

function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

const refusal = (run: () => unknown) => {
  const error = scimErrorOf(run);
  return { status: error.status, scimType: error.scimType };
};

describe('parsePatchRequest', () => {
  it.each([
    ['a non-object body', []],
    ['a body without the PatchOp schema', { schemas: ['urn:other'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }],
    ['no Operations', { schemas: [PATCH_OP_SCHEMA] }],
    ['empty Operations', patchOf()],
    ['an unknown op', patchOf({ op: 'move', path: 'title', value: 'x' })],
    ['an add without a value', patchOf({ op: 'add', path: 'title' })],
    ['a path-less replace of a non-object', patchOf({ op: 'replace', value: 'x' })],
  ])('refuses %s with 400 invalidSyntax', (_what, body) => {
    expect(refusal(() => parsePatchRequest(body, USER_SCHEMAS))).toEqual({ status: 400, scimType: 'invalidSyntax' });
  });

  it('refuses more than 1,000 operations', () => {
    const operations = Array.from({ length: 1001 }, () => ({ op: 'add', path: 'title', value: 'x' }));
    expect(refusal(() => parsePatchRequest(patchOf(...operations), USER_SCHEMAS))).toEqual({ status: 400, scimType: 'invalidSyntax' });
    expect(parsePatchRequest(patchOf(...operations.slice(1)), USER_SCHEMAS)).toHaveLength(1000);
  });

  it('refuses a remove without a path with 400 noTarget', () => {
    expect(refusal(() => parsePatchRequest(patchOf({ op: 'remove' }), USER_SCHEMAS))).toEqual({ status: 400, scimType: 'noTarget' });
  });

  it.each([
    ['an unclosed filter', 'emails[type eq "work"'],
    ['an invalid filter', 'emails[type zz "work"]'],
    ['a double dot', 'name..givenName'],
    ['a sub-attribute of a simple attribute', 'active.value'],
    ['a filter on a single-valued attribute', 'name[givenName eq "a"]'],
    ['a number', '42'],
  ])('refuses %s as path with 400 invalidPath', (_what, path) => {
    expect(refusal(() => parsePatchRequest(patchOf({ op: 'replace', path, value: 'x' }), USER_SCHEMAS))).toEqual({
      status: 400,
      scimType: 'invalidPath',
    });
  });

  it('reads Entra\'s legacy dialect: capitalised ops, "False", URN paths and a bare manager id', () => {
    const operations = parsePatchRequest(fixture('entra-patch-legacy'), USER_SCHEMAS);
    expect(operations.map(({ op, path, value }) => ({ op, attribute: path?.attribute, sub: path?.subAttribute, value }))).toEqual([
      { op: 'replace', attribute: 'emails', sub: 'value', value: 'updatedEmail@microsoft.com' },
      { op: 'replace', attribute: 'name', sub: 'familyName', value: 'updatedFamilyName' },
      { op: 'replace', attribute: 'active', sub: undefined, value: false },
      {
        op: 'add',
        attribute: `${ENTERPRISE_USER_SCHEMA_ID}:manager`,
        sub: undefined,
        value: { value: '2819c223-7f76-453a-919d-ab1234567891' },
      },
      { op: 'add', attribute: `${ENTERPRISE_USER_SCHEMA_ID}:department`, sub: undefined, value: 'Engineering' },
    ]);
    expect(operations[0]!.path!.valueFilter).toEqual({ op: 'eq', attrPath: 'type', compValue: 'work' });
  });

  it('splits a path-less write into one operation per key, paths and extension URN keys included', () => {
    const operations = parsePatchRequest(fixture('entra-patch-pathless'), USER_SCHEMAS);
    expect(operations.map(({ op, path, value }) => [op, path?.raw, value])).toEqual([
      ['replace', 'emails[type eq "work"].value', 'updatedEmail@microsoft.com'],
      ['replace', 'name.familyName', 'updatedFamilyName'],
      ['replace', 'active', true],
      ['add', 'nickName', 'Babs'],
      ['add', `${ENTERPRISE_USER_SCHEMA_ID}:employeeNumber`, '701984'],
    ]);
  });

  it('spells attribute names canonically, whatever case the directory used', () => {
    const [operation] = parsePatchRequest(patchOf({ OP: 'REPLACE', PATH: 'NAME.GIVENNAME', VALUE: 'x' }), USER_SCHEMAS);
    expect(operation!.path).toMatchObject({ attribute: 'name', subAttribute: 'givenName' });
    const [extension] = parsePatchRequest(
      patchOf({ op: 'add', path: `${ENTERPRISE_USER_SCHEMA_ID.toLowerCase()}:EMPLOYEENUMBER`, value: '1' }),
      USER_SCHEMAS,
    );
    expect(extension!.path!.attribute).toBe(`${ENTERPRISE_USER_SCHEMA_ID}:employeeNumber`);
  });
});

describe('applyPatch on a User', () => {
  it("applies Entra's legacy PATCH", () => {
    const patched = patchUser(fixture('entra-patch-legacy'));
    expect(patched).toMatchObject({
      schemas: [USER_SCHEMA_ID, ENTERPRISE_USER_SCHEMA_ID],
      active: false,
      name: { givenName: 'Ada', familyName: 'updatedFamilyName' },
      emails: [
        { value: 'updatedEmail@microsoft.com', type: 'work', primary: true },
        { value: 'ada@home.org', type: 'home', primary: false },
      ],
      [ENTERPRISE_USER_SCHEMA_ID]: { manager: { value: '2819c223-7f76-453a-919d-ab1234567891' }, department: 'Engineering' },
    });
  });

  it("applies Entra's path-less PATCH", () => {
    const patched = patchUser(fixture('entra-patch-pathless'), { ...user(), active: false });
    expect(patched).toMatchObject({
      active: true,
      nickName: 'Babs',
      name: { familyName: 'updatedFamilyName' },
      emails: [{ value: 'updatedEmail@microsoft.com', type: 'work' }, { value: 'ada@home.org' }],
      [ENTERPRISE_USER_SCHEMA_ID]: { employeeNumber: '701984' },
    });
  });

  it("applies Okta's active: false", () => {
    expect(patchUser(fixture('okta-patch-active-false'))).toEqual({ ...user(), active: false });
  });

  it('replacing an absent attribute adds it', () => {
    expect(patchUser(patchOf({ op: 'replace', path: 'title', value: 'Countess' }))).toEqual({ ...user(), title: 'Countess' });
    expect(patchUser(patchOf({ op: 'replace', path: 'name.middleName', value: 'King' }))).toMatchObject({
      name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'King' },
    });
  });

  it('applies nothing when the last of three operations is invalid', () => {
    const resource = user();
    const before = structuredClone(resource);
    const body = patchOf(
      { op: 'replace', path: 'displayName', value: 'Ada L.' },
      { op: 'add', path: 'emails', value: [{ value: 'ada@new.io', type: 'other' }] },
      { op: 'replace', path: 'emails[value eq "nobody@nowhere.net" or type eq "home"].display', value: 'x' },
    );
    expect(() => patchUser(body, resource)).not.toThrow();
    const invalid = patchOf(body.Operations[0], body.Operations[1], {
      op: 'replace',
      path: 'emails[value co "nowhere"].display',
      value: 'x',
    });
    expect(refusal(() => patchUser(invalid, resource))).toEqual({ status: 400, scimType: 'noTarget' });
    expect(resource).toEqual(before);
  });

  it('refuses to change id or meta with 400 mutability, and allows rewriting the same id', () => {
    expect(refusal(() => patchUser(patchOf({ op: 'replace', path: 'id', value: 'another' })))).toEqual({
      status: 400,
      scimType: 'mutability',
    });
    expect(refusal(() => patchUser(patchOf({ op: 'replace', value: { ID: 'another' } })))).toEqual({ status: 400, scimType: 'mutability' });
    expect(refusal(() => patchUser(patchOf({ op: 'remove', path: 'id' })))).toEqual({ status: 400, scimType: 'mutability' });
    expect(refusal(() => patchUser(patchOf({ op: 'replace', path: 'meta.lastModified', value: '2030-01-01T00:00:00Z' })))).toEqual({
      status: 400,
      scimType: 'mutability',
    });
    expect(refusal(() => patchUser(patchOf({ op: 'add', path: 'groups', value: [{ value: 'g' }] })))).toEqual({
      status: 400,
      scimType: 'mutability',
    });
    expect(patchUser(patchOf({ op: 'replace', path: 'id', value: user().id }))).toEqual(user());
  });

  it('adds to a multi-valued attribute without duplicating an equal value', () => {
    const patched = patchUser(
      patchOf({ op: 'add', path: 'emails', value: [{ value: 'ada@acme.com', type: 'work' }, { value: 'ada@new.io' }] }),
    );
    expect((patched.emails as unknown[]).map((email) => (email as { value: string }).value)).toEqual([
      'ada@acme.com',
      'ada@home.org',
      'ada@new.io',
    ]);
  });

  it('makes one email primary and clears the others', () => {
    const patched = patchUser(patchOf({ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }));
    expect(patched.emails).toEqual([
      { value: 'ada@acme.com', type: 'work', primary: false },
      { value: 'ada@home.org', type: 'home', primary: true },
    ]);
    const added = patchUser(patchOf({ op: 'add', path: 'emails', value: { value: 'ada@new.io', primary: true } }));
    expect((added.emails as { primary: boolean }[]).map((email) => email.primary)).toEqual([false, false, true]);
  });

  it('removes the elements a value path selects, and a sub-attribute of a complex attribute', () => {
    const patched = patchUser(patchOf({ op: 'remove', path: 'emails[type eq "HOME"]' }, { op: 'remove', path: 'name.givenName' }));
    expect(patched.emails).toEqual([{ value: 'ada@acme.com', type: 'work', primary: true }]);
    expect(patched.name).toEqual({ familyName: 'Lovelace' });
  });

  it('adds the element a value path of equalities describes when none matches (Entra writes emails[type eq "work"].value)', () => {
    const patched = patchUser(patchOf({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+15555550100' }));
    expect(patched.phoneNumbers).toEqual([{ type: 'mobile', value: '+15555550100' }]);
  });

  it('merges a complex attribute replaced by sub-attributes', () => {
    expect(patchUser(patchOf({ op: 'replace', path: 'name', value: { GivenName: 'Augusta' } })).name).toEqual({
      givenName: 'Augusta',
      familyName: 'Lovelace',
    });
  });

  it('keeps attributes no schema knows, and removes an extension emptied of its attributes', () => {
    const withExtension = patchUser(
      patchOf(
        { op: 'add', path: `${ENTERPRISE_USER_SCHEMA_ID}:costCenter`, value: '42' },
        { op: 'add', path: 'favouriteColour', value: 'teal' },
      ),
    );
    expect(withExtension).toMatchObject({ favouriteColour: 'teal', [ENTERPRISE_USER_SCHEMA_ID]: { costCenter: '42' } });
    const emptied = patchUser(patchOf({ op: 'remove', path: `${ENTERPRISE_USER_SCHEMA_ID}:costCenter` }), withExtension);
    expect(emptied).not.toHaveProperty([ENTERPRISE_USER_SCHEMA_ID]);
    expect(emptied.schemas).toEqual([USER_SCHEMA_ID]);
  });

  it('removes a whole attribute, and removing an absent one changes nothing', () => {
    expect(patchUser(patchOf({ op: 'remove', path: 'emails' }))).not.toHaveProperty('emails');
    expect(patchUser(patchOf({ op: 'remove', path: 'nickName' }))).toEqual(user());
  });
});

describe('applyPatch on a Group', () => {
  const group = () => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b',
    displayName: 'Engineering',
    members: [
      { value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'ada@okta.local' },
      { value: 'a3e1f2f3-4b5c-4d6e-8f90-123456789abc', display: 'bob@okta.local' },
    ],
  });
  const patchGroup = (name: string) => applyPatch(group(), parsePatchRequest(fixture(name), GROUP_SCHEMAS), GROUP_SCHEMAS);
  const memberIds = (resource: Record<string, unknown>) => (resource.members as { value: string }[]).map((member) => member.value);

  it('adds members (Okta), once even if added again', () => {
    expect(memberIds(patchGroup('okta-group-patch-add-members'))).toEqual([
      '89bb1940-b905-4575-9e7f-6f887cfb368e',
      'a3e1f2f3-4b5c-4d6e-8f90-123456789abc',
      '23a35c27-23d3-4c03-b4c5-6443c09e7173',
    ]);
    const twice = applyPatch(
      patchGroup('okta-group-patch-add-members'),
      parsePatchRequest(fixture('okta-group-patch-add-members'), GROUP_SCHEMAS),
      GROUP_SCHEMAS,
    );
    expect(memberIds(twice)).toHaveLength(3);
  });

  it('removes a member by value path (Okta) and by value list (Entra)', () => {
    expect(memberIds(patchGroup('okta-group-patch-remove-member'))).toEqual(['a3e1f2f3-4b5c-4d6e-8f90-123456789abc']);
    expect(memberIds(patchGroup('entra-group-patch-remove-members'))).toEqual(['89bb1940-b905-4575-9e7f-6f887cfb368e']);
  });

  it("renames with Okta's path-less replace that repeats the id", () => {
    expect(patchGroup('okta-group-patch-rename')).toEqual({ ...group(), displayName: 'Test SCIMv2' });
  });
});

describe('splitOps', () => {
  it("separates the operations on one attribute from the rest, keeping each side's order", () => {
    const operations = parsePatchRequest(
      patchOf(
        { op: 'replace', value: { displayName: 'Ops', Members: [{ value: 'a' }] } },
        { op: 'remove', path: 'members[value eq "b"]' },
        { op: 'add', path: 'externalId', value: 'x' },
      ),
      GROUP_SCHEMAS,
    );
    const { matching, rest } = splitOps(operations, 'members');
    const describe = (ops: PatchOperation[]) => ops.map((operation) => `${operation.op} ${operation.path?.raw}`);
    expect(describe(matching)).toEqual(['replace Members', 'remove members[value eq "b"]']);
    expect(describe(rest)).toEqual(['replace displayName', 'add externalId']);
  });
});
