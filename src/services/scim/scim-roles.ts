import type { Knex } from 'knex';
import { uuidv7 } from '../../ids';
import type { JobPayloads } from '../../jobs';
import { logger } from '../../logger';
import type { MemberModel } from '../../models/member.model';
import type { Db } from '../../repositories/db';
import type { OutboxRepository } from '../../repositories/outbox.repository';
import type { RoleRefreshScope, ScimRoleRepository } from '../../repositories/scim-role.repository';
import type { ScimJobMemberEvents } from '../events/scim-job-events';

/** A group this size or smaller is refreshed in the caller's transaction; a bigger one by a job. */
const IN_TRANSACTION_LIMIT = 1000;
/** Members per UPDATE (and per transaction) when a job walks a big scope, so no transaction grows with the group. */
const BATCH = 5000;

/**
 * The roles members hold through their SCIM groups (members.scim_group_roles,
 * read by effectiveRoles): recomputed from group memberships and the
 * connection's scim_group_role_assignments whenever either changes, and
 * checked on a schedule. Big recomputations go through the outbox, so a
 * committed change is never left without its refresh, even if Redis blinks.
 */
export class ScimRoles {
  constructor(
    private readonly knex: Knex,
    private readonly roles: ScimRoleRepository,
    private readonly outbox: OutboxRepository,
    private readonly memberEvents: ScimJobMemberEvents,
  ) {}

  /** Recomputes these members' SCIM group roles in trx: one set-based UPDATE (only rows whose value changes); returns those. */
  refreshMembers(trx: Db, memberIds: string[]): Promise<MemberModel[]> {
    return this.roles.refresh(trx, memberIds);
  }

  /**
   * Every member of one group: in trx when the group has at most 1,000
   * members, otherwise by a job. A deleted group's former members are found
   * by the job through the roles they still hold from it.
   */
  async refreshGroup(trx: Db, projectId: string, groupId: string): Promise<void> {
    const group = await this.roles.findGroup(trx, projectId, groupId);
    if (!group) {
      // Deleted: its memberships went with it, so its former members are those whose roles still name it.
      const holder = await this.roles.groupHolder(trx, projectId, groupId);
      if (holder) await this.enqueue(trx, { project_id: projectId, connection_id: holder.connection_id, group_id: groupId });
      return;
    }
    if ((await this.roles.countGroupMembers(trx, groupId, IN_TRANSACTION_LIMIT + 1)) <= IN_TRANSACTION_LIMIT) {
      await this.roles.refreshGroupMembers(trx, groupId);
    } else {
      await this.enqueue(trx, { project_id: projectId, connection_id: group.connection_id, group_id: groupId });
    }
  }

  /** Every member of a connection (after its role assignments change): always by a job, through the outbox, in trx. */
  async refreshConnection(trx: Db, projectId: string, connectionId: string): Promise<void> {
    await this.enqueue(trx, { project_id: projectId, connection_id: connectionId });
  }

  /**
   * Drops the roles a connection granted from its organization's members,
   * in trx, set-based: for a deleted connection, whose groups and
   * assignments cascade away with it.
   */
  async clearConnection(trx: Db, organizationId: string, connectionId: string): Promise<void> {
    await this.roles.refreshHolders(trx, organizationId, { connection_id: connectionId });
  }

  /**
   * The `scim.roles-refresh` job: walks the scope's members by id, one
   * batch per transaction, so a 50,000-member group never holds one long
   * transaction. Idempotent: a rerun rewrites nothing that is right.
   */
  async runRefresh(payload: JobPayloads['scim.roles-refresh']): Promise<{ refreshed: number }> {
    const organizationId = await this.roles.connectionOrganization(this.knex, payload.project_id, payload.connection_id);
    // A deleted connection's members were cleared in its deletion's transaction.
    if (!organizationId) return { refreshed: 0 };
    const scope: RoleRefreshScope = { connectionId: payload.connection_id, groupId: payload.group_id };
    const context = await this.memberEvents.rolesRefreshContext(this.knex, payload.project_id);
    let refreshed = 0;
    for (let after: string | null = null; ;) {
      const ids = await this.roles.nextInScope(this.knex, organizationId, scope, after, BATCH);
      if (ids.length === 0) break;
      const changed = await this.knex.transaction(async (trx) => {
        const members = await this.roles.refresh(trx, ids);
        await this.memberEvents.rolesRefreshed(trx, context, members);
        return members;
      });
      refreshed += changed.length;
      after = ids[ids.length - 1];
    }
    return { refreshed };
  }

  /**
   * The scheduled check: recomputes what members.scim_group_roles should be
   * for every member with groups or SCIM roles and repairs drift, in
   * batches (one transaction each).
   */
  async verify(): Promise<{ checked: number; repaired: number }> {
    let checked = 0;
    let repaired = 0;
    for (let after: string | null = null; ;) {
      const ids = await this.roles.nextWithScimRoles(this.knex, after, BATCH);
      if (ids.length === 0) break;
      checked += ids.length;
      repaired += (await this.knex.transaction((trx) => this.roles.refresh(trx, ids))).length;
      after = ids[ids.length - 1];
    }
    if (repaired > 0) logger.warn({ checked, repaired }, 'SCIM group roles had drifted from group memberships; repaired');
    return { checked, repaired };
  }

  private async enqueue(trx: Db, payload: JobPayloads['scim.roles-refresh']): Promise<void> {
    // A fresh queue id per request: a finished job with a fixed id would make BullMQ drop the next one.
    await this.outbox.add(trx, 'scim.roles-refresh', payload, `scim.roles-refresh.${uuidv7()}`);
  }
}
