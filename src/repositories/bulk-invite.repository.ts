import type { BulkInvitee } from '../jobs';
import type { Db } from './db';

/** A bulk invite's list, one row per invitee, numbered by its position in the request. */
export class BulkInviteRepository {
  /** The whole list in one statement (up to 10,000 invitees: one JSON binding, not one per field). */
  async addInvitees(db: Db, jobId: string, invitees: BulkInvitee[]): Promise<void> {
    await db.raw(
      `INSERT INTO bulk_invitees (job_id, line, invitee)
       SELECT ?, list.line, list.invitee FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS list(invitee, line)`,
      [jobId, JSON.stringify(invitees)],
    );
  }

  /** Invitees after `afterLine`, in order. */
  async invitees(db: Db, jobId: string, afterLine: number, limit: number): Promise<{ line: number; invitee: BulkInvitee }[]> {
    return db('bulk_invitees')
      .select('line', 'invitee')
      .where({ job_id: jobId })
      .where('line', '>', afterLine)
      .orderBy('line')
      .limit(limit);
  }

  /** The email addresses of the invitees up to `line`, as sent. */
  async emailsThrough(db: Db, jobId: string, line: number): Promise<string[]> {
    const rows: { email: string }[] = await db('bulk_invitees')
      .select(db.raw("invitee->>'email_address' AS email"))
      .where({ job_id: jobId })
      .where('line', '<=', line);
    return rows.map((row) => row.email);
  }
}
