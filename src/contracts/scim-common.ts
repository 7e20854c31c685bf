import { count, noBody, object, text, time } from './common';

/** A connection's SCIM base URL (RFC 7644 §3.2), as the SCIM routers mount it. */
export const SCIM_BASE = '/v1/b2b/scim/:connection_id';

/** Any id reaches the services: one that names nothing there is a SCIM 404, not a validation error. */
const id = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const connectionParams = object({ connection_id: id }, ['connection_id']);

/** The path parameters of one resource under the base URL, e.g. `/Users/:user_id`. */
export const resourceParams = <const K extends string>(key: K) =>
  ({
    type: 'object',
    properties: { connection_id: id, [key]: id } as { connection_id: typeof id } & { [P in K]: typeof id },
    required: ['connection_id', key] as ['connection_id', K],
  }) as const;

/** RFC 7644 §3.4.2's query: a filter and a 1-based page (strings: SCIM clients send them as they like, the service parses). */
export const listQueryProperties = {
  filter: { type: 'string', maxLength: 4000 },
  startIndex: { type: 'string', maxLength: 20 },
  count: { type: 'string', maxLength: 20 },
} as const;

/** RFC 7644 §3.5.2: a PatchOp message (the services parse the operations, in both directories' dialects). */
export const patchBody = {
  type: 'object',
  properties: {
    schemas: { type: 'array', items: { type: 'string' }, maxItems: 10 },
    Operations: { type: 'array', items: { type: 'object' } },
  },
  additionalProperties: true,
} as const;

/** A User's or Group's meta (RFC 7643 §3.1). */
export const resourceMeta = object({ resourceType: text, created: time, lastModified: time, location: text, version: text }, [
  'resourceType',
  'created',
  'lastModified',
  'location',
  'version',
]);

/** What 204 No Content answers declare: no body. */
export const noContent = noBody;

/** RFC 7644 §3.4.2's ListResponse of `item`s; count=0 answers the total alone. */
export const listOf = <const S extends object>(item: S) =>
  object(
    {
      schemas: { type: 'array', items: text },
      totalResults: count,
      startIndex: count,
      itemsPerPage: count,
      Resources: { type: 'array', items: item },
    },
    ['schemas', 'totalResults'],
  );
