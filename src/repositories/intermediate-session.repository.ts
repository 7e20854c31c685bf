import type { Knex } from 'knex';
import { type Db, queryPrepared, spendToken } from './db';
import { type Entered, enteredOf, type EnteredRow, enterAndGrant } from './exchange-entry';
import {
  type AuthenticationFactor,
  grantValues,
  insertGranted,
  type SessionGrant,
  type SessionRow,
  type SsoSessionRole,
} from './session.repository';

export interface IntermediateSessionRow {
  id: string;
  project_id: string;
  /** Set when the session belongs to one member (a primary authentication that still needs MFA or another method). */
  organization_id: string | null;
  member_id: string | null;
  /** The address the person proved: discovery's sessions prove only this. */
  email: string;
  email_normalized: string;
  authentication_factors: AuthenticationFactor[];
  /** The SSO sign-in among its factors, if any: the connection and the roles it grants the session this one leads to. */
  sso_connection_id: string | null;
  sso_roles: SsoSessionRole[];
  expires_at: Date;
  used_at: Date | null;
}

/** What an exchange reads of its prior intermediate session: what it proved, as whom, and the SSO sign-in it carries. */
export type EnteringIntermediateSession = Omit<IntermediateSessionRow, 'project_id' | 'expires_at' | 'used_at'>;

/**
 * The exchange statement of an intermediate session, built once. When it
 * grants, it spends the intermediate session (by the id it read, if still
 * unspent) by deleting it: a spent one is purged anyway (credential expiry),
 * and a delete writes less than an update, a measured 5% of the discovery
 * exchange. A concurrent exchange that spent it first leaves nothing to
 * delete, hence no grant. Otherwise the exchange spends it as it writes the
 * session (insertSpending).
 */
const ENTERING = enterAndGrant({
  prior: `SELECT id, organization_id, member_id, email, email_normalized, authentication_factors, sso_connection_id, sso_roles
            FROM intermediate_sessions WHERE project_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()`,
  spend: `DELETE FROM intermediate_sessions
           WHERE id = (SELECT id FROM entered WHERE grant_allowed) AND used_at IS NULL AND expires_at > now() RETURNING id`,
  grant: insertGranted,
});

/** Intermediate sessions: primary authentication passed, no organization's session granted yet. */
export class IntermediateSessionRepository {
  async insert(
    db: Db,
    row: Omit<IntermediateSessionRow, 'expires_at' | 'used_at'> & { token_hash: Buffer; minutes: number },
  ): Promise<Date> {
    const { minutes, ...fields } = row;
    const [{ expires_at }] = await db('intermediate_sessions')
      .insert({
        ...fields,
        authentication_factors: JSON.stringify(fields.authentication_factors),
        sso_roles: JSON.stringify(fields.sso_roles),
        expires_at: db.raw('now() + make_interval(mins => ?)', [minutes]),
      })
      .returning('expires_at');
    return expires_at;
  }

  /** A live (unused, unexpired) intermediate session of the project. */
  async findLive(db: Db, projectId: string, tokenHash: Buffer): Promise<IntermediateSessionRow | undefined> {
    return db('intermediate_sessions')
      .where({ project_id: projectId, token_hash: tokenHash })
      .whereNull('used_at')
      .where('expires_at', '>', db.fn.now())
      .first();
  }

  /**
   * A live intermediate session, not spent, with the organization an
   * exchange enters and the member holding its address there; when the
   * statement may decide the exchange, it spends the intermediate session and
   * inserts `grant` too: one prepared statement on the pool (enterAndGrant).
   * Otherwise the exchange spends it as it writes the session.
   */
  async readEntering(
    knex: Knex,
    projectId: string,
    tokenHash: Buffer,
    organizationId: string,
    grant: SessionGrant,
  ): Promise<{ row: EnteringIntermediateSession; entered: Entered; granted: SessionRow | undefined } | undefined> {
    const [found] = await queryPrepared<EnteredRow<EnteringIntermediateSession>>(knex, 'intermediate-session-entering', ENTERING, [
      projectId,
      tokenHash,
      organizationId,
      ...grantValues(grant),
    ]);
    if (!found) return undefined;
    const { prior: row, entered, granted } = enteredOf(found);
    return { row, entered, granted };
  }

  /** Finds and spends a live intermediate session in one statement: exactly one of concurrent callers gets it. */
  take(db: Db, projectId: string, tokenHash: Buffer): Promise<IntermediateSessionRow | undefined> {
    return spendToken(db, 'intermediate_sessions', projectId, tokenHash);
  }
}
