import { formatId } from '../../ids';
import type { JobModel } from '../../models/job.model';
import type { MemberModel } from '../../models/member.model';
import type { Db } from '../../repositories/db';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { ProjectRepository } from '../../repositories/project.repository';
import type { ReconcileScope, ScimReconcileRepository } from '../../repositories/scim-reconcile.repository';
import type { MemberService } from '../member.service';
import type { ProjectContext } from '../project-context';
import type { EventLog } from './event-log';
import type { EventObjects } from './event-objects';
import { eventName, EVENT_ACTIONS, type EventAction, type EventInput } from './event-types';
import { jobContext } from './job-events';

/** Changed members presented per batch: one set of reads and one event INSERT each, however large the reconcile. */
const BATCH = 1000;

/**
 * The per-member events of SCIM's bulk jobs (`scim.member.*`, the job the actor): a directory reconcile's and a
 * roles refresh's. Opt-in (OPT_IN_EVENTS): the job asks first which are wanted, and reads and presents its
 * members only then, in the transaction that changed them.
 */
export class ScimJobMemberEvents {
  constructor(
    private readonly log: EventLog,
    private readonly objects: EventObjects,
    private readonly projects: ProjectRepository,
    private readonly organizations: OrganizationRepository,
    private readonly memberService: MemberService,
    private readonly reconciles: ScimReconcileRepository,
  ) {}

  /** After an applied reconcile, in its transaction: an event per member it created, changed or took access from. */
  async reconciled(db: Db, job: JobModel, scope: ReconcileScope): Promise<void> {
    const context = jobContext((await this.projects.findById(db, job.project_id))!, job);
    const wanted = await this.log.wanted(
      db,
      context,
      'member',
      EVENT_ACTIONS.map((action) => eventName('SCIM', 'member', action)),
    );
    const actions = EVENT_ACTIONS.filter((action) => wanted.has(eventName('SCIM', 'member', action)));
    if (actions.length === 0) return;
    for (let after = 0; ;) {
      const batch = await this.reconciles.reconciledMembers(db, scope.jobId, actions, after, BATCH);
      if (batch.length === 0) return;
      await this.record(db, context, batch);
      after = batch[batch.length - 1].seq;
    }
  }

  /**
   * The context of a `scim.roles-refresh` job of the project: a job of the directory's (source SCIM) without a
   * jobs row, so no public id.
   */
  async rolesRefreshContext(db: Db, projectId: string): Promise<ProjectContext> {
    const project = (await this.projects.findById(db, projectId))!;
    return {
      id: project.id,
      env: project.env,
      publicId: formatId('project', project.env, project.id),
      actor: { source: 'SCIM', type: 'job', id: null },
    };
  }

  /** After a roles refresh batch, in its transaction: `scim.member.update` for each member whose roles it changed. */
  async rolesRefreshed(db: Db, context: ProjectContext, members: MemberModel[]): Promise<void> {
    if (members.length === 0) return;
    const update = eventName('SCIM', 'member', 'UPDATE');
    if (!(await this.log.wanted(db, context, 'member', [update])).has(update)) return;
    await this.record(
      db,
      context,
      members.map((member) => ({ action: 'UPDATE' as const, member })),
    );
  }

  /** The members' events, with each created or updated one's Member as members.get answers it, in one INSERT. */
  private async record(db: Db, context: ProjectContext, changes: { action: EventAction; member: MemberModel }[]): Promise<void> {
    const shown = changes.filter(({ action }) => action !== 'DELETE').map(({ member }) => member);
    const organizations = await this.organizations.findByIds(db, context.id, [...new Set(shown.map((m) => m.organization_id))]);
    const records = new Map((await this.memberService.records(db, shown, organizations)).map((r) => [r.member.id, r]));
    await this.log.record(
      db,
      context,
      changes.map(({ action, member }): EventInput => {
        const record = records.get(member.id);
        return {
          objectType: 'member',
          action,
          objectId: formatId('member', context.env, member.id),
          organizationId: member.organization_id,
          object: record && this.objects.member(context.env, record),
        };
      }),
    );
  }
}
