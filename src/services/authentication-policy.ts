import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';

/** What a primary factor earns a member in an organization. */
export type AuthenticationDecision =
  | { grant: 'session' }
  /** The organization does not accept this factor: the member must use one it allows. */
  | { grant: 'primary_required'; allowedAuthMethods: string[] }
  /** The factor counts, but a second one must follow before a session. */
  | { grant: 'mfa_required'; mfaPhoneNumber: string };

/**
 * The organization's authentication policy, applied to one primary factor
 * (`magic_link`, `sso`, `password`, …). Pure: magic links use it today;
 * discovery, session exchange, SSO and SCIM-provisioned logins reuse it.
 * Break-glass members skip the allowed-methods restriction, as in Stytch,
 * but not MFA.
 */
export function decideAuthentication(
  organization: Pick<OrganizationModel, 'auth_methods' | 'allowed_auth_methods' | 'mfa_policy'>,
  member: Pick<MemberModel, 'is_breakglass' | 'mfa_enrolled' | 'mfa_phone_number'>,
  primaryFactor: string,
): AuthenticationDecision {
  const restricted = organization.auth_methods === 'RESTRICTED' && !organization.allowed_auth_methods.includes(primaryFactor);
  if (restricted && !member.is_breakglass) return { grant: 'primary_required', allowedAuthMethods: organization.allowed_auth_methods };
  if (organization.mfa_policy === 'REQUIRED_FOR_ALL' || member.mfa_enrolled)
    return { grant: 'mfa_required', mfaPhoneNumber: member.mfa_phone_number };
  return { grant: 'session' };
}
