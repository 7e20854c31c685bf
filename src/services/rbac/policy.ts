import { badRequest } from '../../errors';
import { ADMIN_ROLE, MEMBER_ROLE } from '../roles';

/** Stytch's RBAC policy objects (the SDK's `Policy`, `PolicyResource`, `PolicyRole`, `PolicyScope`). */
export interface PolicyPermission {
  resource_id: string;
  actions: string[];
}
export interface PolicyResource {
  resource_id: string;
  description: string;
  actions: string[];
}
export interface PolicyRole {
  role_id: string;
  description: string;
  permissions: PolicyPermission[];
}
export interface PolicyScope {
  scope: string;
  description: string;
  permissions: PolicyPermission[];
}
export interface Policy {
  roles: PolicyRole[];
  resources: PolicyResource[];
  scopes: PolicyScope[];
}

/**
 * What a project sets, in the shape of Stytch's own policy document for
 * writing (its Management API / Terraform `stytch_rbac_policy`): the two
 * default roles' permissions (null: Stytch's), and the custom resources,
 * roles and scopes. Stytch's resources are not part of it: they always exist.
 */
export interface ProjectPolicyDocument {
  stytch_member: PolicyPermission[] | null;
  stytch_admin: PolicyPermission[] | null;
  custom_resources: PolicyResource[];
  custom_roles: PolicyRole[];
  custom_scopes: PolicyScope[];
}

/** The action that stands for every action of a resource. */
export const ANY_ACTION = '*';

/**
 * Stytch's reserved resources and their actions, as Stytch's policy lists
 * them (https://stytch.com/docs/b2b/guides/rbac/stytch-default, and the
 * per-field actions documented on organizations.update and
 * organizations.members.update in the stytch SDK's types; unlinking a
 * retired email is `update.info.unlink.retired-email` on stytch.member or
 * stytch.self, per Stytch's Unlink Retired Email reference).
 */
export const STYTCH_RESOURCES: readonly PolicyResource[] = [
  {
    resource_id: 'stytch.organization',
    description: "Stytch's resource for the Organization object.",
    actions: [
      'update.info.name',
      'update.info.slug',
      'update.info.logo-url',
      'update.settings.allowed-auth-methods',
      'update.settings.allowed-mfa-methods',
      'update.settings.email-jit-provisioning',
      'update.settings.email-invites',
      'update.settings.allowed-domains',
      'update.settings.default-sso-connection',
      'update.settings.sso-jit-provisioning',
      'update.settings.mfa-policy',
      'update.settings.implicit-roles',
      'update.settings.oauth-tenant-jit-provisioning',
      'update.settings.allowed-oauth-tenants',
      'delete',
    ],
  },
  {
    resource_id: 'stytch.member',
    description: "Stytch's resource for the Members of the Organization.",
    actions: [
      'create',
      'update.info.name',
      'update.info.untrusted-metadata',
      'update.info.mfa-phone',
      'update.info.delete.mfa-phone',
      'update.info.delete.mfa-totp',
      'update.info.delete.password',
      'update.info.email',
      'update.info.unlink.retired-email',
      'update.settings.is-breakglass',
      'update.settings.mfa-enrolled',
      'update.settings.default-mfa-method',
      'update.settings.roles',
      'search',
      'delete',
    ],
  },
  {
    resource_id: 'stytch.sso',
    description: "Stytch's resource for the Organization's SSO connections.",
    actions: ['create', 'get', 'update', 'delete'],
  },
  {
    resource_id: 'stytch.scim',
    description: "Stytch's resource for the Organization's SCIM connections.",
    actions: ['create', 'get', 'update', 'delete'],
  },
  {
    resource_id: 'stytch.self',
    description: "Stytch's resource for the logged-in Member's own Member object.",
    actions: [
      'update.info.name',
      'update.info.untrusted-metadata',
      'update.info.mfa-phone',
      'update.info.delete.mfa-phone',
      'update.info.delete.mfa-totp',
      'update.info.delete.password',
      'update.info.unlink.retired-email',
      'update.settings.mfa-enrolled',
      'update.settings.default-mfa-method',
      'delete',
    ],
  },
];

export const SELF_RESOURCE = 'stytch.self';

/** The actions a member may take on its own Member with `stytch.self` instead of `stytch.member`. */
export const SELF_ACTIONS: ReadonlySet<string> = new Set(STYTCH_RESOURCES.find((r) => r.resource_id === SELF_RESOURCE)!.actions);

const all = (resource_id: string): PolicyPermission => ({ resource_id, actions: [ANY_ACTION] });

/**
 * Stytch's default permissions of its default roles
 * (https://stytch.com/docs/b2b/guides/rbac/stytch-default): every Member's
 * stytch_member holds every stytch.self action; stytch_admin holds every
 * action on the Organization, its Members, and its SSO and SCIM connections.
 * Stytch refuses a stytch_admin that lacks these, and so does Roster.
 */
export const DEFAULT_MEMBER_PERMISSIONS: readonly PolicyPermission[] = [all(SELF_RESOURCE)];
export const DEFAULT_ADMIN_PERMISSIONS: readonly PolicyPermission[] = [
  all('stytch.organization'),
  all('stytch.member'),
  all('stytch.sso'),
  all('stytch.scim'),
];

const DEFAULT_ROLE_DESCRIPTIONS = {
  [MEMBER_ROLE]: 'Held by every Member; grants what a logged-in Member may do to its own Member. Cannot be deleted.',
  [ADMIN_ROLE]:
    'Given to the Member who creates an Organization through discovery; administers the Organization. Admins hold stytch_member too. Cannot be deleted.',
};

export const EMPTY_POLICY_DOCUMENT: ProjectPolicyDocument = {
  stytch_member: null,
  stytch_admin: null,
  custom_resources: [],
  custom_roles: [],
  custom_scopes: [],
};

/** The policy `rbac.policy` answers: Stytch's resources and default roles (as the project set them), then the project's own. */
export function effectivePolicy(doc: ProjectPolicyDocument): Policy {
  const defaultRole = (role_id: typeof MEMBER_ROLE | typeof ADMIN_ROLE, permissions: readonly PolicyPermission[]): PolicyRole => ({
    role_id,
    description: DEFAULT_ROLE_DESCRIPTIONS[role_id],
    permissions: permissions.map((p) => ({ resource_id: p.resource_id, actions: [...p.actions] })),
  });
  return {
    roles: [
      defaultRole(MEMBER_ROLE, doc.stytch_member ?? DEFAULT_MEMBER_PERMISSIONS),
      defaultRole(ADMIN_ROLE, doc.stytch_admin ?? DEFAULT_ADMIN_PERMISSIONS),
      ...doc.custom_roles,
    ],
    resources: [...STYTCH_RESOURCES.map((r) => ({ ...r, actions: [...r.actions] })), ...doc.custom_resources],
    scopes: doc.custom_scopes,
  };
}

/** The roles among `subjectRoles` whose permissions grant `action` on `resourceId` (an action of `*` grants them all). */
export function grantingRoles(
  policyRoles: readonly PolicyRole[],
  subjectRoles: readonly string[],
  resourceId: string,
  action: string,
): string[] {
  const held = new Set(subjectRoles);
  const granting = policyRoles
    .filter((role) => held.has(role.role_id))
    .filter((role) =>
      role.permissions.some((p) => p.resource_id === resourceId && (p.actions.includes(action) || p.actions.includes(ANY_ACTION))),
    )
    .map((role) => role.role_id);
  return [...new Set(granting)];
}

// Validation. Everything is checked before anything is written: a refused policy changes nothing.

const reserved = (what: string, id: string) =>
  badRequest('rbac_policy_reserved_id', `${what} "${id}" is reserved by Stytch: custom ones may not start with "stytch".`);
const duplicate = (what: string, id: string) => badRequest('rbac_policy_duplicate_id', `${what} "${id}" is defined more than once.`);
const isReserved = (id: string) => id.toLowerCase().startsWith('stytch');

function checkUnique(what: string, ids: string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw duplicate(what, id);
    seen.add(id);
  }
}

/** Each permission names a resource of the policy, once, with actions that resource has (or `*`). */
function checkPermissions(owner: string, permissions: readonly PolicyPermission[], resources: ReadonlyMap<string, PolicyResource>): void {
  checkUnique(
    `${owner}: the permission on resource`,
    permissions.map((p) => p.resource_id),
  );
  for (const permission of permissions) {
    const resource = resources.get(permission.resource_id);
    if (!resource) {
      throw badRequest(
        'rbac_policy_unknown_resource',
        `${owner} names resource "${permission.resource_id}", which the policy does not define.`,
      );
    }
    const unknown = permission.actions.find((a) => a !== ANY_ACTION && !resource.actions.includes(a));
    if (unknown !== undefined) {
      throw badRequest(
        'rbac_policy_unknown_action',
        `${owner} names action "${unknown}", which resource "${resource.resource_id}" does not have.`,
      );
    }
  }
}

const resourceMap = (resources: readonly PolicyResource[]) => new Map(resources.map((r) => [r.resource_id, r]));

/** Refuses a project policy that names what it does not define, redefines Stytch's names, or repeats an id. */
export function checkProjectPolicy(doc: ProjectPolicyDocument): void {
  for (const resource of doc.custom_resources) {
    if (isReserved(resource.resource_id)) throw reserved('Resource', resource.resource_id);
    if (resource.actions.includes(ANY_ACTION)) {
      throw badRequest(
        'rbac_policy_reserved_id',
        `Resource "${resource.resource_id}" lists "*", which is reserved: it stands for every action.`,
      );
    }
    checkUnique(`Resource "${resource.resource_id}": action`, resource.actions);
  }
  checkUnique(
    'Resource',
    doc.custom_resources.map((r) => r.resource_id),
  );
  const resources = resourceMap([...STYTCH_RESOURCES, ...doc.custom_resources]);

  for (const role of doc.custom_roles) {
    if (isReserved(role.role_id)) throw reserved('Role', role.role_id);
    checkPermissions(`Role "${role.role_id}"`, role.permissions, resources);
  }
  checkUnique(
    'Role',
    doc.custom_roles.map((r) => r.role_id),
  );
  if (doc.stytch_member) checkPermissions(`Role "${MEMBER_ROLE}"`, doc.stytch_member, resources);
  if (doc.stytch_admin) {
    checkPermissions(`Role "${ADMIN_ROLE}"`, doc.stytch_admin, resources);
    const kept = DEFAULT_ADMIN_PERMISSIONS.every((d) =>
      doc.stytch_admin!.some((p) => p.resource_id === d.resource_id && p.actions.includes(ANY_ACTION)),
    );
    if (!kept) {
      throw badRequest(
        'rbac_policy_stytch_admin_defaults',
        `Role "${ADMIN_ROLE}" must keep every action ("*") on ${DEFAULT_ADMIN_PERMISSIONS.map((p) => p.resource_id).join(', ')}; add permissions to it beside those.`,
      );
    }
  }
  for (const scope of doc.custom_scopes) checkPermissions(`Scope "${scope.scope}"`, scope.permissions, resources);
  checkUnique(
    'Scope',
    doc.custom_scopes.map((s) => s.scope),
  );
}

/**
 * An organization's own roles (rbac.organizations.setOrgPolicy): permissions
 * on the project policy's resources, under ids that neither Stytch nor the
 * project policy use.
 */
export function checkOrganizationRoles(roles: readonly PolicyRole[], policy: Policy): void {
  const projectRoles = new Set(policy.roles.map((r) => r.role_id));
  const resources = resourceMap(policy.resources);
  for (const role of roles) {
    if (isReserved(role.role_id)) throw reserved('Role', role.role_id);
    if (projectRoles.has(role.role_id)) {
      throw badRequest('rbac_policy_duplicate_id', `Role "${role.role_id}" is already defined by the project's RBAC policy.`);
    }
    checkPermissions(`Role "${role.role_id}"`, role.permissions, resources);
  }
  checkUnique(
    'Role',
    roles.map((r) => r.role_id),
  );
}
