import type { Db } from './db';

export interface EmailRow {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string | null;
  kind: 'invite' | 'login' | 'signup';
  to_address: string;
  to_normalized: string;
  redirect_url: string;
  expiration_minutes: number;
  pkce_code_challenge: string | null;
  job_id: string | null;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
}

export class EmailRepository {
  async insert(db: Db, row: Omit<EmailRow, 'status' | 'attempts'>): Promise<void> {
    await db('emails').insert(row);
  }

  async find(db: Db, id: string): Promise<EmailRow | undefined> {
    return db('emails').where({ id }).first();
  }

  /** Serializes sends to one address, so the rate check below cannot be raced past. */
  async lockAddress(db: Db, projectId: string, toNormalized: string): Promise<void> {
    await db.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 1))', [`${projectId}:${toNormalized}`]);
  }

  async sentSince(db: Db, projectId: string, toNormalized: string, seconds: number): Promise<boolean> {
    const row = await db('emails')
      .select(1)
      .where({ project_id: projectId, to_normalized: toNormalized })
      .where('created_at', '>', db.raw('now() - make_interval(secs => ?)', [seconds]))
      .first();
    return row !== undefined;
  }

  async recordAttempt(db: Db, id: string, error: string | null): Promise<void> {
    await db('emails').where({ id }).update({ attempts: db.raw('attempts + 1'), last_error: error });
  }

  async markSent(db: Db, id: string, transport: string, messageId: string): Promise<void> {
    await db('emails').where({ id, status: 'queued' }).update({ status: 'sent', transport, message_id: messageId, sent_at: db.fn.now() });
  }

  async markFailed(db: Db, id: string, error: string): Promise<void> {
    await db('emails').where({ id, status: 'queued' }).update({ status: 'failed', last_error: error });
  }
}
