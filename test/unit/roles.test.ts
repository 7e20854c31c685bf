import type { ScimGroupRole } from '../../src/models/member.model';
import { ADMIN_ROLE, assignableRoleIds, checkDirectRoles, effectiveRoles, MEMBER_ROLE } from '../../src/services/roles';
import { appError } from '../helpers/assertions';

const direct = { type: 'direct_assignment', details: {} };

describe('assignableRoleIds', () => {
  it("holds Stytch's default roles and the organization's custom roles", () => {
    expect([...assignableRoleIds(['billing'])].sort()).toEqual(['billing', 'stytch_admin', 'stytch_member']);
  });
});

describe('checkDirectRoles', () => {
  it('accepts stytch_admin and custom roles, deduplicated in the order given', () => {
    expect(checkDirectRoles(['billing', ADMIN_ROLE, 'billing'], ['billing'])).toEqual(['billing', ADMIN_ROLE]);
  });

  it('accepts no roles', () => {
    expect(checkDirectRoles([], [])).toEqual([]);
  });

  it('refuses stytch_member, which every Member holds implicitly', () => {
    const error = appError(() => checkDirectRoles([MEMBER_ROLE], []));
    expect([error.statusCode, error.errorType]).toEqual([400, 'cannot_assign_default_rbac_role_id']);
  });

  it('refuses a role the organization does not define, naming it', () => {
    const error = appError(() => checkDirectRoles([ADMIN_ROLE, 'billing'], []));
    expect([error.statusCode, error.errorType]).toEqual([400, 'invalid_rbac_role_id']);
    expect(error.message).toContain('billing');
  });

  it("does not take another organization's custom role", () => {
    expect(appError(() => checkDirectRoles(['billing'], ['support'])).errorType).toBe('invalid_rbac_role_id');
  });
});

describe('effectiveRoles', () => {
  const holder = (roles: string[], email: string, scim: ScimGroupRole[] = []) => ({
    roles,
    email_normalized: email,
    scim_group_roles: scim,
  });

  it('gives every Member stytch_member, first', () => {
    expect(effectiveRoles(holder([], 'ada@acme.com'), [])).toEqual([{ role_id: MEMBER_ROLE, sources: [direct] }]);
  });

  it('lists explicit assignments as direct_assignment', () => {
    expect(effectiveRoles(holder([ADMIN_ROLE], 'ada@acme.com'), [])).toEqual([
      { role_id: MEMBER_ROLE, sources: [direct] },
      { role_id: ADMIN_ROLE, sources: [direct] },
    ]);
  });

  it("applies an email rule matching the member's domain as email_assignment", () => {
    const roles = effectiveRoles(holder([], 'ada@acme.com'), [{ domain: 'ACME.com', role_id: 'billing' }]);
    expect(roles).toContainEqual({ role_id: 'billing', sources: [{ type: 'email_assignment', details: { email_domain: 'acme.com' } }] });
  });

  it('ignores rules for other domains, including parent domains of a subdomain', () => {
    const roles = effectiveRoles(holder([], 'ada@eng.acme.com'), [
      { domain: 'acme.com', role_id: 'billing' },
      { domain: 'other.com', role_id: 'support' },
    ]);
    expect(roles.map((r) => r.role_id)).toEqual([MEMBER_ROLE]);
  });

  it('merges both sources when a role is assigned directly and by email', () => {
    const roles = effectiveRoles(holder([ADMIN_ROLE], 'ada@acme.com'), [{ domain: 'acme.com', role_id: ADMIN_ROLE }]);
    expect(roles.find((r) => r.role_id === ADMIN_ROLE)?.sources).toEqual([
      direct,
      { type: 'email_assignment', details: { email_domain: 'acme.com' } },
    ]);
    expect(roles).toHaveLength(2);
  });

  it("adds the roles of the member's SCIM groups as scim_connection_group, with the connection's public id", () => {
    const grant = { role_id: 'billing', group_id: 'g-1', connection_id: 'c-1' };
    const roles = effectiveRoles(holder([], 'ada@acme.com', [grant, { ...grant, group_id: 'g-2' }]), [], {
      connection: (id) => `scim-${id}`,
    });
    expect(roles.find((r) => r.role_id === 'billing')?.sources).toEqual([
      { type: 'scim_connection_group', details: { connection_id: 'scim-c-1', group_id: 'g-1' } },
      { type: 'scim_connection_group', details: { connection_id: 'scim-c-1', group_id: 'g-2' } },
    ]);
  });
});
