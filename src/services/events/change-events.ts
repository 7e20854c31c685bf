import { isDeepStrictEqual } from 'node:util';
import { formatId } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { MemberRecord } from '../member.service';
import type { ProjectContext } from '../project-context';
import type { ScimConnectionRecord } from '../scim/scim-connection.service';
import type { SsoConnectionRecord } from '../sso/connections/sso-connection.service';
import { connectionPublicId } from '../sso/connections/sso-connections';
import type { EventLog } from './event-log';
import type { EventObjects } from './event-objects';
import type { EventAction, EventInput } from './event-types';

/** A session that ended: its bare id and organization. */
export interface EndedSession {
  id: string;
  organization_id: string;
}

/**
 * The events of single changes, each with the object as the API answers it, written by the service making the
 * change in its transaction (`db` is that transaction). The name follows the actor's source: a member the API
 * creates is `direct.member.create`, one a SCIM connection creates `scim.member.create`.
 */
export class ChangeEvents {
  constructor(
    private readonly log: EventLog,
    private readonly objects: EventObjects,
  ) {}

  /** A member created or updated (reactivations included). */
  async member(db: Db, project: ProjectContext, action: 'CREATE' | 'UPDATE', record: MemberRecord): Promise<void> {
    await this.members(db, project, [{ action, record }]);
  }

  /** Members created or updated together (invites), in one INSERT. */
  async members(db: Db, project: ProjectContext, changes: { action: 'CREATE' | 'UPDATE'; record: MemberRecord }[]): Promise<void> {
    await this.log.record(
      db,
      project,
      changes.map(({ action, record }) => this.memberInput(project, action, record.member, this.objects.member(project.env, record))),
    );
  }

  async memberDeleted(db: Db, project: ProjectContext, member: MemberModel): Promise<void> {
    await this.log.record(db, project, this.memberInput(project, 'DELETE', member, undefined));
  }

  private memberInput(project: ProjectContext, action: EventAction, member: MemberModel, object: unknown): EventInput {
    return {
      objectType: 'member',
      action,
      objectId: formatId('member', project.env, member.id),
      organizationId: member.organization_id,
      object,
    };
  }

  async organization(db: Db, project: ProjectContext, action: EventAction, organization: OrganizationModel): Promise<void> {
    await this.log.record(db, project, {
      objectType: 'organization',
      action,
      objectId: formatId('organization', project.env, organization.id),
      organizationId: organization.id,
      object: action === 'DELETE' ? undefined : this.objects.organization(project.env, organization),
    });
  }

  /** An organization update when the Organization object differs from before (a side effect of another change). */
  async organizationIfChanged(db: Db, project: ProjectContext, before: OrganizationModel, after: OrganizationModel): Promise<void> {
    if (isDeepStrictEqual(this.objects.organization(project.env, before), this.objects.organization(project.env, after))) return;
    await this.organization(db, project, 'UPDATE', after);
  }

  async ssoConnection(db: Db, project: ProjectContext, action: EventAction, record: SsoConnectionRecord): Promise<void> {
    const { connection } = record;
    await this.log.record(db, project, {
      objectType: connection.kind === 'oidc' ? 'oidc_connection' : 'saml_connection',
      action,
      objectId: connectionPublicId(project.env, connection),
      organizationId: connection.organization_id,
      object: action === 'DELETE' ? undefined : this.objects.ssoConnection(record),
    });
  }

  async scimConnection(db: Db, project: ProjectContext, action: EventAction, record: ScimConnectionRecord): Promise<void> {
    const { connection } = record;
    await this.log.record(db, project, {
      objectType: 'scim_connection',
      action,
      objectId: formatId('scim-connection', project.env, connection.id),
      organizationId: connection.organization_id,
      object: action === 'DELETE' ? undefined : this.objects.scimConnection(project.env, record),
    });
  }

  /** `direct.member_session.delete` for each ended session, in one INSERT. */
  async sessionsEnded(db: Db, project: ProjectContext, sessions: EndedSession[]): Promise<void> {
    await this.log.record(
      db,
      project,
      sessions.map((session) => ({
        objectType: 'member_session' as const,
        action: 'DELETE' as const,
        objectId: formatId('member-session', project.env, session.id),
        organizationId: session.organization_id,
      })),
    );
  }
}
