import type { Knex } from 'knex';
import type { BulkInviteInput } from '../api/schemas/magic-link.schemas';
import { AppError, badRequest } from '../errors';
import { formatId, uuidv7 } from '../ids';
import { logger } from '../logger';
import type { JobModel } from '../models/job.model';
import type { JobRepository } from '../repositories/job.repository';
import type { OutboxRepository } from '../repositories/outbox.repository';
import type { ProjectRepository } from '../repositories/project.repository';
import type { JobProducer } from '../queues/producer';
import { normalizeEmail } from './email';
import { jobError } from './job-failure';
import type { MagicLinkService } from './magic-link.service';
import type { OrganizationService } from './organization.service';
import type { ProjectContext } from './project-context';

export const BULK_INVITE_JOB_TYPE = 'invites.bulk';

type Invitee = BulkInviteInput['invitees'][number];

interface BulkInviteParams {
  organization_id: string;
  invitees: Invitee[];
  invite_redirect_url?: string;
  invited_by_member_id?: string;
  invite_expiration_minutes?: number;
}

/**
 * Roster's bulk invites: one request, up to 10,000 invitees, a job that
 * invites them one by one (each invite its own transaction, counted in it)
 * at the configured pace, and resumes where it stopped after a crash.
 */
export class BulkInviteService {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobRepository,
    private readonly projects: ProjectRepository,
    private readonly outbox: OutboxRepository,
    private readonly organizations: OrganizationService,
    private readonly magicLinks: MagicLinkService,
    private readonly producer: JobProducer,
    private readonly ratePerSecond: number,
    private readonly outboxWritten: () => void,
  ) {}

  /** Checks what can be checked for the whole batch, then records the job and its outbox entry together. */
  async request(project: ProjectContext, organizationRef: string, input: BulkInviteInput): Promise<JobModel> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    if (organization.email_invites === 'NOT_ALLOWED') {
      throw badRequest('email_invites_not_allowed', 'The organization does not allow email invites (email_invites is NOT_ALLOWED).');
    }
    await this.magicLinks.redirectUrl(project, input.invite_redirect_url);
    const params: BulkInviteParams = { ...input, organization_id: organization.id };
    const id = uuidv7();
    const job = await this.knex
      .transaction(async (trx) => {
        const created = await this.jobs.insert(trx, {
          id,
          project_id: project.id,
          type: BULK_INVITE_JOB_TYPE,
          phase: 'queued',
          params: params as unknown as Record<string, unknown>,
          progress: { total_rows: input.invitees.length, processed_rows: 0, invited: 0, failed: 0 },
        });
        await this.outbox.add(trx, 'invites.send', { jobId: id }, `invites.${id}`);
        return created;
      })
      .finally(this.outboxWritten);
    return job;
  }

  /** For the sweep: a bulk invite that stopped moving is queued again (it resumes at its count). */
  async resume(job: Pick<JobModel, 'id'>): Promise<'resumed'> {
    await this.producer.ensure('invites.send', { jobId: job.id }, `invites.${job.id}`);
    return 'resumed';
  }

  async run(jobId: string): Promise<unknown> {
    const job = await this.jobs.findForWork(this.knex, jobId);
    if (!job || job.finished_at) return { skipped: true };
    const project = await this.projects.findById(this.knex, job.project_id);
    if (!project) return { skipped: true };
    const context: ProjectContext = { id: project.id, env: project.env, publicId: formatId('project', project.env, project.id) };
    const params = job.params as unknown as BulkInviteParams;
    await this.jobs.start(this.knex, jobId, undefined, 'inviting');

    const start = job.progress.processed_rows ?? 0;
    const seen = new Set(params.invitees.slice(0, start).map((i) => normalizeEmail(i.email_address)));
    const interval = this.ratePerSecond > 0 ? 1000 / this.ratePerSecond : 0;
    const began = Date.now();
    for (let index = start; index < params.invitees.length; index++) {
      if (index % 50 === 0 && (await this.jobs.findForWork(this.knex, jobId))?.cancel_requested_at) {
        await this.jobs.finish(this.knex, jobId, 'cancelled');
        return { cancelled: true };
      }
      const wait = began + (index - start) * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const invitee = params.invitees[index];
      const normalized = normalizeEmail(invitee.email_address);
      if (seen.has(normalized)) {
        await this.reject(jobId, index, invitee.email_address, 'duplicate_in_list', 'The same email address appears earlier in the list.');
        continue;
      }
      seen.add(normalized);
      try {
        await this.magicLinks.invite(
          context,
          {
            ...invitee,
            organization_id: formatId('organization', project.env, params.organization_id),
            invite_redirect_url: params.invite_redirect_url,
            invited_by_member_id: params.invited_by_member_id,
            invite_expiration_minutes: params.invite_expiration_minutes,
          },
          { jobId, inTransaction: (trx) => this.jobs.addProgress(trx, jobId, { processed_rows: 1, invited: 1 }) },
        );
      } catch (err) {
        // An invitee the rules refuse is reported and skipped; anything else fails the run, which retries from here.
        if (!(err instanceof AppError)) throw err;
        await this.reject(jobId, index, invitee.email_address, err.errorType, err.message);
      }
    }
    await this.jobs.finish(this.knex, jobId, 'completed');
    return { invited: params.invitees.length - start };
  }

  private async reject(jobId: string, index: number, email: string, errorType: string, message: string): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await this.jobs.addRowError(trx, jobId, { line: index + 1, error_type: errorType, column_name: 'email_address', value: email, message });
      await this.jobs.addProgress(trx, jobId, { processed_rows: 1, failed: 1 });
    });
  }

  async fail(jobId: string, err: unknown): Promise<void> {
    logger.error({ job_id: jobId, err }, 'bulk invite failed');
    await this.jobs.finish(this.knex, jobId, 'failed', { error: jobError(err) });
  }
}
