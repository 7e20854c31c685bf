import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import type { AuthenticationFactor } from '../repositories/session.repository';
import { mfaMethodOf, primaryMethodOf } from './auth/factors';

/** What the factors a member has proved earn it in an organization. */
export type AuthenticationDecision =
  | { grant: 'session' }
  /** No factor proved is one the organization accepts: the member must use one it allows. */
  | { grant: 'primary_required'; allowedAuthMethods: string[] }
  /** The primary factor counts, but a second one must follow before a session. */
  | { grant: 'mfa_required' };

export type PolicyOrganization = Pick<
  OrganizationModel,
  'auth_methods' | 'allowed_auth_methods' | 'mfa_policy' | 'mfa_methods' | 'allowed_mfa_methods'
>;
export type PolicyMember = Pick<MemberModel, 'is_breakglass' | 'mfa_enrolled'>;

/**
 * The organization's authentication policy applied to every factor the
 * member has proved so far (one primary authentication, or those an
 * intermediate session or an exchanged session carried). Pure: magic links,
 * email OTP, discovery, session exchange and the MFA factors all decide here.
 * Break-glass members skip the allowed-method restrictions (auth and MFA
 * methods), as in Stytch, but not the MFA requirement itself.
 */
export function decideAuthentication(
  organization: PolicyOrganization,
  member: PolicyMember,
  proved: AuthenticationFactor[],
): AuthenticationDecision {
  const allows = (restricted: boolean, allowed: string[], method: string | undefined) =>
    method !== undefined && (!restricted || member.is_breakglass || allowed.includes(method));
  const primary = proved.some((f) =>
    allows(organization.auth_methods === 'RESTRICTED', organization.allowed_auth_methods, primaryMethodOf(f)),
  );
  if (!primary) return { grant: 'primary_required', allowedAuthMethods: organization.allowed_auth_methods };
  const mfaNeeded = organization.mfa_policy === 'REQUIRED_FOR_ALL' || member.mfa_enrolled;
  const mfa = proved.some((f) => allows(organization.mfa_methods === 'RESTRICTED', organization.allowed_mfa_methods, mfaMethodOf(f)));
  if (mfaNeeded && !mfa) return { grant: 'mfa_required' };
  return { grant: 'session' };
}

/** Whether the organization accepts this MFA method from this member (`mfa_methods` / `allowed_mfa_methods`). */
export function allowsMfaMethod(organization: PolicyOrganization, member: PolicyMember, method: 'totp' | 'sms_otp'): boolean {
  return organization.mfa_methods !== 'RESTRICTED' || member.is_breakglass || organization.allowed_mfa_methods.includes(method);
}
