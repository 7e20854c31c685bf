import type { Knex } from 'knex';
import { type Db, keysetPage, type Page } from './db';

/** As the emails__kind__check constraint allows: magic-link emails, then one-time passcode emails (`otp_*`). */
export type EmailKindColumn = 'invite' | 'login' | 'signup' | 'discovery' | 'otp_login' | 'otp_signup' | 'otp_discovery';

export interface EmailRow {
  id: string;
  project_id: string;
  /** Null for a discovery email (link or code): it proves an address before any organization is chosen. */
  organization_id: string | null;
  /** Null for a discovery email. */
  member_id: string | null;
  kind: EmailKindColumn;
  to_address: string;
  to_normalized: string;
  /** Null for a code email (`otp_*`), which carries no link. */
  redirect_url: string | null;
  expiration_minutes: number;
  pkce_code_challenge: string | null;
  job_id: string | null;
  status: EmailStatus;
  attempts: number;
}

/** As the emails__status__check constraint allows: `captured` is the dev outbox's `sent`. */
export type EmailStatus = 'queued' | 'sent' | 'captured' | 'failed';

export interface Delivered {
  id: string;
  status: 'sent' | 'captured';
  messageId: string;
  subject: string;
  /** Only for a captured email. */
  link: string | null;
  /** Only for a captured code email. */
  code: string | null;
}

/** An email as the outbox lists it. */
export interface ListedEmailRow {
  id: string;
  kind: EmailRow['kind'];
  to_address: string;
  status: EmailStatus;
  transport: string | null;
  subject: string | null;
  link: string | null;
  code: string | null;
  /** Null for a discovery email, which names the application (the project) instead. */
  organization_name: string | null;
  project_name: string;
  created_at: Date;
  sent_at: Date | null;
}

/** A queued email as the worker reads it (findForSending). */
export type SendableEmail = EmailRow & { organization_name: string | null; project_name: string; member_live: boolean };

export interface EmailFilters {
  status?: EmailStatus;
  toNormalized?: string;
}

export class EmailRepository {
  /** A project's emails, newest first (by UUIDv7 id), after the cursor's id; with the filtered total. */
  async list(db: Db, projectId: string, filters: EmailFilters, beforeId: string | undefined, limit: number): Promise<Page<ListedEmailRow>> {
    const listed = db('emails as e')
      .where('e.project_id', projectId)
      .modify((q) => {
        if (filters.status) q.where('e.status', filters.status);
        if (filters.toNormalized !== undefined) q.where('e.to_normalized', filters.toNormalized);
      })
      // Discovery emails have no organization.
      .leftJoin('organizations as o', 'o.id', 'e.organization_id')
      .join('projects as p', 'p.id', 'e.project_id')
      .select('e.id', 'e.kind', 'e.to_address', 'e.status', 'e.transport', 'e.subject', 'e.link', 'e.code', 'e.created_at', 'e.sent_at')
      .select('o.name as organization_name', 'p.name as project_name');
    return keysetPage<ListedEmailRow>(listed as unknown as Knex.QueryBuilder, 'e.id', beforeId, limit, 'desc');
  }

  async insert(db: Db, rows: Omit<EmailRow, 'status' | 'attempts'>[]): Promise<void> {
    if (rows.length > 0) await db('emails').insert(rows);
  }

  /** Which of these addresses got an email in the last `seconds`. */
  async recentlySent(db: Db, projectId: string, toNormalized: string[], seconds: number): Promise<Set<string>> {
    const rows = await db('emails')
      .distinct('to_normalized')
      .where({ project_id: projectId })
      .whereIn('to_normalized', toNormalized)
      .where('created_at', '>', db.raw('now() - make_interval(secs => ?)', [seconds]));
    return new Set(rows.map((r: { to_normalized: string }) => r.to_normalized));
  }

  /**
   * Queued emails with what sending them needs: whether the member is still
   * live at that address, the organization's name (null when it is gone, or
   * for a discovery email, which has none) and the project's name.
   */
  async findForSending(db: Db, ids: string[]): Promise<SendableEmail[]> {
    return (
      db('emails as e')
        // A member whose email changed since is not live for this email: it must not prove the new address.
        .select(
          'e.*',
          'o.name as organization_name',
          'p.name as project_name',
          db.raw("coalesce(m.status <> 'deleted' AND m.email_normalized = e.to_normalized, false) AS member_live"),
        )
        .join('projects as p', 'p.id', 'e.project_id')
        .leftJoin('organizations as o', (j) => j.on('o.id', 'e.organization_id').andOnNull('o.deleted_at'))
        .leftJoin('members as m', 'm.id', 'e.member_id')
        .whereIn('e.id', ids)
        .where('e.status', 'queued')
    );
  }

  /** Emails still queued long after they were accepted: their queue entries were lost. */
  async staleQueued(db: Db, olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows = await db('emails')
      .select('id')
      .where({ status: 'queued' })
      .where('created_at', '<', db.raw('now() - make_interval(secs => ?)', [olderThanSeconds]))
      .orderBy('created_at')
      .limit(limit);
    return rows.map((r: { id: string }) => r.id);
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

  /** Counts a send attempt of code emails (link emails count theirs as their tokens are minted). */
  async countAttempts(db: Db, ids: string[]): Promise<void> {
    if (ids.length > 0) await db('emails').whereIn('id', ids).increment('attempts', 1);
  }

  async recordError(db: Db, id: string, error: string): Promise<void> {
    await db('emails').where({ id }).update({ last_error: error });
  }

  /** Records the emails a mailer took: sent, or captured by the dev outbox (which alone keeps a link or code). */
  async markDelivered(db: Db, delivered: Delivered[], transport: string): Promise<void> {
    if (delivered.length === 0) return;
    await db.raw(
      `UPDATE emails e SET status = v.status, transport = ?, message_id = v.message_id, subject = v.subject, link = v.link, code = v.code,
              sent_at = now()
       FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, status text, message_id text, subject text, link text, code text)
       WHERE e.id = v.id AND e.status = 'queued'`,
      [
        transport,
        JSON.stringify(
          delivered.map((d) => ({ id: d.id, status: d.status, message_id: d.messageId, subject: d.subject, link: d.link, code: d.code })),
        ),
      ],
    );
  }

  /** Fails a queued email; returns the bulk job it belonged to, if it just failed and had one. */
  async markFailed(db: Db, id: string, error: string): Promise<string | null> {
    const [row] = await db('emails').where({ id, status: 'queued' }).update({ status: 'failed', last_error: error }).returning('job_id');
    return row?.job_id ?? null;
  }
}
