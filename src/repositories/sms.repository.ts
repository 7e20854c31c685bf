import type { Knex } from 'knex';
import type { ProjectEnv } from '../ids';
import { type Db, keysetPage, type Page } from './db';

export type SmsStatus = 'queued' | 'sent' | 'captured' | 'failed';

export interface SmsRow {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string;
  to_number: string;
  locale: string;
  status: SmsStatus;
  attempts: number;
  created_at: Date;
}

/** A queued message with what sending it needs: the member's number now, and the organization's name. */
export interface SmsForSending extends SmsRow {
  organization_name: string | null;
  member_status: string | null;
  member_phone_number: string | null;
  /** The project's environment, for the message's public id (`sms-<env>-<uuid>`). */
  project_env: ProjectEnv;
  /** Seconds since the message was accepted (by the database's clock, like the codes' expiry). */
  age_seconds: number;
}

/** A message as the dev outbox lists it. */
export interface ListedSmsRow {
  id: string;
  organization_id: string;
  member_id: string;
  to_number: string;
  status: SmsStatus;
  transport: string | null;
  body: string | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface SmsFilters {
  status?: SmsStatus;
  toNumber?: string;
  memberId?: string;
}

/** SMS passcode messages: the send queue's record, the per-number rate limit, and the dev outbox. */
export class SmsRepository {
  /** Serializes sends to one number of a project, so that the rate check below cannot be raced past. */
  async lockNumber(db: Db, projectId: string, toNumber: string): Promise<void> {
    await db.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 2))', [`${projectId}:sms:${toNumber}`]);
  }

  /** How many messages to a number were accepted in each window (seconds), in one statement. */
  async sentWithin(db: Db, projectId: string, toNumber: string, windows: number[]): Promise<number[]> {
    const longest = Math.max(...windows);
    const { rows } = await db.raw(
      `SELECT ${windows.map((_, i) => `count(*) FILTER (WHERE created_at > now() - make_interval(secs => ?))::int AS w${i}`).join(', ')}
         FROM sms_messages
        WHERE project_id = ? AND to_number = ? AND created_at > now() - make_interval(secs => ?)`,
      [...windows, projectId, toNumber, longest],
    );
    return windows.map((_, i) => (rows[0] as Record<string, number>)[`w${i}`]);
  }

  async insert(db: Db, row: Pick<SmsRow, 'id' | 'project_id' | 'organization_id' | 'member_id' | 'to_number' | 'locale'>): Promise<void> {
    await db('sms_messages').insert(row);
  }

  /** A queued message with its member and organization as they are now; undefined once it left the queue. */
  async findForSending(db: Db, id: string): Promise<SmsForSending | undefined> {
    return db('sms_messages as s')
      .select(
        's.*',
        'o.name as organization_name',
        'm.status as member_status',
        'm.mfa_phone_number as member_phone_number',
        'p.env as project_env',
        db.raw('extract(epoch FROM now() - s.created_at)::float8 AS age_seconds'),
      )
      .join('projects as p', 'p.id', 's.project_id')
      .leftJoin('organizations as o', (j) => j.on('o.id', 's.organization_id').andOnNull('o.deleted_at'))
      .leftJoin('members as m', 'm.id', 's.member_id')
      .where('s.id', id)
      .where('s.status', 'queued')
      .first();
  }

  /** Records what became of a queued message; only the dev outbox's capture keeps the text. False when it had left the queue already. */
  async markDelivered(
    db: Db,
    id: string,
    delivery: { status: 'sent' | 'captured'; transport: string; messageId: string; body: string | null },
  ): Promise<boolean> {
    const updated = await db('sms_messages')
      .where({ id, status: 'queued' })
      .update({
        status: delivery.status,
        transport: delivery.transport,
        message_id: delivery.messageId,
        body: delivery.status === 'captured' ? delivery.body : null,
        sent_at: db.fn.now(),
        attempts: db.raw('attempts + 1'),
      });
    return updated > 0;
  }

  async recordError(db: Db, id: string, error: string): Promise<void> {
    await db('sms_messages')
      .where({ id })
      .update({ last_error: error, attempts: db.raw('attempts + 1') });
  }

  async markFailed(db: Db, id: string, error: string): Promise<void> {
    await db('sms_messages').where({ id, status: 'queued' }).update({ status: 'failed', last_error: error });
  }

  /** Fails, in one statement, the messages still queued after `seconds`: their codes would have expired. Returns how many. */
  async expireQueued(db: Db, seconds: number, error: string): Promise<number> {
    return db('sms_messages')
      .where({ status: 'queued' })
      .where('created_at', '<', db.raw('now() - make_interval(secs => ?)', [seconds]))
      .update({ status: 'failed', last_error: error });
  }

  /** Spends the live SMS codes sent to a number for an organization (its number was removed). */
  async voidCodes(db: Db, projectId: string, organizationId: string, toNumber: string): Promise<void> {
    await db('otp_codes')
      .where({ project_id: projectId, organization_id: organizationId, channel: 'sms', destination: toNumber })
      .whereNull('used_at')
      .update({ used_at: db.fn.now() });
  }

  /** A project's messages, newest first (by UUIDv7 id), after the cursor's id; with the filtered total. */
  async list(db: Db, projectId: string, filters: SmsFilters, beforeId: string | undefined, limit: number): Promise<Page<ListedSmsRow>> {
    const listed = db('sms_messages')
      .where({ project_id: projectId })
      .modify((q) => {
        if (filters.status) q.where({ status: filters.status });
        if (filters.toNumber !== undefined) q.where({ to_number: filters.toNumber });
        if (filters.memberId !== undefined) q.where({ member_id: filters.memberId });
      })
      .select('id', 'organization_id', 'member_id', 'to_number', 'status', 'transport', 'body', 'last_error', 'created_at', 'sent_at');
    return keysetPage<ListedSmsRow>(listed as unknown as Knex.QueryBuilder, 'id', beforeId, limit, 'desc');
  }
}
