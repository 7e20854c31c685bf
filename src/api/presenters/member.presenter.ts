import type { MemberSsoRegistration, MemberWire } from '../../contracts/members';
import { formatId, ProjectEnv } from '../../ids';
import type { MemberSsoRegistrationRow } from '../../repositories/sso-sign-in.repository';
import type { MemberRecord } from '../../services/member.service';
import { ADMIN_ROLE, effectiveRoles } from '../../services/roles';
import { connectionPublicId } from '../../services/sso/connections/sso-connections';
import { presentScimRegistration } from '../scim/user.presenter';
import { timestamp } from './wire';

/**
 * The Member object of Stytch's B2B API. Factors Roster does not have yet are
 * present and empty; optional ones it has no value for (lock times, a SCIM
 * registration the member does not have or the answer did not read) are left out.
 */
export function presentMember(
  env: ProjectEnv,
  { member: m, organization, retiredEmails, scimRegistration, ssoRegistrations = [] }: MemberRecord,
): MemberWire {
  const roles = effectiveRoles(m, organization.rbac_email_implicit_role_assignments, {
    connection: (id) => formatId('scim-connection', env, id),
  });
  return {
    organization_id: formatId('organization', env, m.organization_id),
    member_id: formatId('member', env, m.id),
    email_address: m.email,
    status: m.status,
    name: m.name,
    external_id: m.external_id ?? '',
    is_breakglass: m.is_breakglass,
    is_admin: roles.some((r) => r.role_id === ADMIN_ROLE),
    is_locked: false,
    email_address_verified: m.email_address_verified,
    retired_email_addresses: retiredEmails.map((r) => ({ email_id: formatId('email', env, r.id), email_address: r.email })),
    mfa_enrolled: m.mfa_enrolled,
    mfa_phone_number: m.mfa_phone_number,
    mfa_phone_number_verified: m.mfa_phone_number_verified,
    default_mfa_method: m.default_mfa_method,
    member_password_id: '',
    totp_registration_id: m.totp_registration_id ? formatId('member-totp', env, m.totp_registration_id) : '',
    sso_registrations: ssoRegistrations.map((r) => presentSsoRegistration(env, r)),
    ...(scimRegistration ? { scim_registration: presentScimRegistration(env, scimRegistration) } : {}),
    oauth_registrations: [],
    roles,
    trusted_metadata: m.trusted_metadata,
    untrusted_metadata: m.untrusted_metadata,
    created_at: timestamp(m.created_at),
    updated_at: timestamp(m.updated_at),
  };
}

/** Stytch's SSORegistration: the member's identity at one connection, with what the IdP said at the last sign-in. */
function presentSsoRegistration(env: ProjectEnv, r: MemberSsoRegistrationRow): MemberSsoRegistration {
  return {
    connection_id: connectionPublicId(env, { id: r.connection_id, kind: r.connection_kind }),
    external_id: r.external_id,
    registration_id: formatId('member-registration', env, r.id),
    sso_attributes: r.sso_attributes,
  };
}
