import type { Knex } from 'knex';
import { AppError } from '../../../errors';
import { formatId } from '../../../ids';
import type { ChangeKind, ScimReconcileRepository } from '../../../repositories/scim-reconcile.repository';
import type { JobService } from '../../job.service';
import type { ProjectContext } from '../../project-context';
import { checkLimit } from '../../search-query';
import { SCIM_RECONCILE_JOB_TYPE } from './reconcile-uploads';

export interface ReportPage {
  changes: { member_id: string; email: string; kind: ChangeKind; fields: string[] }[];
  total: number;
  nextCursor: string | null;
}

/** A reconcile job's report, kept in Postgres with the job (and deleted with it). */
export class ScimReconcileReports {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobService,
    private readonly snapshots: ScimReconcileRepository,
  ) {}

  /** Changes in order; the cursor is the position of the previous page's last change. */
  async page(project: ProjectContext, ref: string, cursor: string | undefined, limit: number | undefined): Promise<ReportPage> {
    const job = await this.jobs.get(project, ref);
    if (job.type !== SCIM_RECONCILE_JOB_TYPE) {
      throw new AppError('job_has_no_report', 400, `Only ${SCIM_RECONCILE_JOB_TYPE} jobs have a report; this job is a ${job.type} job.`);
    }
    const after = cursor === undefined || cursor === '' ? 0 : Number(cursor);
    const pageSize = checkLimit(limit);
    const [rows, total] = await Promise.all([
      this.snapshots.changes(this.knex, job.id, after, pageSize + 1),
      this.snapshots.countChanges(this.knex, job.id),
    ]);
    const page = rows.slice(0, pageSize);
    return {
      changes: page.map((c) => ({
        member_id: formatId('member', project.env, c.member_id),
        email: c.email,
        kind: c.kind,
        fields: c.fields,
      })),
      total,
      nextCursor: rows.length > pageSize ? String(page[page.length - 1].seq) : null,
    };
  }
}
