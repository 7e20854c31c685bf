import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Knex } from 'knex';
import { AppError, badRequest, notFound } from '../../../errors';
import { parseId, uuidv7 } from '../../../ids';
import type { JobProducer } from '../../../jobs';
import type { JobModel } from '../../../models/job.model';
import type { EventedJobRepository } from '../../events/job-events';
import { uniqueViolation } from '../../../repositories/pg-errors';
import {
  SNAPSHOT_DUPLICATE_CONSTRAINTS,
  type ScimReconcileRepository,
  type SnapshotRow,
} from '../../../repositories/scim-reconcile.repository';
import type { OrganizationService } from '../../organization.service';
import type { ProjectContext } from '../../project-context';
import { csvEntry, readSnapshotHeader, snapshotRow } from './snapshot-rows';

export const SCIM_RECONCILE_JOB_TYPE = 'scim.reconcile';
/** Rows per multi-row INSERT into staging. */
const STAGE_BATCH = 1000;
/** A snapshot's size limit: a directory of a million users fits. */
export const MAX_SNAPSHOT_USERS = 1_000_000;

/** A snapshot as the request carried it: a parsed JSON list, or a CSV body still streaming in. */
export type SnapshotInput = { format: 'json'; users: unknown } | { format: 'csv'; body: Readable };

const RECONCILE_IN_PROGRESS = 'jobs__scim_reconcile_connection__unfinished';

/**
 * Starts a directory snapshot's reconcile: checks the connection, stages
 * every user (refusing the whole snapshot on any bad one, so that nothing
 * half-read ever deactivates anybody), and queues the job.
 */
export class ScimReconcileUploads {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: EventedJobRepository,
    private readonly snapshots: ScimReconcileRepository,
    private readonly organizations: OrganizationService,
    private readonly producer: JobProducer,
  ) {}

  async start(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    input: SnapshotInput,
    dryRun: boolean,
  ): Promise<JobModel> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const connectionId = parseId('scim-connection', project.env, connectionRef);
    const scope = { projectId: project.id, organizationId: organization.id, connectionId: connectionId ?? '' };
    if (!connectionId || !(await this.snapshots.findConnection(this.knex, scope))) {
      throw notFound('scim_connection_not_found', 'The SCIM connection could not be found in this organization.');
    }
    // A JSON list is checked whole before anything is recorded.
    const rows = input.format === 'json' ? jsonRows(input.users) : undefined;

    const job = await this.jobs
      .insert(
        this.knex,
        {
          id: uuidv7(),
          project_id: project.id,
          type: SCIM_RECONCILE_JOB_TYPE,
          phase: 'uploading',
          params: { organization_id: organization.id, connection_id: connectionId, dry_run: dryRun },
          progress: { total_users: 0 },
        },
        project,
      )
      .catch((err) => {
        if (uniqueViolation(err) !== RECONCILE_IN_PROGRESS) throw err;
        throw new AppError(
          'scim_reconcile_in_progress',
          409,
          'A reconcile of this SCIM connection is already queued or running; wait for it to finish.',
        );
      });
    try {
      const users = rows ? await this.stageList(job.id, rows) : await this.stageCsv(job.id, (input as { body: Readable }).body);
      if (!(await this.jobs.queueAfterUpload(this.knex, job.id, { total_users: users }))) {
        throw new AppError('upload_abandoned', 409, 'The upload took so long that it was given up; send the snapshot again.');
      }
    } catch (err) {
      // Nothing of a refused snapshot remains: not its rows, not its job.
      await this.snapshots.dropStaged(this.knex, job.id);
      await this.jobs.delete(this.knex, job.id);
      const duplicate = SNAPSHOT_DUPLICATE_CONSTRAINTS[uniqueViolation(err) ?? ''];
      if (duplicate) throw badRequest('duplicate_in_list', `Two users of the snapshot have the same ${duplicate}. Nothing was changed.`);
      if (err instanceof CsvError) throw badRequest('invalid_csv', `The snapshot is not valid CSV (${err.message}). Nothing was changed.`);
      throw err;
    }
    await this.producer.ensure('scim.reconcile', { jobId: job.id }, `reconcile.${job.id}`);
    return (await this.jobs.findById(this.knex, project.id, job.id))!;
  }

  private async stageList(jobId: string, rows: SnapshotRow[]): Promise<number> {
    for (let i = 0; i < rows.length; i += STAGE_BATCH) await this.snapshots.stage(this.knex, jobId, rows.slice(i, i + STAGE_BATCH));
    return rows.length;
  }

  /** Streams the CSV into staging a batch at a time, never holding the file. */
  private async stageCsv(jobId: string, body: Readable): Promise<number> {
    const parser = body.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 64 * 1024 }));
    body.once('error', (err) => parser.destroy(err));
    let index: ReturnType<typeof readSnapshotHeader> | undefined;
    let batch: SnapshotRow[] = [];
    let users = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (!index) {
          index = readSnapshotHeader(record);
          continue;
        }
        if (++users > MAX_SNAPSHOT_USERS) throw tooManyUsers();
        batch.push(snapshotRow(users, csvEntry(index, record)));
        if (batch.length === STAGE_BATCH) {
          await this.snapshots.stage(this.knex, jobId, batch);
          batch = [];
        }
      }
    } finally {
      parser.destroy();
    }
    if (!index) throw badRequest('empty_file', 'The snapshot is empty: it needs a header row with a userName column.');
    await this.snapshots.stage(this.knex, jobId, batch);
    return users;
  }
}

const tooManyUsers = () => badRequest('invalid_scim_snapshot', `A snapshot lists at most ${MAX_SNAPSHOT_USERS} users.`);

/** A JSON snapshot's users, each read and checked; any bad one refuses the list. */
function jsonRows(users: unknown): SnapshotRow[] {
  if (!Array.isArray(users)) throw badRequest('invalid_scim_snapshot', 'users must be a list of SCIM User resources.');
  if (users.length > MAX_SNAPSHOT_USERS) throw tooManyUsers();
  return users.map((entry, i) => snapshotRow(i + 1, entry));
}
