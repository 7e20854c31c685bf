import type { Knex } from 'knex';
import { AppError, badRequest, memberNotFound } from '../../errors';
import { formatId, parseId, uuidv7 } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { MemberRepository } from '../../repositories/member.repository';
import type {
  AnsweredSession,
  AuthenticationFactor,
  EnteringSession,
  PublishedJwk,
  SessionGrant,
  SessionRepository,
  SessionRow,
  SessionSso,
} from '../../repositories/session.repository';
import { NO_SSO } from '../../repositories/session.repository';
import { hashSecret, newSecret } from '../../secrets';
import { mergeMetadata } from '../organization-rules';
import type { ProjectContext } from '../project-context';
import { sessionRoleIds } from '../roles';
import { withFactor } from '../auth/factors';
import type { ChangeEvents } from '../events/change-events';
import type { SessionToucher } from './session-toucher';
import type { SigningKeys } from './signing-keys';

export const SESSION_CLAIM = 'https://stytch.com/session';
export const ORGANIZATION_CLAIM = 'https://stytch.com/organization';
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);
export const DEFAULT_SESSION_MINUTES = 60;

/** A session written in the caller's transaction, its JWT not yet signed. */
export interface StartedSession {
  session: SessionRow;
  token: string;
  member: MemberModel;
  organization: OrganizationModel;
}

/** How a caller named a session: by its token (kept to hand back) or by a JWT's session id. */
export interface SessionKey {
  where: { id?: string; token_hash?: Buffer };
  token?: string;
}

export interface IssuedSession extends StartedSession {
  jwt: string;
}

/** sessions.authenticate's session: its member's SSO registrations were read with it, for the answer. */
export type AuthenticatedSession = IssuedSession & Pick<AnsweredSession, 'ssoRegistrations'>;

const sessionNotFound = () =>
  new AppError('session_not_found', 404, 'Session could not be found (it expired, was revoked, or never existed).');

function customClaimsProblem(claims: Record<string, unknown> | undefined): AppError | undefined {
  const keys = Object.keys(claims ?? {});
  const stytch = keys.find((k) => k.startsWith('https://stytch.com/'));
  if (stytch) return badRequest('stytch_claims_in_custom_claims', `session_custom_claims cannot set Stytch's claim "${stytch}".`);
  const reserved = keys.find((k) => RESERVED_CLAIMS.has(k));
  if (reserved) return badRequest('reserved_claims_in_custom_claims', `session_custom_claims cannot set the reserved claim "${reserved}".`);
  if (Buffer.byteLength(JSON.stringify(claims ?? {})) > 4096) {
    return badRequest('custom_claims_too_large', 'session_custom_claims must be at most 4096 bytes as JSON.');
  }
  return undefined;
}

function checkCustomClaims(claims: Record<string, unknown> | undefined): void {
  const problem = customClaimsProblem(claims);
  if (problem) throw problem;
}

/** A new session's token, and the values of its row made from it: id, token hash, claims, duration. */
function freshSession(customClaims: Record<string, unknown>, durationMinutes: number): PreparedGrant {
  const token = newSecret();
  return { token, grant: { id: uuidv7(), token_hash: hashSecret(token), custom_claims: customClaims, duration_minutes: durationMinutes } };
}

/** A session an exchange's read may insert at once (SessionRepository.readEntering), and the token it is handed out with. */
export interface PreparedGrant {
  token: string;
  grant: SessionGrant;
}

/** Member sessions: opaque tokens (hashed at rest) and five-minute RS256 JWTs that name them. */
export class SessionService {
  constructor(
    private readonly knex: Knex,
    private readonly sessions: SessionRepository,
    private readonly members: MemberRepository,
    private readonly keys: SigningKeys,
    private readonly toucher: SessionToucher,
    private readonly issuer: string,
    private readonly changes: ChangeEvents,
  ) {}

  /**
   * Starts a session for an authenticated member, in the caller's transaction
   * (or on the pool); `issue` it after commit. `sso` is the SSO sign-in it
   * comes from, whose roles it alone holds.
   */
  async start(
    db: Db,
    project: ProjectContext,
    member: MemberModel,
    organization: OrganizationModel,
    proved: AuthenticationFactor[],
    durationMinutes = DEFAULT_SESSION_MINUTES,
    customClaims: Record<string, unknown> = {},
    sso: SessionSso = NO_SSO,
  ): Promise<StartedSession> {
    const { token, row } = this.newSession(project, member, organization, proved, durationMinutes, customClaims, sso);
    return { session: await this.sessions.insert(db, row), token, member, organization };
  }

  /**
   * Starts a session in exchange for an intermediate session, spending it in
   * the same statement (on the pool, no transaction); undefined when it was
   * spent or expired meanwhile. `sso` is the SSO sign-in the intermediate
   * session carries, passed only when the session is the same member's: an
   * exchange carries no connection's roles into another organization.
   */
  async startSpending(
    project: ProjectContext,
    intermediateToken: string,
    member: MemberModel,
    organization: OrganizationModel,
    proved: AuthenticationFactor[],
    durationMinutes = DEFAULT_SESSION_MINUTES,
    customClaims: Record<string, unknown> = {},
    sso: SessionSso = NO_SSO,
  ): Promise<StartedSession | undefined> {
    const { token, row } = this.newSession(project, member, organization, proved, durationMinutes, customClaims, sso);
    const session = await this.sessions.insertSpending(this.knex, row, hashSecret(intermediateToken));
    return session && { session, token, member, organization };
  }

  private newSession(
    project: ProjectContext,
    member: MemberModel,
    organization: OrganizationModel,
    proved: AuthenticationFactor[],
    durationMinutes: number,
    customClaims: Record<string, unknown>,
    sso: SessionSso,
  ) {
    checkCustomClaims(customClaims);
    const { token, grant } = freshSession(customClaims, durationMinutes);
    const row = {
      ...grant,
      project_id: project.id,
      organization_id: organization.id,
      member_id: member.id,
      authentication_factors: proved,
      ...sso,
    };
    return { token, row };
  }

  /**
   * A session an exchange may be granted in the statement that reads its
   * prior, made ahead; undefined when the custom claims asked for are not
   * allowed (the full flow then refuses them where it always did).
   */
  prepareGrant(input: { session_duration_minutes?: number; session_custom_claims?: Record<string, unknown> }): PreparedGrant | undefined {
    if (customClaimsProblem(input.session_custom_claims)) return undefined;
    return freshSession(input.session_custom_claims ?? {}, input.session_duration_minutes ?? DEFAULT_SESSION_MINUTES);
  }

  /**
   * An exchange's read, on the pool: the live session a key names, its
   * member's address, what `organizationId` holds for it, and the session
   * `grant` if the statement could grant it (SessionRepository.readEntering).
   */
  async findEntering(
    project: ProjectContext,
    key: SessionKey,
    organizationId: string,
    grant: SessionGrant,
  ): Promise<EnteringSession | undefined> {
    return this.sessions.readEntering(this.knex, project.id, key.where, organizationId, grant);
  }

  /** The live session a key names with its live member, in one statement; session_not_found when there is none. */
  async findWithMember(db: Db, project: ProjectContext, key: SessionKey): Promise<{ session: SessionRow; member: MemberModel }> {
    const found = await this.sessions.readOwned(db, project.id, key.where);
    if (!found) throw sessionNotFound();
    return found;
  }

  /** The live session a key names, in the caller's transaction; session_not_found when there is none. */
  async findLive(db: Db, project: ProjectContext, key: SessionKey): Promise<SessionRow> {
    const found = await this.sessions.findLive(db, project.id, key.where);
    if (!found) throw sessionNotFound();
    return found;
  }

  /**
   * Adds a factor to the caller's existing session (an authentication that
   * presented session_token or session_jwt) instead of starting another one,
   * applying a new duration or custom claims when given; an SSO sign-in
   * (`sso`) replaces the session's SSO roles with its own. The session was
   * found (findLive) in the same transaction.
   */
  async extend(
    trx: Db,
    found: SessionRow,
    token: string | undefined,
    member: MemberModel,
    organization: OrganizationModel,
    factor: AuthenticationFactor | undefined,
    change: { session_duration_minutes?: number; session_custom_claims?: Record<string, unknown> },
    sso?: SessionSso,
  ): Promise<StartedSession> {
    checkCustomClaims(change.session_custom_claims);
    const factors = withFactor(found.authentication_factors, factor);
    const claims = change.session_custom_claims && mergeMetadata(found.custom_claims, change.session_custom_claims);
    const session = await this.sessions.addFactor(trx, found.id, factors, change.session_duration_minutes, claims, sso);
    if (!session) throw sessionNotFound();
    return { session, token: token ?? '', member, organization };
  }

  /**
   * Signs the JWT of a session. Runs after the transaction that wrote the
   * session commits: signing is CPU work and may read the signing key, and
   * neither should happen while a pooled connection is held.
   */
  async issue(project: ProjectContext, started: StartedSession): Promise<IssuedSession> {
    return { ...started, jwt: await this.jwt(project, started.session, started.member, started.organization) };
  }

  private async jwt(project: ProjectContext, session: SessionRow, member: MemberModel, organization: OrganizationModel): Promise<string> {
    const iso = (d: Date) => new Date(d).toISOString();
    return this.keys.sign(
      project.id,
      project.env,
      {
        ...session.custom_claims,
        sub: formatId('member', project.env, member.id),
        [SESSION_CLAIM]: {
          id: formatId('member-session', project.env, session.id),
          started_at: iso(session.started_at),
          last_accessed_at: iso(session.last_accessed_at),
          expires_at: iso(session.expires_at),
          attributes: { ip_address: '', user_agent: '' },
          authentication_factors: session.authentication_factors,
          roles: sessionRoleIds({ session, member, organization }),
        },
        [ORGANIZATION_CLAIM]: { organization_id: formatId('organization', project.env, organization.id), slug: organization.slug },
      },
      this.issuer,
      project.publicId,
    );
  }

  /** Which session a token or JWT names, before any lookup; a JWT must verify (its expiry aside). */
  async identify(project: ProjectContext, input: { session_token?: string; session_jwt?: string }): Promise<SessionKey> {
    if (input.session_token) return { where: { token_hash: hashSecret(input.session_token) }, token: input.session_token };
    if (!input.session_jwt) throw badRequest('no_session_arguments', 'Either session_token or session_jwt is required.');
    // An expired JWT still names its session: Stytch renews it while the session lives.
    const payload = await this.keys.verifyIgnoringExpiry(project.id, input.session_jwt, this.issuer, project.publicId);
    if (!payload)
      throw new AppError(
        'invalid_session_jwt',
        401,
        'The session JWT is not valid for this project (bad signature, wrong issuer or expired).',
      );
    const claim = payload[SESSION_CLAIM] as { id?: string } | undefined;
    const id = claim?.id ? parseId('member-session', project.env, claim.id) : undefined;
    if (!id) throw sessionNotFound();
    return { where: { id } };
  }

  /** The live session a token or JWT names; a revoked or expired one is not found. */
  private async find(db: Db, project: ProjectContext, input: { session_token?: string; session_jwt?: string }): Promise<SessionRow> {
    return this.findLive(db, project, await this.identify(project, input));
  }

  /**
   * Authenticates a session by token or JWT and answers with a fresh JWT: one
   * statement reads the session with its member and organization (and applies
   * a new expiry or custom claims when asked); the last-access touch is coalesced.
   */
  async authenticate(
    project: ProjectContext,
    input: {
      session_token?: string;
      session_jwt?: string;
      session_duration_minutes?: number;
      session_custom_claims?: Record<string, unknown>;
    },
  ): Promise<AuthenticatedSession> {
    checkCustomClaims(input.session_custom_claims);
    const { where } = await this.identify(project, input);
    const found = await this.sessions.findOwned(this.knex, project.id, where, {
      durationMinutes: input.session_duration_minutes,
      claimsPatch: input.session_custom_claims,
    });
    if (!found) throw sessionNotFound();
    const now = new Date();
    if (input.session_duration_minutes === undefined && input.session_custom_claims === undefined)
      this.toucher.touch(found.session.id, now);
    const session = { ...found.session, last_accessed_at: now };
    // The opaque token is never stored in clear, so only a caller that sent it gets it back.
    const { member, organization, ssoRegistrations } = found;
    return { ...(await this.issue(project, { session, token: input.session_token ?? '', member, organization })), ssoRegistrations };
  }

  async list(
    project: ProjectContext,
    organization: OrganizationModel,
    memberRef: string,
  ): Promise<{ sessions: SessionRow[]; organization: OrganizationModel; member: MemberModel }> {
    const id = parseId('member', project.env, memberRef);
    const member = id ? await this.members.findById(this.knex, organization.id, id) : undefined;
    if (!member || member.status === 'deleted') throw memberNotFound();
    return { sessions: await this.sessions.listLive(this.knex, project.id, member.id), organization, member };
  }

  /** Revokes one session (by id, token or JWT) or every session of a member. */
  async revoke(
    project: ProjectContext,
    input: { member_session_id?: string; session_token?: string; session_jwt?: string; member_id?: string },
  ): Promise<void> {
    if (input.member_id) {
      const memberId = parseId('member', project.env, input.member_id);
      const member = memberId ? await this.members.findInProject(this.knex, project.id, memberId) : undefined;
      if (!member) throw memberNotFound();
      await this.knex.transaction(async (trx) =>
        this.changes.sessionsEnded(trx, project, await this.sessions.revoke(trx, project.id, { member_id: member.id })),
      );
      return;
    }
    const sessionId = input.member_session_id
      ? parseId('member-session', project.env, input.member_session_id)
      : (await this.find(this.knex, project, input)).id;
    if (!sessionId) throw sessionNotFound();
    await this.knex.transaction(async (trx) => {
      const ended = await this.sessions.revoke(trx, project.id, { id: sessionId });
      if (ended.length === 0) throw sessionNotFound();
      await this.changes.sessionsEnded(trx, project, ended);
    });
  }

  async jwks(projectId: string): Promise<PublishedJwk[]> {
    return this.keys.published(projectId);
  }
}
