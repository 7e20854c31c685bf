import { formatId, type ProjectEnv } from '../../ids';
import { mfaOptionsOf, type AuthOutcome } from '../../services/auth/authentication-flow';
import type { DiscoveredOrganization } from '../../services/discovery/discovered-organizations';
import type { DiscoveryAuthentication, DiscoveryListing } from '../../services/discovery/discovery.service';
import { presentAuthentication } from './authentication.presenter';
import { presentMember } from './member.presenter';
import { presentOrganization } from './organization.presenter';
import { timestamp } from './wire';

/** Stytch's DiscoveredOrganization object. */
export function presentDiscoveredOrganization(env: ProjectEnv, found: DiscoveredOrganization) {
  const { organization, member, decision } = found;
  return {
    member_authenticated: decision.grant === 'session',
    organization: presentOrganization(env, organization),
    membership: {
      type: found.type,
      details: found.domain === undefined ? undefined : { domain: found.domain },
      member: member && presentMember(env, member),
    },
    primary_required: decision.grant === 'primary_required' ? { allowed_auth_methods: decision.allowedAuthMethods } : undefined,
    // One eligible to join by domain has no member yet, hence no factors to name.
    mfa_required: decision.grant === 'mfa_required' ? (member ? { member_options: mfaOptionsOf(env, member.member) } : {}) : undefined,
  };
}

/** magic_links.discovery.authenticate and otps.email.discovery.authenticate. */
export function presentDiscoveryAuthentication(env: ProjectEnv, found: DiscoveryAuthentication) {
  return {
    intermediate_session_token: found.intermediate.token,
    intermediate_session_token_expires_at: timestamp(found.intermediate.expiresAt),
    email_address: found.email,
    discovered_organizations: found.organizations.map((o) => presentDiscoveredOrganization(env, o)),
  };
}

/** discovery.organizations.list. */
export function presentDiscoveryListing(env: ProjectEnv, listing: DiscoveryListing) {
  return {
    email_address: listing.email,
    discovered_organizations: listing.organizations.map((o) => presentDiscoveredOrganization(env, o)),
    organization_id_hint: listing.organizationIdHint && formatId('organization', env, listing.organizationIdHint),
  };
}

/** The exchanges' and discovery create's answer: an authentication's, without organization_id (Stytch's response has none). */
export function presentExchange(env: ProjectEnv, outcome: AuthOutcome) {
  const { organization_id: _organizationId, ...answer } = presentAuthentication(env, outcome);
  return answer;
}
