import { requirementsOf } from '../../src/api/middleware/member-authorization';
import {
  checkOrganizationRoles,
  checkProjectPolicy,
  EMPTY_POLICY_DOCUMENT,
  effectivePolicy,
  grantingRoles,
  SELF_ACTIONS,
} from '../../src/services/rbac/policy';
import { appError } from '../helpers/assertions';

const DOCUMENTS = { resource_id: 'documents', description: '', actions: ['read', 'write'] };

describe('grantingRoles', () => {
  const roles = [
    { role_id: 'reader', description: '', permissions: [{ resource_id: 'documents', actions: ['read'] }] },
    { role_id: 'owner', description: '', permissions: [{ resource_id: 'documents', actions: ['*'] }] },
    { role_id: 'other', description: '', permissions: [{ resource_id: 'invoices', actions: ['read'] }] },
  ];

  it('names the held roles whose permissions list the action, or every action', () => {
    expect(grantingRoles(roles, ['reader', 'owner', 'other'], 'documents', 'read')).toEqual(['reader', 'owner']);
    expect(grantingRoles(roles, ['reader', 'owner'], 'documents', 'write')).toEqual(['owner']);
  });

  it('ignores roles not held, other resources, and roles the policy does not define', () => {
    expect(grantingRoles(roles, ['reader', 'ghost'], 'documents', 'write')).toEqual([]);
    expect(grantingRoles(roles, ['other'], 'documents', 'read')).toEqual([]);
  });
});

describe("Stytch's defaults", () => {
  it('give stytch_member stytch.self and stytch_admin the organization, its members, SSO and SCIM', () => {
    const { roles } = effectivePolicy(EMPTY_POLICY_DOCUMENT);
    const holders = (resource: string, action: string) => grantingRoles(roles, ['stytch_member', 'stytch_admin'], resource, action);
    expect(holders('stytch.self', 'update.info.name')).toEqual(['stytch_member']);
    expect(holders('stytch.member', 'delete')).toEqual(['stytch_admin']);
    expect(holders('stytch.scim', 'create')).toEqual(['stytch_admin']);
    expect(holders('documents', 'read')).toEqual([]);
  });

  it('let stytch.self stand in only for the actions it has', () => {
    expect(SELF_ACTIONS.has('update.info.name')).toBe(true);
    expect(SELF_ACTIONS.has('update.settings.roles')).toBe(false);
    expect(SELF_ACTIONS.has('update.settings.is-breakglass')).toBe(false);
  });
});

describe('checkProjectPolicy and checkOrganizationRoles', () => {
  const doc = { ...EMPTY_POLICY_DOCUMENT, custom_resources: [DOCUMENTS] };

  it('accept permissions on Stytch’s and the project’s resources', () => {
    const role = { role_id: 'r', description: '', permissions: [{ resource_id: 'stytch.member', actions: ['search'] }] };
    expect(() => checkProjectPolicy({ ...doc, custom_roles: [role] })).not.toThrow();
    expect(() => checkOrganizationRoles([{ ...role, role_id: 'o' }], effectivePolicy(doc))).not.toThrow();
  });

  it('refuse an organization role named like a project role', () => {
    const role = { role_id: 'r', description: '', permissions: [] };
    const policy = effectivePolicy({ ...doc, custom_roles: [role] });
    expect(appError(() => checkOrganizationRoles([role], policy)).errorType).toBe('rbac_policy_duplicate_id');
    expect(appError(() => checkOrganizationRoles([{ ...role, role_id: 'stytch_member' }], policy)).errorType).toBe(
      'rbac_policy_reserved_id',
    );
  });
});

describe('requirementsOf', () => {
  const rule = {
    resource: 'stytch.member' as const,
    action: 'create',
    byField: { roles: 'update.settings.roles', name: 'update.info.name' },
  };

  it('needs the contract action and the action of each body field present', () => {
    expect(requirementsOf(rule, { roles: ['x'], email_address: 'a@b.c' })).toEqual([
      { resource: 'stytch.member', action: 'create' },
      { resource: 'stytch.member', action: 'update.settings.roles' },
    ]);
    expect(requirementsOf({ resource: 'stytch.member', byField: rule.byField }, {})).toEqual([]);
  });
});
