import { ObjectType, sdkMethodFor, sdkMethods, sdkObject, Shape, shapeDiff } from '../helpers/sdk-shapes';

/** The SDK object type at `path` (property names, arrays by their items) inside `shape`. */
function objectAt(shape: Shape, ...path: string[]): ObjectType {
  let at = shape;
  for (const key of [...path, '']) {
    if (at.kind === 'array') at = at.item;
    if (at.kind !== 'object') throw new Error(`${key}: not an object`);
    if (key === '') return sdkObject(at.ref);
    at = sdkObject(at.ref).properties[key].shape;
  }
  throw new Error('unreachable');
}

describe("the SDK's wire, read from the SDK", () => {
  jest.setTimeout(60_000);

  it('finds each B2B method with the request it sends, named as the client reaches it', () => {
    const byName = new Map(sdkMethods().map((m) => [m.name, m]));

    expect(byName.get('organizations.members.get')).toMatchObject({ method: 'GET', path: '/v1/b2b/organizations/:organization_id/member' });
    expect(byName.get('organizations.members.update')).toMatchObject({
      method: 'PUT',
      path: '/v1/b2b/organizations/:organization_id/members/:member_id',
    });
    expect(byName.get('magicLinks.email.loginOrSignup')).toMatchObject({
      method: 'POST',
      path: '/v1/b2b/magic_links/email/login_or_signup',
    });
    expect(byName.get('sessions.getJWKS')).toMatchObject({ method: 'GET', path: '/v1/b2b/sessions/jwks/:project_id' });
    expect(sdkMethods().length).toBeGreaterThan(80);
  });

  it('matches a request to the most specific method: a literal segment beats a parameter', () => {
    expect(sdkMethodFor('POST', '/v1/b2b/organizations/members/search')?.name).toBe('organizations.members.search');
    expect(sdkMethodFor('PUT', '/v1/b2b/organizations/organization-test-1/members/member-test-2')?.name).toBe(
      'organizations.members.update',
    );
    expect(sdkMethodFor('PUT', '/v1/b2b/organizations/organization-test-1/members/member-test-2/reactivate')?.name).toBe(
      'organizations.members.reactivate',
    );
    expect(sdkMethodFor('GET', '/v1/b2b/organizations/members/dangerously_get/member-test-2')?.name).toBe(
      'organizations.members.dangerouslyGet',
    );
    expect(sdkMethodFor('GET', '/v1/b2b/jobs/job-test-1')).toBeUndefined();
  });

  it('resolves response types recursively, with required and optional keys', () => {
    const get = sdkMethodFor('GET', '/v1/b2b/organizations/o/member')!.response;
    const member = objectAt(get, 'member');

    expect(member.name).toBe('Member');
    expect(member.properties.email_address).toMatchObject({ optional: false, nullable: false });
    expect(member.properties.scim_registration).toMatchObject({ optional: true, nullable: false });
    expect(objectAt(get, 'organization').name).toBe('Organization');
    const jwk = objectAt(sdkMethodFor('GET', '/v1/b2b/sessions/jwks/p')!.response, 'keys');
    expect(
      Object.entries(jwk.properties)
        .filter(([, p]) => !p.optional)
        .map(([k]) => k)
        .sort(),
    ).toEqual(['alg', 'e', 'key_ops', 'kid', 'kty', 'n', 'use', 'x5c', 'x5tS256']);
  });

  it('reports a missing required key, an undeclared key, null for an optional key, and a wrong primitive', () => {
    const string: Shape = { kind: 'primitive', types: ['string'] };
    const thing: ObjectType = {
      name: 'Thing',
      properties: {
        id: { optional: false, nullable: false, shape: string },
        count: { optional: true, nullable: false, shape: { kind: 'primitive', types: ['number'] } },
        note: { optional: true, nullable: true, shape: string },
        tags: { optional: true, nullable: false, shape: { kind: 'array', item: string } },
      },
    };
    const diff = (value: unknown) => shapeDiff(value, { kind: 'object', ref: 'Thing' }, '$', () => thing);

    expect(diff({ id: 'a', note: null, tags: ['x'] })).toEqual([]);
    expect(diff({ count: null, extra: 1, tags: [1] })).toEqual([
      '$.id: missing, required by Thing',
      '$.count: null, Thing declares it optional (absent, not null)',
      '$.tags[0]: number, the SDK declares string',
      '$.extra: not declared by Thing',
    ]);
  });
});
