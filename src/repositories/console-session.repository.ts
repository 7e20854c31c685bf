import type { ProjectEnv } from '../ids';
import type { Db } from './db';

export interface ConsoleSessionRow {
  id: string;
  project_id: string;
  token_hash: Buffer;
  csrf_token_hash: Buffer;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

/** Admin console sign-ins (console_sessions): found by token hash, never by anything a browser could guess. */
export class ConsoleSessionRepository {
  async insert(db: Db, row: Pick<ConsoleSessionRow, 'id' | 'project_id' | 'token_hash' | 'csrf_token_hash' | 'expires_at'>): Promise<void> {
    await db('console_sessions').insert(row);
  }

  /**
   * The live session of a token, with its project's env, its last use moved
   * to now, in one statement: a session idle for `idleSeconds` or past its
   * absolute end is not found.
   */
  async touchLive(db: Db, tokenHash: Buffer, idleSeconds: number): Promise<(ConsoleSessionRow & { project_env: ProjectEnv }) | undefined> {
    const { rows } = await db.raw(
      `UPDATE console_sessions s SET last_seen_at = now()
         FROM projects p
        WHERE s.token_hash = ? AND p.id = s.project_id
          AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => ?)
       RETURNING s.*, p.env AS project_env`,
      [tokenHash, idleSeconds],
    );
    return rows[0];
  }

  async deleteByProject(db: Db, projectId: string): Promise<number> {
    return db('console_sessions').where({ project_id: projectId }).delete();
  }

  async deleteByTokenHash(db: Db, tokenHash: Buffer): Promise<number> {
    return db('console_sessions').where({ token_hash: tokenHash }).delete();
  }

  /** A project's sessions past their absolute end or idle for `idleSeconds`. */
  async deleteExpired(db: Db, projectId: string, idleSeconds: number): Promise<number> {
    return db('console_sessions')
      .where({ project_id: projectId })
      .andWhere((q) =>
        q.where('expires_at', '<=', db.fn.now()).orWhereRaw('last_seen_at <= now() - make_interval(secs => ?)', [idleSeconds]),
      )
      .delete();
  }
}
