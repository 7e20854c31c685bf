import { SCIM_BASE } from '../../contracts/scim-common';
import { scimResourceRoot } from '../presenters/scim-connection.presenter';
import type { Router } from 'express';
import {
  getResourceTypeContract,
  getSchemaContract,
  getServiceProviderConfigContract,
  listResourceTypesContract,
  listSchemasContract,
} from '../../contracts/scim';
import { listResponse, MAX_PAGE_SIZE } from '../../services/scim/paging';
import type { ScimContext } from '../../services/scim/scim-auth';
import { scimNotFound } from '../../services/scim/scim-error';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type ResourceSchema } from '../../services/scim/schemas';
import { SCIM_BODY_LIMIT } from './scim-router';
import { scimRoute, scimRouterAt } from './scim-route';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0';

/** The resource types served, as RFC 7643 §6 describes them (without their location, which is per connection). */
const RESOURCE_TYPES = [
  {
    id: 'User',
    name: 'User',
    description: 'User Account: a Member of the organization',
    endpoint: '/Users',
    schema: USER_SCHEMA.id,
    schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA.id, required: false }],
  },
  {
    id: 'Group',
    name: 'Group',
    description: 'Group: its members hold the roles mapped to it',
    endpoint: '/Groups',
    schema: GROUP_SCHEMA.id,
  },
];

const SCHEMAS: ResourceSchema[] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA];

/** What this service provider supports (RFC 7643 §5); the limits are the ones the SCIM server enforces. */
function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [`${CORE}:ServiceProviderConfig`],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: SCIM_BODY_LIMIT },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: "The SCIM connection's bearer token, sent as `Authorization: Bearer <token>`.",
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

const resourceType = (baseUrl: string, type: (typeof RESOURCE_TYPES)[number]) => ({
  schemas: [`${CORE}:ResourceType`],
  ...type,
  meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
});

const schema = (baseUrl: string, { id, name, description, attributes }: ResourceSchema) => ({
  schemas: [`${CORE}:Schema`],
  id,
  name,
  description,
  attributes,
  meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
});

/** Ids are matched case-insensitively, as SCIM matches names. */
const byId = <T extends { id: string }>(items: readonly T[], id: string) =>
  items.find((item) => item.id.toLowerCase() === id.toLowerCase());

/** The discovery endpoints of a connection's SCIM server (RFC 7644 §4); `publicUrl` roots their locations. */
export function scimDiscoveryRoutes(publicUrl: string): Router {
  const router = scimRouterAt(SCIM_BASE);
  const baseUrlOf = ({ scim }: { scim: ScimContext }) => scimResourceRoot(publicUrl, scim.project.env, scim.connection.id);

  scimRoute(router, getServiceProviderConfigContract, async (req) => ({ body: serviceProviderConfig(baseUrlOf(req)) }));

  scimRoute(router, listResourceTypesContract, async (req) => {
    const types = RESOURCE_TYPES.map((type) => resourceType(baseUrlOf(req), type));
    return { body: listResponse(types, types.length, 1) };
  });

  scimRoute(router, getResourceTypeContract, async (req) => {
    const type = byId(RESOURCE_TYPES, req.params.resource_type_id);
    if (!type) throw scimNotFound(`There is no resource type ${req.params.resource_type_id}: User and Group are served.`);
    return { body: resourceType(baseUrlOf(req), type) };
  });

  scimRoute(router, listSchemasContract, async (req) => {
    const schemas = SCHEMAS.map((served) => schema(baseUrlOf(req), served));
    return { body: listResponse(schemas, schemas.length, 1) };
  });

  scimRoute(router, getSchemaContract, async (req) => {
    const served = byId(SCHEMAS, req.params.schema_id);
    if (!served) throw scimNotFound(`There is no schema ${req.params.schema_id}.`);
    return { body: schema(baseUrlOf(req), served) };
  });

  return router;
}
