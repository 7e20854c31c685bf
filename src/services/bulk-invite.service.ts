import type { Knex } from 'knex';
import type { BulkInviteInput } from '../contracts/invites';
import { AppError, badRequest } from '../errors';
import { formatId, uuidv7 } from '../ids';
import { paramsOf, type BulkInvitee, type BulkInviteJobParams, type JobProducer, type JobRowError } from '../jobs';
import { logger } from '../logger';
import type { JobModel } from '../models/job.model';
import type { BulkInviteRepository } from '../repositories/bulk-invite.repository';
import type { EventedJobRepository } from './events/job-events';
import type { OutboxRepository } from '../repositories/outbox.repository';
import type { ProjectRepository } from '../repositories/project.repository';
import { emailProblem, normalizeEmail } from '../email-rules';
import { MEMBER_NAME_MAX_LENGTH } from '../formats';
import { controlCharacterProblem } from '../text-rules';
import { jobError } from './job-failure';
import type { InviteService } from './invite.service';
import type { OrganizationService } from './organization.service';
import { jobContext } from './events/job-events';
import type { ProjectContext } from './project-context';

export const BULK_INVITE_JOB_TYPE = 'invites.bulk';
const BATCH = 200;

type InviteeRow = { line: number; invitee: BulkInvitee };

const DUPLICATE_IN_LIST = badRequest('duplicate_in_list', 'The same email address appears earlier in the list.');

const rowError = (row: InviteeRow, column: 'email_address' | 'name', refusal: AppError): JobRowError => ({
  line: row.line,
  error_type: refusal.errorType,
  column_name: column,
  value: row.invitee[column] ?? null,
  message: refusal.message,
});

const nameProblem = (name: string) =>
  name.length > MEMBER_NAME_MAX_LENGTH ? `is longer than ${MEMBER_NAME_MAX_LENGTH} characters` : controlCharacterProblem(name);

/**
 * The rules a single invite's schema applies to an address and a name,
 * judged per invitee (the bulk list takes any string, so a typo refuses
 * only its own row), and the list's own rule: an address already seen is a
 * duplicate. `seen` holds the valid addresses of earlier invitees and
 * grows with these.
 */
function screen(rows: InviteeRow[], seen: Set<string>): { accepted: InviteeRow[]; refused: JobRowError[] } {
  const accepted: InviteeRow[] = [];
  const refused: JobRowError[] = [];
  for (const row of rows) {
    const { email_address: email, name } = row.invitee;
    const invalidEmail = emailProblem(email);
    if (invalidEmail) {
      refused.push(rowError(row, 'email_address', badRequest('invalid_email', `email_address ${invalidEmail}.`)));
      continue;
    }
    const key = normalizeEmail(email);
    if (seen.has(key)) {
      refused.push(rowError(row, 'email_address', DUPLICATE_IN_LIST));
      continue;
    }
    seen.add(key);
    const invalidName = name === undefined ? undefined : nameProblem(name);
    if (invalidName) refused.push(rowError(row, 'name', badRequest('invalid_member_name', `name ${invalidName}.`)));
    else accepted.push(row);
  }
  return { accepted, refused };
}

/**
 * Roster's bulk invites: one request, up to 10,000 invitees, a job that
 * invites them in batches (each batch one transaction that also counts it)
 * at the configured pace, and resumes where it stopped after a crash. The
 * list lives in its own table; the job's params (shown to callers) count it.
 */
export class BulkInviteService {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: EventedJobRepository,
    private readonly invitees: BulkInviteRepository,
    private readonly projects: ProjectRepository,
    private readonly outbox: OutboxRepository,
    private readonly organizations: OrganizationService,
    private readonly invites: InviteService,
    private readonly producer: JobProducer,
    private readonly ratePerSecond: number,
    private readonly outboxWritten: () => void,
  ) {}

  /** Checks what can be checked for the whole batch, then records the job and its outbox entry together. */
  async request(project: ProjectContext, organizationRef: string, input: BulkInviteInput): Promise<JobModel> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    await this.invites.inviteSettings(project, organization, input);
    const params: BulkInviteJobParams = {
      organization_id: organization.id,
      invitees: input.invitees.length,
      invite_redirect_url: input.invite_redirect_url,
      invited_by_member_id: input.invited_by_member_id,
      invite_expiration_minutes: input.invite_expiration_minutes,
    };
    const id = uuidv7();
    const job = await this.knex
      .transaction(async (trx) => {
        const created = await this.jobs.insert(
          trx,
          {
            id,
            project_id: project.id,
            type: BULK_INVITE_JOB_TYPE,
            phase: 'queued',
            params,
            progress: { total_rows: input.invitees.length, processed_rows: 0, invited: 0, failed: 0 },
          },
          project,
        );
        await this.invitees.addInvitees(trx, id, input.invitees);
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
    // The job acts (source MIGRATION): its invitees' member events are migration.member.*, written only when subscribed.
    const context = jobContext(project, job);
    const params = paramsOf(job, BULK_INVITE_JOB_TYPE);
    const organization = await this.organizations.resolve(
      this.knex,
      context,
      formatId('organization', project.env, params.organization_id),
    );
    const settings = await this.invites.inviteSettings(context, organization, params);
    await this.jobs.start(this.knex, jobId, undefined, 'inviting');

    // Batches of at most one second's worth of invites, each one transaction
    // that also advances the count: a crash resumes after the last batch.
    const batchSize = this.ratePerSecond > 0 ? Math.min(BATCH, this.ratePerSecond) : BATCH;
    const start = job.progress.processed_rows ?? 0;
    // As screen() left it after the invitees already done: their valid addresses.
    const done = await this.invitees.emailsThrough(this.knex, jobId, start);
    const seen = new Set(done.filter((email) => emailProblem(email) === undefined).map(normalizeEmail));
    const began = Date.now();
    for (let from = start; from < params.invitees; from += batchSize) {
      if (await this.jobs.cancelRequested(this.knex, jobId)) {
        await this.jobs.finish(this.knex, jobId, 'cancelled');
        return { cancelled: true };
      }
      if (this.ratePerSecond > 0) {
        const wait = began + ((from - start) * 1000) / this.ratePerSecond - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const batch = await this.invitees.invitees(this.knex, jobId, from, batchSize);
      const { accepted, refused } = screen(batch, seen);
      await this.knex
        .transaction(async (trx) => {
          const invitees = accepted.map((row) => row.invitee);
          const outcomes = await this.invites.inviteMany(trx, context, organization, invitees, settings, jobId);
          const errors = [
            ...refused,
            ...accepted.flatMap((row, i) => {
              const outcome = outcomes[i];
              return outcome instanceof AppError ? [rowError(row, 'email_address', outcome)] : [];
            }),
          ];
          await this.jobs.addRowErrors(trx, jobId, errors);
          await this.jobs.addProgress(trx, jobId, {
            processed_rows: batch.length,
            invited: batch.length - errors.length,
            failed: errors.length,
          });
        })
        .finally(this.outboxWritten);
    }
    await this.jobs.finish(this.knex, jobId, 'completed');
    return { processed: params.invitees - start };
  }

  async fail(jobId: string, err: unknown): Promise<void> {
    logger.error({ job_id: jobId, err }, 'bulk invite failed');
    await this.jobs.finish(this.knex, jobId, 'failed', { error: jobError(err) });
  }
}
