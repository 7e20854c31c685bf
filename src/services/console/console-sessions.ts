import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../errors';
import { formatId, uuidv7, type ProjectEnv } from '../../ids';
import type { ConsoleSessionRepository } from '../../repositories/console-session.repository';
import { hashSecret, newSecret } from '../../secrets';
import type { ProjectContext } from '../project-context';
import type { ProjectService } from '../project.service';
import type { SignInLimiter } from './sign-in-limiter';

/** A console session ends after 12 hours without use, and 7 days after sign-in whatever happens. */
export const CONSOLE_IDLE_SECONDS = 12 * 60 * 60;
export const CONSOLE_ABSOLUTE_SECONDS = 7 * 24 * 60 * 60;

/** A signed-in console: the project it acts as (actor DASHBOARD, so events say where changes came from) and its CSRF token. */
export interface ConsoleSession {
  id: string;
  project: ProjectContext;
  /** The synchronizer token every POST of this session must carry. */
  csrfToken: string;
  csrfTokenHash: Buffer;
}

/**
 * The CSRF token of a session token: derived rather than stored, so a page
 * can embed it on every request while the table keeps only its hash. Nobody
 * without the (HttpOnly) session token can compute it.
 */
const csrfTokenOf = (sessionToken: string) => createHmac('sha256', sessionToken).update('roster-console-csrf').digest('base64url');

/** The actor id events record for a console session: public-ish, never the token. */
const actorId = (env: ProjectEnv, sessionId: string) => `console-session-${env}-${sessionId}`;

const tooManyAttempts = (seconds: number) =>
  new AppError('too_many_requests', 429, `Too many failed sign-ins; try again in ${Math.ceil(seconds / 60)} minute(s).`);

/** Admin console sign-ins with a project id and secret: sessions held by an HttpOnly cookie, stored hashed. */
export class ConsoleSessions {
  constructor(
    private readonly knex: Knex,
    private readonly sessions: ConsoleSessionRepository,
    private readonly projects: ProjectService,
    private readonly limiter: SignInLimiter,
  ) {}

  /** A new session for the project whose id and secret these are; failures count against the address and the project id. */
  async signIn(projectId: string, secret: string, clientAddress: string): Promise<{ token: string; session: ConsoleSession }> {
    // Cut to a project id's length: the limiter keeps its keys in memory.
    const keys = [`ip:${clientAddress}`, `project:${projectId.slice(0, 80)}`];
    const attempt = this.limiter.attempt(keys);
    if (attempt.retryAfterSeconds > 0) throw tooManyAttempts(attempt.retryAfterSeconds);
    const project = await this.projects.authenticate(projectId, secret);
    attempt.succeeded();
    const token = newSecret();
    const csrfToken = csrfTokenOf(token);
    const id = uuidv7();
    await this.knex.transaction(async (trx) => {
      // Sign-ins clean up after their project: expired sessions never pile up.
      await this.sessions.deleteExpired(trx, project.id, CONSOLE_IDLE_SECONDS);
      await this.sessions.insert(trx, {
        id,
        project_id: project.id,
        token_hash: hashSecret(token),
        csrf_token_hash: hashSecret(csrfToken),
        expires_at: new Date(Date.now() + CONSOLE_ABSOLUTE_SECONDS * 1000),
      });
    });
    return { token, session: this.sessionOf(id, project, csrfToken) };
  }

  /** The live session of a cookie's token (its last use now), or undefined when it is unknown, idle too long or too old. */
  async resume(token: string): Promise<ConsoleSession | undefined> {
    const row = await this.sessions.touchLive(this.knex, hashSecret(token), CONSOLE_IDLE_SECONDS);
    if (!row) return undefined;
    const project = { id: row.project_id, env: row.project_env, publicId: formatId('project', row.project_env, row.project_id) };
    return { ...this.sessionOf(row.id, project, csrfTokenOf(token)), csrfTokenHash: row.csrf_token_hash };
  }

  async signOut(token: string): Promise<void> {
    await this.sessions.deleteByTokenHash(this.knex, hashSecret(token));
  }

  /** Whether a submitted CSRF token is this session's, compared in constant time. */
  csrfMatches(session: ConsoleSession, submitted: unknown): boolean {
    if (typeof submitted !== 'string' || submitted === '') return false;
    const candidate = hashSecret(submitted);
    return candidate.length === session.csrfTokenHash.length && timingSafeEqual(candidate, session.csrfTokenHash);
  }

  private sessionOf(id: string, project: Omit<ProjectContext, 'actor'>, csrfToken: string): ConsoleSession {
    return {
      id,
      project: { ...project, actor: { source: 'DASHBOARD', type: 'console_user', id: actorId(project.env, id) } },
      csrfToken,
      csrfTokenHash: hashSecret(csrfToken),
    };
  }
}
