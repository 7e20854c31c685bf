import type { JobName, JobPayloads, QueueEntry } from '../jobs';
import type { Db } from './db';

export interface OutboxEntry {
  id: string;
  entry: QueueEntry;
}

/** Follow-up work, written in the transaction of the data it follows. */
export class OutboxRepository {
  async add<N extends JobName>(db: Db, name: N, payload: JobPayloads[N], queueJobId: string): Promise<void> {
    await this.addMany(db, name, [{ payload, queueJobId }]);
  }

  async addMany<N extends JobName>(db: Db, name: N, entries: { payload: JobPayloads[N]; queueJobId: string }[]): Promise<void> {
    if (entries.length === 0) return;
    await db('outbox').insert(entries.map((e) => ({ job_name: name, payload: JSON.stringify(e.payload), queue_job_id: e.queueJobId })));
  }

  /** The oldest entries, locked for this transaction; other relays skip them rather than wait. */
  async claim(db: Db, limit: number): Promise<OutboxEntry[]> {
    return db('outbox')
      .select('id', db.raw("jsonb_build_object('name', job_name, 'payload', payload, 'jobId', queue_job_id) AS entry"))
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked();
  }

  async remove(db: Db, ids: string[]): Promise<void> {
    await db('outbox').whereIn('id', ids).delete();
  }
}
