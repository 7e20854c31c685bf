import { SCIM_GROUP_SCHEMA_URN, type ScimGroupResource } from '../../contracts/scim-groups';
import type { ScimGroupRecord } from '../../services/scim/scim-group.service';

/** Which top-level attributes a response carries (RFC 7644 §3.9); `id` and `schemas` always. */
export type Projection = (attribute: string) => boolean;

/** The top-level attribute a requested name stands for: `members.value` → `members`, core URN prefixes dropped. */
function topLevel(name: string, schemaUrn: string): string {
  let key = name.trim().toLowerCase();
  const prefix = `${schemaUrn.toLowerCase()}:`;
  if (key.startsWith(prefix)) key = key.slice(prefix.length);
  return key.split('.')[0];
}

/**
 * `attributes` (only these) or `excludedAttributes` (all but these), as
 * comma-separated names matched case-insensitively. A sub-attribute keeps
 * or drops its whole attribute: directories ask for `members` or not.
 */
export function projectionOf(query: { attributes?: string; excludedAttributes?: string }, schemaUrn: string): Projection {
  const names = (list: string) =>
    new Set(
      list
        .split(',')
        .filter((name) => name.trim() !== '')
        .map((name) => topLevel(name, schemaUrn)),
    );
  if (query.attributes !== undefined && query.attributes.trim() !== '') {
    const wanted = names(query.attributes);
    return (attribute) => wanted.has(attribute.toLowerCase());
  }
  const excluded = names(query.excludedAttributes ?? '');
  return (attribute) => !excluded.has(attribute.toLowerCase());
}

/** A connection's SCIM base URL: where its resources' `meta.location` and members' `$ref` point. */
export const groupLocation = (baseUrl: string, groupId: string) => `${baseUrl}/Groups/${groupId}`;

/** A Group resource (RFC 7643 §4.2), trimmed to `wanted`; `members` are present only when loaded. */
export function presentGroup({ group, members }: ScimGroupRecord, baseUrl: string, wanted: Projection): ScimGroupResource {
  return {
    schemas: [SCIM_GROUP_SCHEMA_URN],
    id: group.id,
    ...(wanted('externalId') && group.external_id !== null ? { externalId: group.external_id } : {}),
    ...(wanted('displayName') ? { displayName: group.display_name } : {}),
    ...(wanted('members') && members
      ? {
          members: members.map((member) => ({
            value: member.value,
            display: member.display,
            $ref: `${baseUrl}/Users/${member.value}`,
            type: 'User',
          })),
        }
      : {}),
    ...(wanted('meta')
      ? {
          meta: {
            resourceType: 'Group',
            created: group.created_at.toISOString(),
            lastModified: group.updated_at.toISOString(),
            location: groupLocation(baseUrl, group.id),
            version: `W/"${group.version}"`,
          },
        }
      : {}),
  };
}
