import { MemberModel } from '../../models/member.model';
import type { Db } from '../db';
import { uniqueViolation } from '../pg-errors';
import { stagingTable, useBulkSettings } from './staging';

/** How often a chunk re-checks external ids after losing a race for one to a concurrent writer. */
const EXTERNAL_ID_RACE_RETRIES = 5;

/** What one slice of a chunk did (a dry run: what it would have done). */
export interface SliceCounts {
  total: number;
  failed: number;
  created: number;
  updated: number;
}

/** A slice: a range of one chunk's lines, applied in one transaction. */
export interface SliceWork {
  projectId: string;
  jobId: string;
  firstLine: number;
  lastLine: number;
  onConflict: 'skip' | 'update';
  dryRun: boolean;
  /** Columns the file has: an update changes only these. */
  columns: string[];
  /** Answer the members written (for their per-member events, when an endpoint wants them); counts only otherwise. */
  returnMembers?: boolean;
}

/** The members a slice wrote, as stored after it. */
export interface SliceMembers {
  created: MemberModel[];
  updated: MemberModel[];
}

/**
 * A planned chunk: its line range, the rows staged in it, and (once its first
 * slice has committed) where its next slice starts and the rows applied so far.
 */
export interface PlannedChunk {
  first_line: number;
  last_line: number;
  row_count: number;
  status: string;
  next_line: number | null;
  rows_done: number;
}

/** The import's chunks (planned after validation, applied a slice per transaction) and the writing of members from them. */
export class ImportChunkRepository {
  /**
   * Splits the staged lines into chunks of `size` lines, each knowing how
   * many rows it holds; a no-op when the plan exists (a resumed job).
   */
  async planChunks(db: Db, jobId: string, size: number): Promise<number> {
    const { rows } = await db.raw(
      `SELECT (line - first) / ? AS chunk_no, min(line) AS first_line, max(line) AS last_line, count(*) AS row_count
       FROM ${stagingTable(jobId)}, (SELECT min(line) AS first FROM ${stagingTable(jobId)}) f
       GROUP BY 1 ORDER BY 1`,
      [size],
    );
    const chunks = (rows as Record<string, string | number>[]).map((r) => ({
      job_id: jobId,
      chunk_no: Number(r.chunk_no),
      first_line: Number(r.first_line),
      last_line: Number(r.last_line),
      row_count: Number(r.row_count),
    }));
    if (chunks.length > 0) await db('migration_chunks').insert(chunks).onConflict(['job_id', 'chunk_no']).ignore();
    return chunks.length;
  }

  async chunksOf(db: Db, jobId: string): Promise<{ chunk_no: number; status: string }[]> {
    return db('migration_chunks').select('chunk_no', 'status').where({ job_id: jobId }).orderBy('chunk_no');
  }

  /** The chunk, locked so that two runs of it (a retry racing a sweep) apply each slice once. */
  async lockChunk(db: Db, jobId: string, chunkNo: number): Promise<PlannedChunk | undefined> {
    return db('migration_chunks').where({ job_id: jobId, chunk_no: chunkNo }).forUpdate().first();
  }

  async cancelChunk(db: Db, jobId: string, chunkNo: number): Promise<void> {
    await db('migration_chunks').where({ job_id: jobId, chunk_no: chunkNo }).update({ status: 'cancelled' });
  }

  /** Records a committed slice: where the next one starts, the staged rows applied so far, and whether the chunk is done. */
  async recordSlice(db: Db, jobId: string, chunkNo: number, slice: { nextLine: number; rowsDone: number; done: boolean }): Promise<void> {
    await db('migration_chunks')
      .where({ job_id: jobId, chunk_no: chunkNo })
      .update({ next_line: slice.nextLine, rows_done: slice.rowsDone, status: slice.done ? 'done' : 'pending' });
  }

  async pendingChunks(db: Db, jobId: string): Promise<number> {
    const row = (await db('migration_chunks').where({ job_id: jobId, status: 'pending' }).count({ n: '*' }).first()) as { n: number };
    return Number(row.n);
  }

  /**
   * Applies one slice: rejects rows the organization's current members rule
   * out, inserts (or updates) members with one multi-row statement, and
   * records the slice's rejected rows. Returns the slice's counts.
   */
  async applySlice(db: Db, work: SliceWork): Promise<SliceCounts & { members?: SliceMembers }> {
    const table = stagingTable(work.jobId);
    await useBulkSettings(db);
    const range = [work.firstLine, work.lastLine];
    let written: { created: number; updated: number; members?: SliceMembers } | undefined;
    for (let attempt = 0; !written; attempt++) {
      await this.rejectTakenIdentities(db, work);
      try {
        // In a savepoint: a concurrent writer that took one of these external
        // ids after the check above fails only this statement, which is then
        // re-checked and re-run instead of failing the slice.
        written = work.dryRun ? await this.countSlice(db, work) : await db.transaction((sp) => this.writeSlice(sp, work));
      } catch (err) {
        if (uniqueViolation(err) !== 'members__organization_id_external_id__unique' || attempt >= EXTERNAL_ID_RACE_RETRIES) throw err;
      }
    }
    await db.raw(
      `INSERT INTO job_row_errors (job_id, line, error_type, column_name, value, message)
       SELECT ?, line, error_type, error_column, error_value, error_message
       FROM ${table} WHERE line BETWEEN ? AND ? AND error_type IS NOT NULL
       ON CONFLICT DO NOTHING`,
      [work.jobId, ...range],
    );
    const { rows: totals } = await db.raw(
      `SELECT count(*) AS total, count(*) FILTER (WHERE error_type IS NOT NULL) AS failed FROM ${table} WHERE line BETWEEN ? AND ?`,
      range,
    );
    return { total: Number(totals[0].total), failed: Number(totals[0].failed), ...written };
  }

  /** Rows whose external id another member holds, or whose email a member of the organization retired. */
  private async rejectTakenIdentities(db: Db, work: SliceWork): Promise<void> {
    const table = stagingTable(work.jobId);
    const range = [work.firstLine, work.lastLine];
    // One probe of the (organization_id, external_id) index per staged row,
    // written as a subquery the planner cannot turn into a hash join: a join
    // read the whole members table for every slice, so a large import (or a
    // large project) slowed down with every slice it had already written.
    await db.raw(
      `UPDATE ${table} s SET error_type = 'duplicate_external_id', error_column = 'external_id', error_value = s.external_id,
         error_message = 'Another member of the organization already has this external_id.'
       WHERE s.line BETWEEN ? AND ? AND s.error_type IS NULL AND s.external_id IS NOT NULL
         AND (SELECT true FROM members m
              WHERE m.organization_id = s.organization_id AND m.external_id = s.external_id AND m.status <> 'deleted'
                AND m.email_normalized <> s.email_normalized
              LIMIT 1)`,
      range,
    );
    await db.raw(
      `UPDATE ${table} s SET error_type = 'retired_member_email', error_column = 'email_address', error_value = s.email,
         error_message = 'A member of the organization retired this email address; it cannot be reused until it is unlinked.'
       FROM member_retired_emails r
       WHERE s.line BETWEEN ? AND ? AND s.error_type IS NULL
         AND r.organization_id = s.organization_id AND r.email_normalized = s.email_normalized`,
      range,
    );
  }

  private async writeSlice(db: Db, work: SliceWork): Promise<{ created: number; updated: number; members?: SliceMembers }> {
    const table = stagingTable(work.jobId);
    // Both statements see one snapshot, so the UPDATE touches only members
    // that existed before this slice, never the ones it has just inserted.
    const update = work.onConflict === 'update' && updateAssignments(work.columns).length > 0;
    const returned = work.returnMembers ? 'members.*' : '1';
    const { rows } = await db.raw(
      `WITH valid AS (
         SELECT * FROM ${table} WHERE line BETWEEN ? AND ? AND error_type IS NULL
       ), inserted AS (
         INSERT INTO members (id, project_id, organization_id, email, email_normalized, status, name, is_breakglass,
                              roles, trusted_metadata, untrusted_metadata, external_id, mfa_phone_number)
         SELECT roster_uuidv7(), ?, organization_id, email, email_normalized, coalesce(status, 'active'), coalesce(name, ''),
                coalesce(is_breakglass, false), coalesce(roles, '{}'), coalesce(trusted_metadata, '{}'),
                coalesce(untrusted_metadata, '{}'), external_id, coalesce(mfa_phone_number, '')
         FROM valid
         ORDER BY organization_id, email_normalized
         ON CONFLICT (organization_id, email_normalized) WHERE status <> 'deleted' DO NOTHING
         RETURNING ${returned}
       )${
         update
           ? `, updated AS (
         UPDATE members m SET ${updateAssignments(work.columns).join(', ')}, updated_at = now()
         FROM valid v
         WHERE m.organization_id = v.organization_id AND m.email_normalized = v.email_normalized AND m.status <> 'deleted'
         RETURNING ${work.returnMembers ? 'm.*' : '1'}
       )`
           : ''
       }
       SELECT (SELECT count(*) FROM inserted) AS created, ${update ? '(SELECT count(*) FROM updated)' : '0'} AS updated${
         work.returnMembers
           ? `, (SELECT coalesce(json_agg(i), '[]') FROM inserted i) AS created_rows,
              ${update ? `(SELECT coalesce(json_agg(u), '[]') FROM updated u)` : `'[]'::json`} AS updated_rows`
           : ''
       }`,
      [work.firstLine, work.lastLine, work.projectId],
    );
    const [row] = rows;
    return {
      created: Number(row.created),
      updated: Number(row.updated),
      ...(work.returnMembers && { members: { created: row.created_rows.map(memberOf), updated: row.updated_rows.map(memberOf) } }),
    };
  }

  /** A dry run's counts: what writeSlice would do, writing nothing. */
  private async countSlice(db: Db, work: SliceWork): Promise<{ created: number; updated: number }> {
    const { rows } = await db.raw(
      `SELECT count(*) FILTER (WHERE m.id IS NULL) AS created, count(m.id) AS existing
       FROM ${stagingTable(work.jobId)} s
       LEFT JOIN members m ON m.organization_id = s.organization_id AND m.email_normalized = s.email_normalized AND m.status <> 'deleted'
       WHERE s.line BETWEEN ? AND ? AND s.error_type IS NULL`,
      [work.firstLine, work.lastLine],
    );
    // As writeSlice: existing members count as updated only when the file has columns to update.
    const updates = work.onConflict === 'update' && updateAssignments(work.columns).length > 0;
    return { created: Number(rows[0].created), updated: updates ? Number(rows[0].existing) : 0 };
  }
}

/** A member row as json_agg wrote it (timestamps as text). */
const memberOf = (row: Record<string, unknown>): MemberModel =>
  MemberModel.fromJson(
    { ...row, created_at: new Date(row.created_at as string), updated_at: new Date(row.updated_at as string) },
    { skipValidation: true },
  );

/** `SET` clauses for on_conflict=update: only the columns the file has; empty cells keep what is stored. */
function updateAssignments(columns: string[]): string[] {
  const has = (c: string) => columns.includes(c);
  const sets: string[] = [];
  if (has('name')) sets.push('name = coalesce(v.name, m.name)');
  if (has('roles')) sets.push('roles = coalesce(v.roles, m.roles)');
  if (has('trusted_metadata')) sets.push("trusted_metadata = m.trusted_metadata || coalesce(v.trusted_metadata, '{}')");
  if (has('untrusted_metadata')) sets.push("untrusted_metadata = m.untrusted_metadata || coalesce(v.untrusted_metadata, '{}')");
  if (has('external_id')) sets.push('external_id = coalesce(v.external_id, m.external_id)');
  if (has('is_breakglass')) sets.push('is_breakglass = coalesce(v.is_breakglass, m.is_breakglass)');
  if (has('status')) sets.push('status = coalesce(v.status, m.status)');
  if (has('mfa_phone_number')) sets.push('mfa_phone_number = coalesce(v.mfa_phone_number, m.mfa_phone_number)');
  return sets;
}
