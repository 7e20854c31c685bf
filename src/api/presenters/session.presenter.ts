import type { MemberSessionWire } from '../../contracts/sessions';
import { formatId, ProjectEnv } from '../../ids';
import type { IssuedSession } from '../../services/sessions/session.service';
import { sessionRoleIds } from '../../services/roles';
import { timestamp } from './wire';

/** Stytch's MemberSession object. */
export function presentSession(
  env: ProjectEnv,
  { session, member, organization }: Pick<IssuedSession, 'session' | 'member' | 'organization'>,
): MemberSessionWire {
  return {
    member_session_id: formatId('member-session', env, session.id),
    member_id: formatId('member', env, member.id),
    organization_id: formatId('organization', env, organization.id),
    organization_slug: organization.slug,
    started_at: timestamp(session.started_at),
    last_accessed_at: timestamp(session.last_accessed_at),
    expires_at: timestamp(session.expires_at),
    authentication_factors: session.authentication_factors,
    custom_claims: session.custom_claims,
    roles: sessionRoleIds({ session, member, organization }),
  };
}
