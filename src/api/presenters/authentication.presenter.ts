import type { ProjectEnv } from '../../ids';
import type { AuthOutcome } from '../../services/auth/authentication-flow';
import type { SentEmail } from '../../services/invite.service';
import { presentMember } from './member.presenter';
import { presentOrganization } from './organization.presenter';
import { presentSession } from './session.presenter';
import { timestamp } from './wire';

/** Stytch's answer to a login-or-signup send (magic links and email passcodes alike). */
export function presentLoginOrSignup(env: ProjectEnv, sent: SentEmail) {
  const member = presentMember(env, sent);
  return {
    member_id: member.member_id,
    member_created: sent.memberCreated,
    member,
    organization: presentOrganization(env, sent.organization),
  };
}

/**
 * Stytch's answer to an organization-bound authentication (contracts'
 * authenticationProperties): a session when the member is authenticated;
 * otherwise an intermediate session and what it still needs.
 */
export function presentAuthentication(env: ProjectEnv, outcome: AuthOutcome) {
  const member = presentMember(env, {
    member: outcome.member,
    organization: outcome.organization,
    retiredEmails: [],
    ssoRegistrations: outcome.ssoRegistrations,
  });
  return {
    member_id: member.member_id,
    organization_id: member.organization_id,
    member,
    organization: presentOrganization(env, outcome.organization),
    session_token: outcome.session?.token ?? '',
    session_jwt: outcome.session?.jwt ?? '',
    member_session: outcome.session && presentSession(env, outcome.session),
    intermediate_session_token: outcome.intermediate?.token ?? '',
    intermediate_session_token_expires_at: outcome.intermediate && timestamp(outcome.intermediate.expiresAt),
    member_authenticated: outcome.session !== undefined,
    mfa_required: outcome.mfaRequired,
    primary_required: outcome.primaryRequired,
  };
}

/** An MFA factor's answer (TOTP, SMS OTP, recovery codes): always a session — the services refuse what would not earn one. */
export function presentMfaAuthentication(env: ProjectEnv, outcome: AuthOutcome & { session: NonNullable<AuthOutcome['session']> }) {
  const wire = presentAuthentication(env, outcome);
  return {
    member_id: wire.member_id,
    member: wire.member,
    organization: wire.organization,
    session_token: wire.session_token,
    session_jwt: wire.session_jwt,
    member_session: wire.member_session!,
  };
}
