import type { Knex } from 'knex';
import { AppError, badRequest, memberNotFound } from '../../errors';
import { formatId, parseId, uuidv7 } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { MemberRepository } from '../../repositories/member.repository';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { AuthenticationFactor, SessionRepository, SessionRow } from '../../repositories/session.repository';
import { hashSecret, newSecret } from '../../secrets';
import { mergeMetadata } from '../organization-rules';
import type { ProjectContext } from '../project-context';
import { effectiveRoles } from '../roles';
import type { SigningKeys } from './signing-keys';

export const SESSION_CLAIM = 'https://stytch.com/session';
export const ORGANIZATION_CLAIM = 'https://stytch.com/organization';
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', SESSION_CLAIM, ORGANIZATION_CLAIM]);
export const DEFAULT_SESSION_MINUTES = 60;
const INTERMEDIATE_SESSION_MINUTES = 10;

export interface IssuedSession {
  session: SessionRow;
  token: string;
  jwt: string;
  member: MemberModel;
  organization: OrganizationModel;
}

const sessionNotFound = () => new AppError('session_not_found', 404, 'Session could not be found (it expired, was revoked, or never existed).');

function checkCustomClaims(claims: Record<string, unknown> | undefined): void {
  const reserved = Object.keys(claims ?? {}).find((k) => RESERVED_CLAIMS.has(k) || k.startsWith('https://stytch.com/'));
  if (reserved) throw badRequest('invalid_session_custom_claims', `session_custom_claims cannot set the reserved claim "${reserved}".`);
  if (Buffer.byteLength(JSON.stringify(claims ?? {})) > 4096) {
    throw badRequest('invalid_session_custom_claims', 'session_custom_claims must be at most 4096 bytes as JSON.');
  }
}

/** Member sessions: opaque tokens (hashed at rest) and five-minute RS256 JWTs that name them. */
export class SessionService {
  constructor(
    private readonly knex: Knex,
    private readonly sessions: SessionRepository,
    private readonly members: MemberRepository,
    private readonly organizations: OrganizationRepository,
    private readonly keys: SigningKeys,
    private readonly issuer: string,
  ) {}

  /** Starts a session for an authenticated member, in the caller's transaction. */
  async start(
    trx: Db,
    project: ProjectContext,
    member: MemberModel,
    organization: OrganizationModel,
    factor: AuthenticationFactor,
    durationMinutes = DEFAULT_SESSION_MINUTES,
    customClaims: Record<string, unknown> = {},
  ): Promise<IssuedSession> {
    checkCustomClaims(customClaims);
    const token = newSecret();
    const session = await this.sessions.insert(trx, {
      id: uuidv7(),
      project_id: project.id,
      organization_id: organization.id,
      member_id: member.id,
      token_hash: hashSecret(token),
      authentication_factors: [factor],
      custom_claims: customClaims,
      duration_minutes: durationMinutes,
    });
    return { session, token, jwt: await this.jwt(project, session, member, organization), member, organization };
  }

  /**
   * Adds a factor to the caller's existing session (a magic link authenticated
   * with session_token or session_jwt) instead of starting another one.
   */
  async extend(
    trx: Db,
    project: ProjectContext,
    input: { session_token?: string; session_jwt?: string },
    member: MemberModel,
    organization: OrganizationModel,
    factor: AuthenticationFactor,
    durationMinutes?: number,
    customClaims?: Record<string, unknown>,
  ): Promise<IssuedSession> {
    checkCustomClaims(customClaims);
    const found = await this.find(project, input);
    if (found.member_id !== member.id) {
      throw badRequest('session_member_mismatch', 'The session given belongs to another member than the magic link.');
    }
    const factors = [...found.authentication_factors.filter((f) => f.type !== factor.type || f.delivery_method !== factor.delivery_method), factor];
    const claims = customClaims && mergeMetadata(found.custom_claims, customClaims);
    const session = await this.sessions.addFactor(trx, found.id, factors, durationMinutes, claims);
    if (!session) throw sessionNotFound();
    return { session, token: input.session_token ?? '', jwt: await this.jwt(project, session, member, organization), member, organization };
  }

  /** An intermediate session: primary authentication passed, the organization's policy not yet met. */
  async startIntermediate(trx: Db, project: ProjectContext, member: MemberModel, factor: AuthenticationFactor): Promise<{ token: string; expiresAt: Date }> {
    const token = newSecret();
    const expiresAt = await this.sessions.insertIntermediate(trx, {
      id: uuidv7(),
      project_id: project.id,
      organization_id: member.organization_id,
      member_id: member.id,
      token_hash: hashSecret(token),
      authentication_factors: [factor],
      minutes: INTERMEDIATE_SESSION_MINUTES,
    });
    return { token, expiresAt };
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
          roles: effectiveRoles(member.roles, member.email_normalized, organization.rbac_email_implicit_role_assignments).map((r) => r.role_id),
        },
        [ORGANIZATION_CLAIM]: { organization_id: formatId('organization', project.env, organization.id), slug: organization.slug },
      },
      this.issuer,
      project.publicId,
    );
  }

  /** The live session a token or JWT names; a revoked or expired one is not found. */
  private async find(project: ProjectContext, input: { session_token?: string; session_jwt?: string }): Promise<SessionRow> {
    let session: SessionRow | undefined;
    if (input.session_token) {
      session = await this.sessions.findLive(this.knex, project.id, { token_hash: hashSecret(input.session_token) });
    } else if (input.session_jwt) {
      // An expired JWT still names its session: Stytch renews it while the session lives.
      const payload = await this.keys.verify(project.id, input.session_jwt, this.issuer, project.publicId, { allowExpired: true });
      const claim = payload?.[SESSION_CLAIM] as { id?: string } | undefined;
      const id = claim?.id ? parseId('member-session', project.env, claim.id) : undefined;
      if (!payload) throw new AppError('invalid_session_jwt', 401, 'The session JWT is not valid for this project (bad signature, wrong issuer or expired).');
      session = id ? await this.sessions.findLive(this.knex, project.id, { id }) : undefined;
    } else {
      throw badRequest('missing_session', 'Either session_token or session_jwt is required.');
    }
    if (!session) throw sessionNotFound();
    return session;
  }

  private async owner(project: ProjectContext, session: SessionRow): Promise<{ member: MemberModel; organization: OrganizationModel }> {
    const organization = await this.organizations.findById(this.knex, project.id, session.organization_id);
    const member = organization ? await this.members.findById(this.knex, organization.id, session.member_id) : undefined;
    if (!organization || !member || member.status === 'deleted') throw sessionNotFound();
    return { member, organization };
  }

  /**
   * Authenticates a session by token or JWT: touches it, optionally moves its
   * expiry and replaces its custom claims, and answers with a fresh JWT.
   */
  async authenticate(
    project: ProjectContext,
    input: { session_token?: string; session_jwt?: string; session_duration_minutes?: number; session_custom_claims?: Record<string, unknown> },
  ): Promise<IssuedSession> {
    checkCustomClaims(input.session_custom_claims);
    const found = await this.find(project, input);
    const { member, organization } = await this.owner(project, found);
    const customClaims = input.session_custom_claims && mergeMetadata(found.custom_claims, input.session_custom_claims);
    const session = await this.sessions.touch(this.knex, found.id, input.session_duration_minutes, customClaims);
    if (!session) throw sessionNotFound();
    // The opaque token is never stored in clear, so only a caller that sent it gets it back.
    return { session, token: input.session_token ?? '', jwt: await this.jwt(project, session, member, organization), member, organization };
  }

  async list(project: ProjectContext, organization: OrganizationModel, memberRef: string): Promise<{ sessions: SessionRow[]; organization: OrganizationModel; member: MemberModel }> {
    const id = parseId('member', project.env, memberRef);
    const member = id ? await this.members.findById(this.knex, organization.id, id) : undefined;
    if (!member || member.status === 'deleted') throw memberNotFound();
    return { sessions: await this.sessions.listLive(this.knex, project.id, member.id), organization, member };
  }

  /** Revokes one session (by id, token or JWT) or every session of a member. */
  async revoke(project: ProjectContext, input: { member_session_id?: string; session_token?: string; session_jwt?: string; member_id?: string }): Promise<void> {
    if (input.member_id) {
      const memberId = parseId('member', project.env, input.member_id);
      const member = memberId ? await this.members.findInProject(this.knex, project.id, memberId) : undefined;
      if (!member) throw memberNotFound();
      await this.sessions.revoke(this.knex, project.id, { member_id: member.id });
      return;
    }
    let sessionId: string | undefined;
    if (input.member_session_id) sessionId = parseId('member-session', project.env, input.member_session_id);
    else sessionId = (await this.find(project, input)).id;
    if (!sessionId || (await this.sessions.revoke(this.knex, project.id, { id: sessionId })) === 0) throw sessionNotFound();
  }

  async jwks(projectId: string): Promise<Record<string, unknown>[]> {
    return this.keys.published(projectId);
  }
}
