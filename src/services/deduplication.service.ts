import type { Knex } from 'knex';
import type { MergeInput, ScanInput } from '../contracts/deduplication';
import { badRequest } from '../errors';
import { logger } from '../logger';
import { jobError } from './job-failure';
import { formatId, ProjectEnv, uuidv7 } from '../ids';
import type { JobModel } from '../models/job.model';
import type { MemberModel } from '../models/member.model';
import type { DeduplicationRepository, EmailVariantRule } from '../repositories/deduplication.repository';
import type { EventedJobRepository } from './events/job-events';
import type { MemberRepository } from '../repositories/member.repository';
import type { ProjectRepository } from '../repositories/project.repository';
import { paramsOf, type JobProducer, type JobParams, type MergeJobParams, type ScanJobParams } from '../jobs';
import { jobContext } from './events/job-events';
import type { MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import { emailVariantRules, mergedMember } from './merge-rules';
import type { ProjectContext } from './project-context';

export const MERGE_JOB_TYPE = 'members.merge';
export const SCAN_JOB_TYPE = 'members.scan-duplicates';
/** A scan reports at most this many groups (the job result says when it stopped there). */
const SCAN_GROUP_LIMIT = 10_000;

/** Duplicate detection and merging: each runs as a caller-visible job. */
export class DeduplicationService {
  constructor(
    private readonly knex: Knex,
    private readonly dedup: DeduplicationRepository,
    private readonly members: MemberRepository,
    private readonly jobs: EventedJobRepository,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly projects: ProjectRepository,
    private readonly producer: JobProducer,
  ) {}

  async rules(project: ProjectContext): Promise<EmailVariantRule[]> {
    return this.dedup.rules(this.knex, project.id);
  }

  async setRules(project: ProjectContext, rules: ScanInput['rules']): Promise<EmailVariantRule[]> {
    const normalized = emailVariantRules(rules ?? []);
    await this.dedup.setRules(this.knex, project.id, normalized);
    return normalized;
  }

  async requestScan(project: ProjectContext, organizationRef: string, input: ScanInput): Promise<JobModel> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const rules = input.rules ? emailVariantRules(input.rules) : await this.dedup.rules(this.knex, project.id);
    const params: ScanJobParams = { organization_id: organization.id, rules };
    return this.start(project, SCAN_JOB_TYPE, params);
  }

  async requestMerge(project: ProjectContext, organizationRef: string, input: MergeInput): Promise<JobModel> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const primary = await this.memberService.resolveLive(this.knex, project, organization, input.primary_member_id);
    const duplicates: MemberModel[] = [];
    for (const ref of input.duplicate_member_ids) {
      const duplicate = await this.memberService.resolveLive(this.knex, project, organization, ref);
      if (duplicate.id === primary.id) {
        throw badRequest('merge_primary_in_duplicates', `${ref} is the primary member; it cannot also be a duplicate.`);
      }
      if (!duplicates.some((d) => d.id === duplicate.id)) duplicates.push(duplicate);
    }
    const params: MergeJobParams = {
      organization_id: organization.id,
      primary_member_id: primary.id,
      duplicate_member_ids: duplicates.map((d) => d.id),
      dry_run: input.dry_run ?? false,
    };
    return this.start(project, MERGE_JOB_TYPE, params);
  }

  private async start<T extends typeof MERGE_JOB_TYPE | typeof SCAN_JOB_TYPE>(
    project: ProjectContext,
    type: T,
    params: JobParams<T>,
  ): Promise<JobModel> {
    const job = await this.jobs.insert(
      this.knex,
      { id: uuidv7(), project_id: project.id, type, phase: 'queued', params, progress: {} },
      project,
    );
    await this.resume(job);
    return job;
  }

  /** Enqueues the job's work (also how the sweep resumes a job whose queue entry was lost). */
  async resume(job: Pick<JobModel, 'id' | 'type'>): Promise<'resumed'> {
    const name = job.type === MERGE_JOB_TYPE ? 'members.merge' : 'members.scan-duplicates';
    await this.producer.ensure(name, { jobId: job.id }, `${job.type}.${job.id}`);
    return 'resumed';
  }

  /**
   * The merge, in one transaction with every member involved locked. If any
   * of them changed since the request (deleted, merged elsewhere), nothing
   * happens and the job fails saying so.
   */
  async merge(jobId: string): Promise<unknown> {
    return this.knex.transaction(async (trx) => {
      const job = await this.jobs.findForWork(trx, jobId, true);
      if (!job || job.finished_at) return { skipped: true };
      await this.jobs.start(trx, jobId, {}, 'merging');
      const env = await this.envOf(trx, job);
      const params = paramsOf(job, MERGE_JOB_TYPE);
      const ids = [params.primary_member_id, ...params.duplicate_member_ids];
      const found = await this.members.lockLive(trx, params.organization_id, ids);
      const primary = found.find((m) => m.id === params.primary_member_id);
      const duplicates = params.duplicate_member_ids.map((id) => found.find((m) => m.id === id));
      if (!primary || duplicates.some((d) => !d)) {
        await this.jobs.finish(trx, jobId, 'failed', {
          error: {
            error_type: 'merge_members_changed',
            error_message: 'A member of the merge was deleted or merged since the request; nothing was changed.',
          },
        });
        return { failed: true };
      }
      const live = duplicates as MemberModel[];
      const merged = mergedMember(primary, live);
      if (!params.dry_run) {
        const context = jobContext({ id: job.project_id, env }, job);
        for (const duplicate of live) await this.memberService.endAccess(trx, context, duplicate.id);
        await this.dedup.foldInto(trx, params.organization_id, primary.id, live);
        const updated = await this.members.update(trx, params.organization_id, primary.id, merged);
        // migration.member.update: written only if an endpoint subscribes to it (EventLog).
        const organization = await this.organizations.resolve(trx, context, formatId('organization', env, params.organization_id));
        await this.memberService.recordUpdate(trx, context, organization, updated);
      }
      const result = {
        dry_run: params.dry_run,
        primary_member_id: formatId('member', env, primary.id),
        merged_member_ids: live.map((d) => formatId('member', env, d.id)),
        retired_email_addresses: live.map((d) => d.email),
        // The primary's fields after the merge (GET the member for the full Member object).
        merged_fields: { ...merged, external_id: merged.external_id ?? '' },
      };
      await this.jobs.finish(trx, jobId, 'completed', { result });
      return result;
    });
  }

  /** Records a job's permanent failure (its last attempt failed, or it can never succeed). */
  async fail(jobId: string, err: unknown): Promise<void> {
    logger.error({ job_id: jobId, err }, 'deduplication job failed');
    await this.jobs.finish(this.knex, jobId, 'failed', { error: jobError(err) });
  }

  async scan(jobId: string): Promise<unknown> {
    const job = await this.jobs.findForWork(this.knex, jobId);
    if (!job || job.finished_at) return { skipped: true };
    await this.jobs.start(this.knex, jobId, {}, 'scanning');
    const env = await this.envOf(this.knex, job);
    const params = paramsOf(job, SCAN_JOB_TYPE);
    const groups = await this.dedup.scan(this.knex, params.organization_id, params.rules, SCAN_GROUP_LIMIT + 1);
    const result = {
      truncated: groups.length > SCAN_GROUP_LIMIT,
      groups: groups.slice(0, SCAN_GROUP_LIMIT).map((g) => ({ ...g, member_ids: g.member_ids.map((id) => formatId('member', env, id)) })),
    };
    await this.jobs.finish(this.knex, jobId, 'completed', { result });
    return { groups: result.groups.length };
  }

  private async envOf(db: Knex | Knex.Transaction, job: JobModel): Promise<ProjectEnv> {
    return (await this.projects.findById(db, job.project_id))!.env;
  }
}
