import type { Knex } from 'knex';
import type { Db } from './db';
import type { EventRow } from './event.repository';

/**
 * What the audit log may be filtered by, in storage terms: bare uuids for the project and
 * organization, public ids for objects and actors (as events store them), and id bounds for
 * time (UUIDv7 ids start with their millisecond, so a time range is an id range on the same index).
 */
export interface EventFilter {
  names?: string[];
  objectId?: string;
  organizationId?: string;
  actorType?: string;
  actorId?: string;
  source?: string;
  /** Inclusive id bounds. */
  minId?: string;
  maxId?: string;
  /** Keyset cursor: only ids below this one (newest first). */
  beforeId?: string;
}

/** Reads and purges the audit log (event.repository.ts writes it). */
export class EventQueryRepository {
  /**
   * A page of a project's events, newest first. The name, object, organization and actor-id filters are
   * equalities on a column that leads an index after project_id, walked in `id DESC` order, so Postgres
   * reads about `limit` rows instead of sorting the project's log; `source` and `actor_type` alone are
   * checks on the rows of the project's own index walk (a rare source reads far back). Several names are
   * one such index walk each, merged: `name IN (…)` would make Postgres fetch and sort every match.
   */
  listQuery(db: Db, projectId: string, filter: EventFilter, limit: number): Knex.QueryBuilder {
    const names = filter.names ?? [];
    if (names.length <= 1) return this.pageOf(db, projectId, filter, names[0], limit);
    const walks = names.map((name) => this.pageOf(db, projectId, filter, name, limit));
    return db.select('*').from(db.queryBuilder().unionAll(walks, true).as('events')).orderBy('id', 'desc').limit(limit);
  }

  private pageOf(db: Db, projectId: string, filter: EventFilter, name: string | undefined, limit: number): Knex.QueryBuilder {
    const query = db('events').where('project_id', projectId);
    if (name !== undefined) query.where('name', name);
    if (filter.objectId !== undefined) query.where('object_id', filter.objectId);
    if (filter.organizationId !== undefined) query.where('organization_id', filter.organizationId);
    if (filter.actorType !== undefined) query.where('actor_type', filter.actorType);
    if (filter.actorId !== undefined) query.where('actor_id', filter.actorId);
    if (filter.source !== undefined) query.where('source', filter.source);
    if (filter.minId !== undefined) query.where('id', '>=', filter.minId);
    if (filter.maxId !== undefined) query.where('id', '<=', filter.maxId);
    if (filter.beforeId !== undefined) query.where('id', '<', filter.beforeId);
    return query.orderBy('id', 'desc').limit(limit);
  }

  list(db: Db, projectId: string, filter: EventFilter, limit: number): Promise<EventRow[]> {
    return this.listQuery(db, projectId, filter, limit);
  }

  async find(db: Db, projectId: string, id: string): Promise<EventRow | undefined> {
    return db('events').where({ project_id: projectId, id }).first();
  }

  /**
   * Deletes up to `batchSize` events (every project's) written before `before`; their webhook
   * deliveries and attempts go with them (ON DELETE CASCADE). One bounded statement per call keeps
   * each transaction and its locks short however large the backlog; answers how many went.
   */
  async purgeBatch(db: Db, before: Date, batchSize: number): Promise<number> {
    // SKIP LOCKED: two purges running at once delete disjoint batches instead of queueing on the same rows.
    const result = await db.raw(
      'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? LIMIT ? FOR UPDATE SKIP LOCKED)',
      [before, batchSize],
    );
    return (result as { rowCount: number }).rowCount;
  }
}
