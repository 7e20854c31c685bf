import type { Db } from './db';

/** An events row as written. */
export interface EventRow {
  id: string;
  project_id: string;
  organization_id: string | null;
  name: string;
  source: string;
  action: string;
  object_type: string;
  object_id: string;
  actor_type: string;
  actor_id: string | null;
  payload: unknown;
  created_at: Date;
}

export class EventRepository {
  async insertMany(db: Db, rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db('events').insert(rows.map((row) => ({ ...row, payload: JSON.stringify(row.payload) })));
  }
}
