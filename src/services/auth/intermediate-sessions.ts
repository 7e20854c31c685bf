import { AppError } from '../../errors';
import type { Knex } from 'knex';
import type { Db } from '../../repositories/db';
import type { Entered } from '../../repositories/exchange-entry';
import type {
  EnteringIntermediateSession,
  IntermediateSessionRepository,
  IntermediateSessionRow,
} from '../../repositories/intermediate-session.repository';
import {
  type AuthenticationFactor,
  NO_SSO,
  type SessionGrant,
  type SessionRow,
  type SessionSso,
} from '../../repositories/session.repository';
import { uuidv7 } from '../../ids';
import { hashSecret, newSecret } from '../../secrets';
import { normalizeEmail } from '../../email-rules';
import type { ProjectContext } from '../project-context';

/** Stytch's lifetime for intermediate session tokens. */
export const INTERMEDIATE_SESSION_MINUTES = 10;

export interface StartedIntermediateSession {
  token: string;
  expiresAt: Date;
}

export const intermediateSessionNotFound = () =>
  new AppError(
    'intermediate_session_not_found',
    404,
    'Intermediate session could not be found (it expired after 10 minutes, was already used, or never existed).',
  );

/**
 * Intermediate session tokens: short-lived, hashed at rest, and
 * single-purpose — whatever redeems one (a session, another intermediate
 * session carrying more factors, an exchange) spends it.
 */
export class IntermediateSessions {
  constructor(private readonly rows: IntermediateSessionRepository) {}

  /**
   * In the caller's transaction: a discovery session (an email only) or a
   * member's (organization and member); `sso` is the SSO sign-in among its
   * factors, whose roles the session it leads to will hold.
   */
  async start(
    trx: Db,
    project: ProjectContext,
    holder: { email: string; organizationId?: string; memberId?: string },
    proved: AuthenticationFactor[],
    sso: SessionSso = NO_SSO,
  ): Promise<StartedIntermediateSession> {
    const token = newSecret();
    const expiresAt = await this.rows.insert(trx, {
      id: uuidv7(),
      project_id: project.id,
      organization_id: holder.organizationId ?? null,
      member_id: holder.memberId ?? null,
      email: holder.email,
      email_normalized: normalizeEmail(holder.email),
      authentication_factors: proved,
      ...sso,
      token_hash: hashSecret(token),
      minutes: INTERMEDIATE_SESSION_MINUTES,
    });
    return { token, expiresAt };
  }

  /** The live intermediate session a token names, or intermediate_session_not_found. */
  async find(db: Db, project: ProjectContext, token: string): Promise<IntermediateSessionRow> {
    const row = await this.rows.findLive(db, project.id, hashSecret(token));
    if (!row) throw intermediateSessionNotFound();
    return row;
  }

  /**
   * An exchange's read, on the pool: the live intermediate session a token
   * names with what `organizationId` holds for its address — spent, and the
   * session `grant` inserted, if the statement could grant it.
   */
  async findEntering(
    knex: Knex,
    project: ProjectContext,
    token: string,
    organizationId: string,
    grant: SessionGrant,
  ): Promise<{ row: EnteringIntermediateSession; entered: Entered; granted: SessionRow | undefined } | undefined> {
    return this.rows.readEntering(knex, project.id, hashSecret(token), organizationId, grant);
  }

  /** Finds and spends it at once, in the caller's transaction (which rolls the spending back if it fails). */
  async take(trx: Db, project: ProjectContext, token: string): Promise<IntermediateSessionRow> {
    const row = await this.rows.take(trx, project.id, hashSecret(token));
    if (!row) throw intermediateSessionNotFound();
    return row;
  }
}
