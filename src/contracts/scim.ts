import { defineContract, type Contract } from './contract';
import { anyObject, count, flag, object, text } from './common';
import { connectionParams, listOf, resourceParams, SCIM_BASE } from './scim-common';

/** A discovery resource's meta (RFC 7643 §3.1): where it lives and what it is. */
const meta = object({ resourceType: text, location: text }, ['resourceType', 'location']);
const supported = object({ supported: flag }, ['supported']);

/** RFC 7643 §5: what the service provider supports. */
const serviceProviderConfigObject = object(
  {
    schemas: { type: 'array', items: text },
    documentationUri: text,
    patch: supported,
    bulk: object({ supported: flag, maxOperations: count, maxPayloadSize: count }, ['supported', 'maxOperations', 'maxPayloadSize']),
    filter: object({ supported: flag, maxResults: count }, ['supported', 'maxResults']),
    changePassword: supported,
    sort: supported,
    etag: supported,
    authenticationSchemes: {
      type: 'array',
      items: object({ type: text, name: text, description: text, specUri: text, documentationUri: text, primary: flag }, [
        'type',
        'name',
        'description',
      ]),
    },
    meta,
  },
  ['schemas', 'patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag', 'authenticationSchemes', 'meta'],
);

/** RFC 7643 §6: a resource type, its endpoint and its schemas. */
const resourceTypeObject = object(
  {
    schemas: { type: 'array', items: text },
    id: text,
    name: text,
    description: text,
    endpoint: text,
    schema: text,
    schemaExtensions: { type: 'array', items: object({ schema: text, required: flag }, ['schema', 'required']) },
    meta,
  },
  ['schemas', 'id', 'name', 'endpoint', 'schema', 'meta'],
);

/** RFC 7643 §7: an attribute definition (sub-attributes have the same shape). */
const attributeObject = {
  type: 'object',
  properties: {
    name: text,
    type: text,
    multiValued: flag,
    description: text,
    required: flag,
    caseExact: flag,
    mutability: text,
    returned: text,
    uniqueness: text,
    canonicalValues: { type: 'array', items: text },
    referenceTypes: { type: 'array', items: text },
    subAttributes: { type: 'array', items: anyObject },
  },
  required: ['name', 'type', 'multiValued', 'required', 'mutability', 'returned'],
} as const;

/** RFC 7643 §7: a schema and its attributes. */
const schemaObject = object(
  {
    schemas: { type: 'array', items: text },
    id: text,
    name: text,
    description: text,
    attributes: { type: 'array', items: attributeObject },
    meta,
  },
  ['schemas', 'id', 'attributes', 'meta'],
);

export const getServiceProviderConfigContract = defineContract({
  name: 'scim.service_provider_config.get',
  method: 'get',
  path: `${SCIM_BASE}/ServiceProviderConfig`,
  summary: "Describes the connection's SCIM service provider (RFC 7644 §4): PATCH and filters supported, bulk, sort and ETags not.",
  params: connectionParams,
  response: serviceProviderConfigObject,
  status: 200,
  protocol: 'scim',
});

export const listResourceTypesContract = defineContract({
  name: 'scim.resource_types.list',
  method: 'get',
  path: `${SCIM_BASE}/ResourceTypes`,
  summary: 'Lists the SCIM resource types served (RFC 7644 §4): User (with the enterprise extension) and Group.',
  params: connectionParams,
  response: listOf(resourceTypeObject),
  status: 200,
  protocol: 'scim',
});

export const getResourceTypeContract = defineContract({
  name: 'scim.resource_types.get',
  method: 'get',
  path: `${SCIM_BASE}/ResourceTypes/:resource_type_id`,
  summary: 'Reads one SCIM resource type (RFC 7644 §4) by its id: User or Group.',
  params: resourceParams('resource_type_id'),
  response: resourceTypeObject,
  status: 200,
  protocol: 'scim',
});

export const listSchemasContract = defineContract({
  name: 'scim.schemas.list',
  method: 'get',
  path: `${SCIM_BASE}/Schemas`,
  summary: 'Lists the SCIM schemas served (RFC 7643 §8.7.1): core User, enterprise User and Group, attribute by attribute.',
  params: connectionParams,
  response: listOf(schemaObject),
  status: 200,
  protocol: 'scim',
});

export const getSchemaContract = defineContract({
  name: 'scim.schemas.get',
  method: 'get',
  path: `${SCIM_BASE}/Schemas/:schema_id`,
  summary: 'Reads one SCIM schema (RFC 7643 §7) by its URN.',
  params: resourceParams('schema_id'),
  response: schemaObject,
  status: 200,
  protocol: 'scim',
});

export const scimDiscoveryContracts: Contract[] = [
  getServiceProviderConfigContract,
  listResourceTypesContract,
  getResourceTypeContract,
  listSchemasContract,
  getSchemaContract,
];
