import type { MemberModel } from '../models/member.model';
import type { Db } from './db';

/** One user of a directory snapshot, as staged. */
export interface SnapshotRow {
  line: number;
  user_name: string;
  external_id: string | null;
  email: string;
  email_normalized: string;
  name: string | null;
  member_external_id: string | null;
  active: boolean;
  attributes: Record<string, unknown>;
}

/** What a reconcile run is about: bare ids. */
export interface ReconcileScope {
  jobId: string;
  projectId: string;
  organizationId: string;
  connectionId: string;
}

export type ChangeKind = 'create' | 'link' | 'update' | 'deactivate' | 'reactivate';

/** What a reconcile's change was to its member, in events' terms. */
export type ReconciledAction = 'CREATE' | 'UPDATE' | 'DELETE';

/** A member an applied reconcile changed, as it is now, with what the change was to it. */
export interface ReconciledMember {
  seq: number;
  action: ReconciledAction;
  member: MemberModel;
}

/** One line of a reconcile's report. */
export interface ReconcileChange {
  seq: number;
  member_id: string;
  email: string;
  kind: ChangeKind;
  fields: string[];
}

/** The constraints a snapshot with a person listed twice breaks while staging. */
export const SNAPSHOT_DUPLICATE_CONSTRAINTS: Record<string, string> = {
  scim_snapshot_rows__job_id_user_name__unique: 'userName',
  scim_snapshot_rows__job_id_email_normalized__unique: 'email',
  scim_snapshot_rows__job_id_external_id__unique: 'externalId',
};

/**
 * The fields of a snapshot row that differ from its member and registration,
 * as a text[] of field names (SQL, over `s` staged rows, `m` members and `u`
 * scim_users; u may be absent).
 */
const CHANGED_FIELDS = `array_remove(ARRAY[
    CASE WHEN m.email IS DISTINCT FROM s.email THEN 'email' END,
    CASE WHEN coalesce(s.name, m.name) IS DISTINCT FROM m.name THEN 'name' END,
    CASE WHEN coalesce(s.member_external_id, m.external_id) IS DISTINCT FROM m.external_id
           OR u.external_id IS DISTINCT FROM s.external_id THEN 'external_id' END,
    CASE WHEN u.user_name IS DISTINCT FROM s.user_name THEN 'user_name' END,
    CASE WHEN (m.status = 'deleted') = s.active THEN 'active' END
  ], NULL)`;

/**
 * A directory snapshot's staging and its set-based diff against the
 * organization. Every statement works on all of a job's rows at once.
 */
/**
 * The report lines whose member loses access: deactivations, and links of a
 * live member the directory lists as inactive (a link only ever takes a live
 * member, so `active` among its changed fields means the directory ended it).
 */
const LOSES_ACCESS = `(c.kind = 'deactivate' OR (c.kind = 'link' AND 'active' = ANY (c.fields)))`;

export class ScimReconcileRepository {
  /** The connection, if it is this organization's (and so this project's). */
  async findConnection(db: Db, scope: Omit<ReconcileScope, 'jobId'>): Promise<{ id: string } | undefined> {
    return db('scim_connections')
      .select('id')
      .where({ id: scope.connectionId, organization_id: scope.organizationId, project_id: scope.projectId })
      .first();
  }

  /** Stages rows with one multi-row INSERT. */
  async stage(db: Db, jobId: string, rows: SnapshotRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db('scim_snapshot_rows').insert(rows.map((r) => ({ job_id: jobId, ...r, attributes: JSON.stringify(r.attributes) })));
  }

  async dropStaged(db: Db, jobId: string): Promise<void> {
    await db('scim_snapshot_rows').where({ job_id: jobId }).delete();
  }

  /**
   * Resolves every staged row to its member and decides its action: the
   * connection's own registration (by externalId, else userName), else a
   * live member of the organization with the same normalized email
   * (linked, never duplicated), else a new member.
   */
  async resolve(db: Db, { jobId, organizationId, connectionId }: ReconcileScope): Promise<void> {
    await db.raw(`UPDATE scim_snapshot_rows SET member_id = NULL, scim_user_id = NULL, action = NULL WHERE job_id = ?`, [jobId]);
    await db.raw(
      `UPDATE scim_snapshot_rows s SET member_id = u.member_id, scim_user_id = u.id
         FROM scim_users u
        WHERE s.job_id = ? AND u.connection_id = ? AND s.external_id IS NOT NULL AND u.external_id = s.external_id`,
      [jobId, connectionId],
    );
    await db.raw(
      `UPDATE scim_snapshot_rows s SET member_id = u.member_id, scim_user_id = u.id
         FROM scim_users u
        WHERE s.job_id = ? AND s.member_id IS NULL AND u.connection_id = ? AND lower(u.user_name) = lower(s.user_name)
          AND NOT EXISTS (SELECT 1 FROM scim_snapshot_rows o WHERE o.job_id = s.job_id AND o.scim_user_id = u.id)`,
      [jobId, connectionId],
    );
    await db.raw(
      `UPDATE scim_snapshot_rows s SET member_id = m.id, action = 'link'
         FROM members m
        WHERE s.job_id = ? AND s.member_id IS NULL AND m.organization_id = ? AND m.status <> 'deleted'
          AND m.email_normalized = s.email_normalized
          AND NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.member_id = m.id)`,
      [jobId, organizationId],
    );
    // A user the directory lists as inactive and Roster has never seen needs no member.
    await db.raw(
      `UPDATE scim_snapshot_rows SET member_id = roster_uuidv7(), action = 'create' WHERE job_id = ? AND member_id IS NULL AND active`,
      [jobId],
    );
    await db.raw(
      `UPDATE scim_snapshot_rows s SET action = CASE
           WHEN m.status = 'deleted' AND s.active THEN 'reactivate'
           WHEN m.status <> 'deleted' AND NOT s.active THEN 'deactivate'
           WHEN cardinality(${CHANGED_FIELDS}) > 0 THEN 'update'
         END
         FROM members m LEFT JOIN scim_users u ON u.member_id = m.id AND u.connection_id = ?
        WHERE s.job_id = ? AND s.action IS NULL AND m.id = s.member_id`,
      [connectionId, jobId],
    );
  }

  /**
   * Writes the report: one line per staged row with an action, then one per
   * member the connection manages that the snapshot no longer names.
   */
  async report(db: Db, { jobId, organizationId, connectionId }: ReconcileScope): Promise<void> {
    await db.raw(`DELETE FROM scim_reconcile_changes WHERE job_id = ?`, [jobId]);
    await db.raw(
      `INSERT INTO scim_reconcile_changes (job_id, seq, member_id, email, kind, fields)
       SELECT s.job_id, s.line, s.member_id, s.email, s.action,
              CASE WHEN s.action = 'create' THEN ARRAY['email', 'name', 'external_id', 'user_name', 'active']
                   WHEN m.id IS NULL THEN '{}'::text[]
                   ELSE ${CHANGED_FIELDS} END
         FROM scim_snapshot_rows s
         LEFT JOIN members m ON m.id = s.member_id
         LEFT JOIN scim_users u ON u.member_id = m.id AND u.connection_id = ?
        WHERE s.job_id = ? AND s.action IS NOT NULL`,
      [connectionId, jobId],
    );
    // Past every line number, so that the report reads snapshot order first.
    await db.raw(
      `INSERT INTO scim_reconcile_changes (job_id, seq, member_id, email, kind, fields)
       SELECT ?, (SELECT coalesce(max(line), 0) FROM scim_snapshot_rows WHERE job_id = ?) + row_number() OVER (ORDER BY m.id),
              m.id, m.email, 'deactivate', ARRAY['active']
         FROM scim_users u JOIN members m ON m.id = u.member_id
        WHERE u.connection_id = ? AND m.organization_id = ? AND m.status <> 'deleted'
          AND NOT EXISTS (SELECT 1 FROM scim_snapshot_rows s WHERE s.job_id = ? AND s.member_id = m.id)`,
      [jobId, jobId, connectionId, organizationId, jobId],
    );
  }

  /** How many changes of each kind the report holds, how many rows needed none, and the unmanaged members. */
  async counts(db: Db, { jobId, organizationId, connectionId }: ReconcileScope): Promise<Record<string, number>> {
    const { rows } = await db.raw(
      `SELECT (SELECT count(*) FROM scim_snapshot_rows WHERE job_id = ? AND action IS NULL) AS unchanged,
              (SELECT count(*) FROM members m
                WHERE m.organization_id = ? AND m.status <> 'deleted'
                  AND NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.member_id = m.id AND u.connection_id = ?)
                  AND NOT EXISTS (SELECT 1 FROM scim_snapshot_rows s WHERE s.job_id = ? AND s.member_id = m.id)) AS unmanaged,
              (SELECT coalesce(jsonb_object_agg(kind, n), '{}') FROM
                 (SELECT kind, count(*) AS n FROM scim_reconcile_changes WHERE job_id = ? GROUP BY kind) k) AS kinds`,
      [jobId, organizationId, connectionId, jobId, jobId],
    );
    const { unchanged, unmanaged, kinds } = rows[0];
    return { ...kinds, unchanged: Number(unchanged), unmanaged: Number(unmanaged) };
  }

  /** Applies the report's changes, set-based, in the caller's transaction. */
  async apply(db: Db, { jobId, projectId, organizationId, connectionId }: ReconcileScope): Promise<void> {
    await db.raw(
      `INSERT INTO members (id, project_id, organization_id, email, email_normalized, status, name, external_id)
       SELECT s.member_id, ?, ?, s.email, s.email_normalized, 'active', coalesce(s.name, ''), s.member_external_id
         FROM scim_snapshot_rows s WHERE s.job_id = ? AND s.action = 'create'`,
      [projectId, organizationId, jobId],
    );
    // Members whose email changes or who lose access keep no sign-in link (MemberService.endAccess, set-based).
    await db.raw(
      `DELETE FROM magic_link_tokens t USING scim_reconcile_changes c
        WHERE c.job_id = ? AND t.member_id = c.member_id AND t.used_at IS NULL
          AND (${LOSES_ACCESS} OR 'email' = ANY (c.fields))`,
      [jobId],
    );
    await db.raw(
      `UPDATE member_sessions ms SET revoked_at = now() FROM scim_reconcile_changes c
        WHERE c.job_id = ? AND ${LOSES_ACCESS} AND ms.member_id = c.member_id AND ms.project_id = ? AND ms.revoked_at IS NULL`,
      [jobId, projectId],
    );
    await db.raw(
      `UPDATE members m SET status = 'deleted', updated_at = now() FROM scim_reconcile_changes c
        WHERE c.job_id = ? AND ${LOSES_ACCESS} AND m.id = c.member_id AND m.organization_id = ?`,
      [jobId, organizationId],
    );
    await db.raw(
      `UPDATE members m SET email = s.email, email_normalized = s.email_normalized, name = coalesce(s.name, m.name),
              external_id = coalesce(s.member_external_id, m.external_id),
              status = CASE WHEN s.active THEN 'active' ELSE m.status END, updated_at = now()
         FROM scim_snapshot_rows s
        WHERE s.job_id = ? AND s.action IN ('link', 'update', 'reactivate') AND m.id = s.member_id AND m.organization_id = ?`,
      [jobId, organizationId],
    );
    await db.raw(
      `INSERT INTO scim_users (id, project_id, organization_id, connection_id, member_id, user_name, external_id, active, attributes)
       SELECT roster_uuidv7(), ?, ?, ?, s.member_id, s.user_name, s.external_id, s.active, s.attributes
         FROM scim_snapshot_rows s WHERE s.job_id = ? AND s.action IN ('create', 'link')`,
      [projectId, organizationId, connectionId, jobId],
    );
    await db.raw(
      `UPDATE scim_users u SET user_name = s.user_name, external_id = s.external_id, active = s.active, attributes = s.attributes,
              version = u.version + 1, updated_at = now()
         FROM scim_snapshot_rows s
        WHERE s.job_id = ? AND s.action IN ('update', 'reactivate', 'deactivate') AND u.id = s.scim_user_id`,
      [jobId],
    );
    await db.raw(
      `UPDATE scim_users u SET active = false, version = u.version + 1, updated_at = now()
         FROM scim_reconcile_changes c
        WHERE c.job_id = ? AND c.kind = 'deactivate' AND u.member_id = c.member_id AND u.connection_id = ? AND u.active`,
      [jobId, connectionId],
    );
  }

  /**
   * The next `limit` members (by report line, after `afterSeq`) an applied reconcile changed whose event action is
   * among `actions`: a member who lost access was deleted; a created one created; any other change (a link, a
   * reactivation) is an update.
   */
  async reconciledMembers(
    db: Db,
    jobId: string,
    actions: ReconciledAction[],
    afterSeq: number,
    limit: number,
  ): Promise<ReconciledMember[]> {
    const changes: { rows: { seq: number; action: ReconciledAction; member_id: string }[] } = await db.raw(
      `SELECT * FROM (
         SELECT c.seq, c.member_id,
                CASE WHEN ${LOSES_ACCESS} THEN 'DELETE' WHEN c.kind = 'create' THEN 'CREATE' ELSE 'UPDATE' END AS action
           FROM scim_reconcile_changes c
          WHERE c.job_id = ? AND c.seq > ?
       ) x
       WHERE x.action = ANY (?::text[])
       ORDER BY x.seq LIMIT ?`,
      [jobId, afterSeq, actions, limit],
    );
    if (changes.rows.length === 0) return [];
    const members: { rows: MemberModel[] } = await db.raw(`SELECT * FROM members WHERE id = ANY (?::uuid[])`, [
      changes.rows.map((c) => c.member_id),
    ]);
    const byId = new Map(members.rows.map((m) => [m.id, m]));
    return changes.rows.map(({ seq, action, member_id }) => ({ seq, action, member: byId.get(member_id)! }));
  }

  /** A page of the report, in order, after `afterSeq`. */
  async changes(db: Db, jobId: string, afterSeq: number, limit: number): Promise<ReconcileChange[]> {
    return db('scim_reconcile_changes')
      .select('seq', 'member_id', 'email', 'kind', 'fields')
      .where({ job_id: jobId })
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit);
  }

  async countChanges(db: Db, jobId: string): Promise<number> {
    const row = (await db('scim_reconcile_changes').where({ job_id: jobId }).count({ total: '*' }).first()) as { total: number };
    return Number(row.total);
  }
}
