import { formatId } from '../../ids';
import type { JobModel } from '../../models/job.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { SliceMembers } from '../../repositories/member-import/apply';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { ProjectRepository } from '../../repositories/project.repository';
import type { MemberRecord, MemberService } from '../member.service';
import type { ProjectContext } from '../project-context';
import type { EventLog } from './event-log';
import type { EventObjects } from './event-objects';
import type { EventAction, EventInput } from './event-types';
import { jobContext } from './job-events';

const CREATE = 'migration.member.create';
const UPDATE = 'migration.member.update';

/** A migration slice's per-member events: which are wanted, in the job's context. */
export interface WantedMemberEvents {
  context: ProjectContext;
  create: boolean;
  update: boolean;
}

/**
 * A member import's events beyond its job's summary events (EventedJobRepository): the organizations it creates,
 * and its per-member events (`migration.member.create` / `.update`), written only when an enabled endpoint names
 * them, a slice at a time: the slice's statement answers the members it wrote, and their events go in one INSERT
 * in the slice's transaction.
 */
export class MigrationMemberEvents {
  constructor(
    private readonly log: EventLog,
    private readonly objects: EventObjects,
    private readonly projects: ProjectRepository,
    private readonly organizations: OrganizationRepository,
    private readonly memberService: MemberService,
  ) {}

  async wanted(db: Db, job: JobModel): Promise<WantedMemberEvents> {
    const context = await this.context(db, job);
    const wanted = await this.log.wanted(db, context, 'member', [CREATE, UPDATE]);
    return { context, create: wanted.has(CREATE), update: wanted.has(UPDATE) };
  }

  /**
   * `migration.organization.create` for each organization the import created: few (one per new slug), so always
   * written, all in one INSERT in the planning transaction that created them.
   */
  async organizationsCreated(db: Db, job: JobModel, organizations: OrganizationModel[]): Promise<void> {
    if (organizations.length === 0) return;
    const context = await this.context(db, job);
    await this.log.record(
      db,
      context,
      organizations.map((organization) => ({
        objectType: 'organization' as const,
        action: 'CREATE' as const,
        objectId: formatId('organization', context.env, organization.id),
        organizationId: organization.id,
        object: this.objects.organization(context.env, organization),
      })),
    );
  }

  private async context(db: Db, job: JobModel): Promise<ProjectContext> {
    return jobContext((await this.projects.findById(db, job.project_id))!, job);
  }

  /**
   * The slice's members as the API answers them: a created one has nothing registered or retired yet; the updated
   * ones' records (SSO and SCIM registrations, retired emails) are read set-based, as members.search reads them.
   */
  async record(db: Db, wanted: WantedMemberEvents, written: SliceMembers): Promise<void> {
    const { context } = wanted;
    const all = [...(wanted.create ? written.created : []), ...(wanted.update ? written.updated : [])];
    if (all.length === 0) return;
    const organizationIds = [...new Set(all.map((m) => m.organization_id))];
    const organizations = await this.organizations.findByIds(db, context.id, organizationIds);
    const organizationOf = new Map(organizations.map((o) => [o.id, o]));
    const updated = wanted.update ? await this.memberService.records(db, written.updated, organizations) : [];
    const input = (action: EventAction, record: MemberRecord): EventInput => ({
      objectType: 'member',
      action,
      objectId: formatId('member', context.env, record.member.id),
      organizationId: record.member.organization_id,
      object: this.objects.member(context.env, record),
    });
    const created = wanted.create ? written.created : [];
    await this.log.record(db, context, [
      ...created.map((member) => input('CREATE', { member, organization: organizationOf.get(member.organization_id)!, retiredEmails: [] })),
      ...updated.map((record) => input('UPDATE', record)),
    ]);
  }
}
