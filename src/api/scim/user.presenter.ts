import { SCIM_ENTERPRISE_USER_SCHEMA_URN, SCIM_USER_SCHEMA_URN, type ScimUserResource } from '../../contracts/scim-users';
import type { MemberScimRegistration } from '../../contracts/members';
import { formatId, type ProjectEnv } from '../../ids';
import type { ScimUserRow } from '../../repositories/scim-user.repository';
import type { ScimUserView } from '../../services/scim/scim-user.service';
import { timestamp } from '../presenters/wire';

type Attributes = Record<string, unknown>;

const isRecord = (value: unknown): value is Attributes => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOf = (value: unknown): string => (typeof value === 'string' ? value : '');
/** Entra writes booleans as "True"/"False" strings; the resource answers real ones. */
const booleanOf = (value: unknown): boolean => value === true || (typeof value === 'string' && value.toLowerCase() === 'true');

/** A multi-valued attribute's items (emails, phoneNumbers, …) with typed value, type and primary. */
function itemsOf(value: unknown): { value: string; type?: string; primary: boolean }[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => ({
    ...item,
    value: stringOf(item.value),
    ...(typeof item.type === 'string' ? { type: item.type } : {}),
    primary: booleanOf(item.primary),
  }));
}

/**
 * A User resource (RFC 7643 §4.1): the attributes the directory wrote, with
 * the server's own (id, userName, active, externalId, groups, meta) as they
 * are now. A user whose directory sent no emails shows its member's address.
 * `baseUrl` is the connection's SCIM base URL (meta.location).
 */
export function presentScimUser(baseUrl: string, { user, member, groups }: ScimUserView): ScimUserResource {
  const {
    schemas: _schemas,
    userName: _userName,
    active: _active,
    externalId: _externalId,
    name,
    displayName,
    emails,
    ...rest
  } = user.attributes;
  const directoryEmails = itemsOf(emails);
  return {
    ...rest,
    schemas: [SCIM_USER_SCHEMA_URN, ...(isRecord(rest[SCIM_ENTERPRISE_USER_SCHEMA_URN]) ? [SCIM_ENTERPRISE_USER_SCHEMA_URN] : [])],
    id: user.id,
    ...(user.external_id === null ? {} : { externalId: user.external_id }),
    userName: user.user_name,
    ...(isRecord(name) ? { name } : {}),
    ...(typeof displayName === 'string' ? { displayName } : {}),
    emails: directoryEmails.length > 0 ? directoryEmails : [{ value: member.email, type: 'work', primary: true }],
    active: user.active,
    groups: groups.map((g) => ({ value: g.group_id, display: g.display_name, $ref: `${baseUrl}/Groups/${g.group_id}` })),
    meta: {
      resourceType: 'User',
      created: timestamp(user.created_at),
      lastModified: timestamp(user.updated_at),
      location: `${baseUrl}/Users/${user.id}`,
      version: `W/"${user.version}"`,
    },
  };
}

/** Stytch's SCIM multi-valued item: every field present. */
const sdkItems = (value: unknown) => itemsOf(value).map((item) => ({ value: item.value, type: item.type ?? '', primary: item.primary }));

/**
 * Member.scim_registration as Stytch's SDK types it (SCIMRegistration, its
 * scim_attributes snake_cased with every field present).
 */
export function presentScimRegistration(env: ProjectEnv, user: ScimUserRow): MemberScimRegistration {
  const a = user.attributes;
  const name = isRecord(a.name) ? a.name : {};
  const enterprise = isRecord(a[SCIM_ENTERPRISE_USER_SCHEMA_URN]) ? (a[SCIM_ENTERPRISE_USER_SCHEMA_URN] as Attributes) : undefined;
  // Entra sets manager as a bare id string (its legacy PATCH), the RFC as a complex attribute.
  const manager = typeof enterprise?.manager === 'string' ? { value: enterprise.manager } : enterprise?.manager;
  return {
    connection_id: formatId('scim-connection', env, user.connection_id),
    registration_id: user.id,
    external_id: user.external_id ?? '',
    scim_attributes: {
      user_name: user.user_name,
      id: user.id,
      external_id: user.external_id ?? '',
      active: user.active,
      groups: [],
      display_name: stringOf(a.displayName),
      nick_name: stringOf(a.nickName),
      profile_url: stringOf(a.profileUrl),
      user_type: stringOf(a.userType),
      title: stringOf(a.title),
      preferred_language: stringOf(a.preferredLanguage),
      locale: stringOf(a.locale),
      timezone: stringOf(a.timezone),
      emails: sdkItems(a.emails),
      phone_numbers: sdkItems(a.phoneNumbers),
      addresses: (Array.isArray(a.addresses) ? a.addresses.filter(isRecord) : []).map((address) => ({
        formatted: stringOf(address.formatted),
        street_address: stringOf(address.streetAddress),
        locality: stringOf(address.locality),
        region: stringOf(address.region),
        postal_code: stringOf(address.postalCode),
        country: stringOf(address.country),
        type: stringOf(address.type),
        primary: booleanOf(address.primary),
      })),
      ims: sdkItems(a.ims),
      photos: sdkItems(a.photos),
      entitlements: sdkItems(a.entitlements),
      roles: sdkItems(a.roles),
      x509certificates: sdkItems(a.x509Certificates),
      name: {
        formatted: stringOf(name.formatted),
        family_name: stringOf(name.familyName),
        given_name: stringOf(name.givenName),
        middle_name: stringOf(name.middleName),
        honorific_prefix: stringOf(name.honorificPrefix),
        honorific_suffix: stringOf(name.honorificSuffix),
      },
      ...(enterprise
        ? {
            enterprise_extension: {
              employee_number: stringOf(enterprise.employeeNumber),
              cost_center: stringOf(enterprise.costCenter),
              division: stringOf(enterprise.division),
              department: stringOf(enterprise.department),
              organization: stringOf(enterprise.organization),
              ...(isRecord(manager)
                ? { manager: { value: stringOf(manager.value), ref: stringOf(manager.$ref), display_name: stringOf(manager.displayName) } }
                : {}),
            },
          }
        : {}),
    },
  };
}
