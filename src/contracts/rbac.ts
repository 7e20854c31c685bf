import type { FromSchema } from 'json-schema-to-ts';
import { defineContract } from './contract';
import { B2B, envelope, object, organizationRefParams, text, texts } from './common';

// Requests. Ids are short human-readable strings; the limits keep one policy document well under the body limit.

const id = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^\\S+$',
  errorMessage: 'must be 1 to 128 characters without spaces',
} as const;
const description = { type: 'string', maxLength: 1024 } as const;

const permissionInput = {
  type: 'object',
  properties: {
    resource_id: id,
    actions: { type: 'array', minItems: 1, maxItems: 200, items: id },
  },
  required: ['resource_id', 'actions'],
} as const;
const permissionsInput = { type: 'array', maxItems: 200, items: permissionInput } as const;

const roleInput = {
  type: 'object',
  properties: { role_id: { ...id, errorType: 'invalid_rbac_role_id' }, description, permissions: permissionsInput },
  required: ['role_id', 'permissions'],
} as const;

const defaultRoleInput = { type: 'object', properties: { permissions: permissionsInput }, required: ['permissions'] } as const;

/**
 * Roster's own write of the project policy, in the shape Stytch's policy
 * document takes for writing (its Management API): the default roles'
 * permissions, and the custom resources, roles and scopes. PUT semantics:
 * what is left out is reset (the default roles to Stytch's permissions).
 */
export const putPolicyBody = {
  type: 'object',
  properties: {
    stytch_member: defaultRoleInput,
    stytch_admin: defaultRoleInput,
    custom_resources: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'object',
        properties: {
          resource_id: id,
          description,
          actions: { type: 'array', minItems: 1, maxItems: 200, items: id },
        },
        required: ['resource_id', 'actions'],
      },
    },
    custom_roles: { type: 'array', maxItems: 500, items: roleInput },
    custom_scopes: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'object',
        properties: { scope: id, description, permissions: permissionsInput },
        required: ['scope', 'permissions'],
      },
    },
  },
} as const;
export type PutPolicyInput = FromSchema<typeof putPolicyBody>;

export const setOrgPolicyBody = {
  type: 'object',
  properties: {
    org_policy: {
      type: 'object',
      properties: { roles: { type: 'array', maxItems: 500, items: roleInput } },
      required: ['roles'],
    },
  },
  required: ['org_policy'],
} as const;
export type SetOrgPolicyInput = FromSchema<typeof setOrgPolicyBody>;

// Responses: Stytch's Policy and OrgPolicy objects.

const permission = object({ resource_id: text, actions: texts }, ['resource_id', 'actions']);
const role = object({ role_id: text, description: text, permissions: { type: 'array', items: permission } }, [
  'role_id',
  'description',
  'permissions',
]);
const resource = object({ resource_id: text, description: text, actions: texts }, ['resource_id', 'description', 'actions']);
const scope = object({ scope: text, description: text, permissions: { type: 'array', items: permission } }, [
  'scope',
  'description',
  'permissions',
]);

export const policyObject = object(
  {
    roles: { type: 'array', items: role },
    resources: { type: 'array', items: resource },
    scopes: { type: 'array', items: scope },
  },
  ['roles', 'resources', 'scopes'],
);
const orgPolicyObject = object({ roles: { type: 'array', items: role } }, ['roles']);

const policyPath = `${B2B}/rbac/policy`;
const orgPolicyPath = `${B2B}/rbac/organizations/:organization_id`;

export const getPolicy = defineContract({
  name: 'rbac.policy',
  method: 'get',
  path: policyPath,
  summary: "The project's RBAC policy: Stytch's resources and default roles, and the project's own resources, roles and scopes.",
  response: envelope({ policy: policyObject }, ['policy']),
  status: 200,
  sdk: 'rbac.policy',
});

export const putPolicy = defineContract({
  name: 'rbac.setPolicy',
  method: 'put',
  path: policyPath,
  summary:
    "Set the project's RBAC policy (Roster's own; Stytch sets it in its Dashboard): the default roles' permissions and the custom resources, roles and scopes, replaced whole.",
  body: putPolicyBody,
  response: envelope({ policy: policyObject }, ['policy']),
  status: 200,
});

export const getOrgPolicy = defineContract({
  name: 'rbac.organizations.getOrgPolicy',
  method: 'get',
  path: orgPolicyPath,
  summary: "An organization's own RBAC roles, which supplement the project's policy.",
  params: organizationRefParams,
  response: envelope({ org_policy: orgPolicyObject }, ['org_policy']),
  status: 200,
  sdk: 'rbac.organizations.getOrgPolicy',
});

export const setOrgPolicy = defineContract({
  name: 'rbac.organizations.setOrgPolicy',
  method: 'put',
  path: orgPolicyPath,
  summary: "Replace an organization's own RBAC roles, checked against the project's policy.",
  params: organizationRefParams,
  body: setOrgPolicyBody,
  response: envelope({ org_policy: orgPolicyObject }, ['org_policy']),
  status: 200,
  sdk: 'rbac.organizations.setOrgPolicy',
});

export const rbacContracts = [getPolicy, putPolicy, getOrgPolicy, setOrgPolicy];
