import { formatId } from '../../ids';
import type { JobModel } from '../../models/job.model';
import type { MemberModel, MemberRetiredEmailModel } from '../../models/member.model';
import type { Db } from '../../repositories/db';
import type { SliceMembers } from '../../repositories/member-import/apply';
import type { MemberRepository } from '../../repositories/member.repository';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { ProjectRepository } from '../../repositories/project.repository';
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
 * A member import's per-member events (`migration.member.create` / `.update`). A job records one summary event
 * (EventedJobRepository); these are written only when an enabled endpoint names them, a slice at a time: the
 * slice's statement answers the members it wrote, and their events go in one INSERT in the slice's transaction.
 */
export class MigrationMemberEvents {
  constructor(
    private readonly log: EventLog,
    private readonly objects: EventObjects,
    private readonly projects: ProjectRepository,
    private readonly organizations: OrganizationRepository,
    private readonly members: MemberRepository,
  ) {}

  async wanted(db: Db, job: JobModel): Promise<WantedMemberEvents> {
    const project = (await this.projects.findById(db, job.project_id))!;
    const context = jobContext(project, job);
    const wanted = await this.log.wanted(db, context, [CREATE, UPDATE]);
    return { context, create: wanted.has(CREATE), update: wanted.has(UPDATE) };
  }

  /** The slice's members as the API answers them (an imported member has no SSO or SCIM registration yet). */
  async record(db: Db, wanted: WantedMemberEvents, written: SliceMembers): Promise<void> {
    const { context } = wanted;
    const all = [...(wanted.create ? written.created : []), ...(wanted.update ? written.updated : [])];
    if (all.length === 0) return;
    const organizationIds = [...new Set(all.map((m) => m.organization_id))];
    // One after the other: both run on the slice's transaction, one connection.
    const organizations = await this.organizations.findByIds(db, context.id, organizationIds);
    const retired = wanted.update
      ? await this.members.retiredEmails(
          db,
          written.updated.map((m) => m.id),
        )
      : [];
    const organizationOf = new Map(organizations.map((o) => [o.id, o]));
    const retiredOf = new Map<string, MemberRetiredEmailModel[]>();
    for (const r of retired) retiredOf.set(r.member_id, [...(retiredOf.get(r.member_id) ?? []), r]);
    const input =
      (action: EventAction) =>
      (member: MemberModel): EventInput => ({
        objectType: 'member',
        action,
        objectId: formatId('member', context.env, member.id),
        organizationId: member.organization_id,
        object: this.objects.member(context.env, {
          member,
          organization: organizationOf.get(member.organization_id)!,
          retiredEmails: retiredOf.get(member.id) ?? [],
        }),
      });
    await this.log.record(db, context, [
      ...(wanted.create ? written.created.map(input('CREATE')) : []),
      ...(wanted.update ? written.updated.map(input('UPDATE')) : []),
    ]);
  }
}
