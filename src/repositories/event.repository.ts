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
  /** Writes events in one multi-row INSERT (a bulk job's chunk included: one statement, not one per row). */
  async insertMany(db: Db, rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db('events').insert(rows.map((row) => ({ ...row, payload: JSON.stringify(row.payload) })));
  }

  /** Which of these event names an enabled endpoint of the project names explicitly in its event_types. */
  async namedByEnabledEndpoints(db: Db, projectId: string, names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows: { name: string }[] = await db('webhook_endpoints')
      .distinct(db.raw('unnest(event_types) AS name'))
      .where({ project_id: projectId, status: 'enabled' })
      .whereRaw('event_types && ?::text[]', [names]);
    return new Set(rows.map((row) => row.name).filter((name) => names.includes(name)));
  }
}
