import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'node:stream';
import type { MemberStatus } from '../../models/member.model';
import type { Db } from '../db';

/**
 * Each member import stages its rows in an UNLOGGED table of its own (no
 * WAL, no shared index to maintain, dropped in one statement at the end);
 * everything after the upload is set-based over it.
 */
export const stagingTable = (jobId: string) => `migration_rows_${jobId.replace(/-/g, '')}`;

export interface RowError {
  type: string;
  column: string | null;
  value: string | null;
  message: string;
}

/** One staged row; `error` set means the row is rejected and every other field may be null. */
export interface StagedRow {
  line: number;
  organization_id: string | null;
  organization_slug: string | null;
  email: string | null;
  email_normalized: string | null;
  name: string | null;
  roles: string[] | null;
  trusted_metadata: string | null;
  untrusted_metadata: string | null;
  external_id: string | null;
  is_breakglass: boolean | null;
  status: MemberStatus | null;
  mfa_phone_number: string | null;
  error: RowError | null;
}

const escapeCopy = (value: string) =>
  value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
const text = (value: string | null) => (value === null ? '\\N' : escapeCopy(value));

/**
 * The staging table's columns: name, SQL type, and the COPY text encoding of
 * a staged row's value. The table, the COPY column list and each COPY line
 * are all built from this one list, so their order cannot drift apart.
 */
const COLUMNS: readonly [name: string, type: string, encode: (row: StagedRow) => string][] = [
  ['line', 'integer PRIMARY KEY', (r) => String(r.line)],
  ['organization_id', 'uuid', (r) => text(r.organization_id)],
  ['organization_slug', 'text', (r) => text(r.organization_slug)],
  ['email', 'text', (r) => text(r.email)],
  ['email_normalized', 'text', (r) => text(r.email_normalized)],
  ['name', 'text', (r) => text(r.name)],
  // Role ids are checked against a pattern that needs no quoting inside an array literal.
  ['roles', 'text[]', (r) => (r.roles === null ? '\\N' : `{${r.roles.join(',')}}`)],
  ['trusted_metadata', 'jsonb', (r) => text(r.trusted_metadata)],
  ['untrusted_metadata', 'jsonb', (r) => text(r.untrusted_metadata)],
  ['external_id', 'text', (r) => text(r.external_id)],
  ['is_breakglass', 'boolean', (r) => (r.is_breakglass === null ? '\\N' : String(r.is_breakglass))],
  ['status', 'text', (r) => text(r.status)],
  ['mfa_phone_number', 'text', (r) => text(r.mfa_phone_number)],
  ['error_type', 'text', (r) => text(r.error?.type ?? null)],
  ['error_column', 'text', (r) => text(r.error?.column ?? null)],
  ['error_value', 'text', (r) => text(r.error?.value?.slice(0, 1000) ?? null)],
  ['error_message', 'text', (r) => text(r.error?.message ?? null)],
];

/** One line of COPY's text format for a staged row. */
export function toCopyLine(row: StagedRow): string {
  return COLUMNS.map(([, , encode]) => encode(row)).join('\t') + '\n';
}

/**
 * Settings for the transaction of set-based work over staging: sorts and
 * hashes of a whole file stay in memory, and no statement pays for JIT
 * compilation (half a second per statement here, more than it ever saves
 * on these simple expressions).
 */
export async function useBulkSettings(db: Db): Promise<void> {
  await db.raw(`SET LOCAL work_mem = '64MB'`);
  await db.raw('SET LOCAL jit = off');
}

/** The staging tables' lifecycle: creation, the COPY into them, and their removal. */
export class StagingRepository {
  /** COPY runs on a connection of its own, outside the pool, so that long uploads never starve requests. */
  constructor(private readonly databaseUrl: string) {}

  /**
   * Half of every page stays free, so that validation's updates of staged
   * rows (resolving slugs rewrites nearly all of them) are HOT: written on
   * the same page, with no new index entry; they take half the time.
   */
  async createStaging(db: Db, jobId: string): Promise<void> {
    const columns = COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
    await db.raw(`CREATE UNLOGGED TABLE ${stagingTable(jobId)} (${columns}) WITH (fillfactor = 50)`);
  }

  async dropStaging(db: Db, jobId: string): Promise<void> {
    await db.raw(`DROP TABLE IF EXISTS ${stagingTable(jobId)}`);
  }

  /** A COPY stream into the staging table, taking `toCopyLine` lines; call `release` once it has finished or failed. */
  async openCopy(jobId: string): Promise<{ stream: Writable; release: () => Promise<void> }> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    const names = COLUMNS.map(([name]) => name).join(', ');
    const stream = client.query(copyFrom(`COPY ${stagingTable(jobId)} (${names}) FROM STDIN`));
    return { stream, release: () => client.end() };
  }

  /**
   * Gathers the staging table's statistics. A fresh table has none, and the
   * planner then takes its 200,000 rows for one: resolving 200 slugs became
   * a nested loop of 40 million comparisons (55 s) instead of one hash join.
   */
  async analyzeStaging(db: Db, jobId: string): Promise<void> {
    await db.raw(`ANALYZE ${stagingTable(jobId)}`);
  }

  async stagedRows(db: Db, jobId: string): Promise<number> {
    const { rows } = await db.raw(`SELECT count(*) AS n FROM ${stagingTable(jobId)}`);
    return Number(rows[0].n);
  }

  /** Staging tables whose import has finished (or whose job row is gone): safe to drop. */
  async finishedStagingTables(db: Db): Promise<string[]> {
    const { rows } = await db.raw(
      `SELECT c.relname FROM pg_class c
       WHERE c.relkind = 'r' AND c.relname LIKE 'migration\\_rows\\_%'
         AND NOT EXISTS (SELECT 1 FROM jobs j
                         WHERE replace(j.id::text, '-', '') = substring(c.relname FROM 16)
                           AND j.status IN ('queued', 'running'))`,
    );
    return rows.map((r: { relname: string }) => r.relname);
  }

  async dropTable(db: Db, name: string): Promise<void> {
    if (!/^migration_rows_[0-9a-f]{32}$/.test(name)) throw new Error(`not a staging table: ${name}`);
    await db.raw(`DROP TABLE IF EXISTS ${name}`);
  }
}
