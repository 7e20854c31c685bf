import type { Knex } from 'knex';
import { stringify } from 'scim2-parse-filter';
import { uuidv7 } from '../../ids';
import type { Db } from '../../repositories/db';
import type { MembershipChange, ScimGroupMemberRef, ScimGroupRepository, ScimGroupRow } from '../../repositories/scim-group.repository';
import { GROUP_FILTER_ATTRIBUTES, MEMBER_FILTER_ATTRIBUTES } from '../../repositories/scim-group.repository';
import { compileFilter, type FilterAst } from './filter';
import { applyPatch, parsePatchRequest, splitOps, type PatchOperation } from './patch';
import { GROUP_SCHEMAS, canonicalize } from './schemas';
import type { ScimContext } from './scim-auth';
import { scimBadRequest, scimNotFound } from './scim-error';
import type { MemberService } from '../member.service';
import type { ScimRoles } from './scim-roles';

/** A group as the SCIM API shows it; `members` only when the caller wants them (big groups leave them out). */
export interface ScimGroupRecord {
  group: ScimGroupRow;
  members: ScimGroupMemberRef[] | undefined;
}

/** A change of at most this many members refreshes their roles in the request's transaction; a bigger one by a job. */
const REFRESH_IN_TRANSACTION = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How many unknown ids an error names (a directory may send thousands). */
const NAMED_IN_ERRORS = 10;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The SCIM User ids of a `members` value: `[{ value }]` (or one such object, as some directories send a single add). */
function memberIdsOf(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  const ids = items.map((item) => {
    const id = isObject(item) ? Object.entries(item).find(([key]) => key.toLowerCase() === 'value')?.[1] : undefined;
    if (typeof id !== 'string' || id === '')
      throw scimBadRequest('invalidValue', `${where}: each member must be an object with a string "value" (a User id).`);
    return id.toLowerCase();
  });
  return [...new Set(ids)];
}

/**
 * The User ids a value filter names when it is only `value eq "<id>"`
 * terms joined by `or` (what directories send): those removes use the
 * users' primary key instead of comparing every member's id as text.
 */
function userIdsNamedBy(filter: FilterAst): string[] | undefined {
  if (filter.op === 'or') {
    const parts = filter.filters.map(userIdsNamedBy);
    return parts.every((part) => part !== undefined) ? parts.flat() : undefined;
  }
  if (filter.op !== 'eq' || filter.attrPath.toLowerCase() !== 'value' || typeof filter.compValue !== 'string') return undefined;
  // An id that is no uuid names no User: nothing to remove, and nothing to cast.
  return UUID.test(filter.compValue) ? [filter.compValue.toLowerCase()] : [];
}

/** The group's own attributes from a POST or PUT body (or a patched resource), checked. */
function groupAttributes(resource: Record<string, unknown>): { display_name: string; external_id: string | null } {
  const { displayName, externalId } = resource;
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw scimBadRequest('invalidValue', 'displayName is required and must be a non-empty string.');
  }
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
    throw scimBadRequest('invalidValue', 'externalId must be a string.');
  }
  return { display_name: displayName, external_id: externalId ?? null };
}

/** Several membership changes as one (their member ids only while few enough to refresh in the transaction). */
function mergeChanges(changes: MembershipChange[]): MembershipChange {
  const count = changes.reduce((sum, change) => sum + change.count, 0);
  const complete = changes.every((change) => change.memberIds !== undefined);
  const ids = complete ? [...new Set(changes.flatMap((change) => change.memberIds!))] : undefined;
  return { count, memberIds: ids && ids.length <= REFRESH_IN_TRANSACTION ? ids : undefined };
}

/**
 * SCIM Groups (RFC 7643 §4.2) of one connection. Membership is kept as rows
 * and changed set-based, so a 50,000-member group is never loaded to be
 * changed; each change refreshes the roles its members hold through the
 * group (members.scim_group_roles). Writers lock the group row first, so
 * concurrent PATCHes of one group apply one after the other.
 */
export class ScimGroupService {
  constructor(
    private readonly knex: Knex,
    private readonly groups: ScimGroupRepository,
    private readonly roles: ScimRoles,
    private readonly memberService: MemberService,
  ) {}

  async create(scim: ScimContext, body: Record<string, unknown>, withMembers: boolean): Promise<ScimGroupRecord> {
    const resource = canonicalize(body, GROUP_SCHEMAS);
    const attributes = groupAttributes(resource);
    const memberIds = resource.members === undefined || resource.members === null ? [] : memberIdsOf(resource.members, 'members');
    const { connection } = scim;
    return this.knex.transaction(async (trx) => {
      await this.checkUsers(trx, connection.id, memberIds);
      const group = await this.groups.insert(trx, {
        id: uuidv7(),
        project_id: connection.project_id,
        organization_id: connection.organization_id,
        connection_id: connection.id,
        ...attributes,
      });
      const added = await this.groups.addMembers(trx, group, memberIds, REFRESH_IN_TRANSACTION);
      await this.refreshRoles(trx, scim, group, added);
      return this.record(trx, group, withMembers);
    });
  }

  async get(scim: ScimContext, id: string, withMembers: boolean): Promise<ScimGroupRecord> {
    return this.record(this.knex, await this.find(this.knex, scim, id), withMembers);
  }

  async list(
    scim: ScimContext,
    filter: string | undefined,
    startIndex: number,
    count: number,
    withMembers: boolean,
  ): Promise<{ records: ScimGroupRecord[]; total: number }> {
    const condition = filter === undefined ? undefined : compileFilter(filter, GROUP_FILTER_ATTRIBUTES);
    const { rows, total } = await this.groups.list(this.knex, scim.connection.id, condition, startIndex - 1, count);
    const byGroup = new Map(rows.map((row) => [row.id, [] as ScimGroupMemberRef[]]));
    if (withMembers)
      for (const member of await this.groups.membersOf(
        this.knex,
        rows.map((row) => row.id),
      ))
        byGroup.get(member.group_id)!.push(member);
    return { records: rows.map((group) => ({ group, members: withMembers ? byGroup.get(group.id) : undefined })), total };
  }

  /** PUT: the group's attributes and its member set become the body's. */
  async replace(scim: ScimContext, id: string, body: Record<string, unknown>, withMembers: boolean): Promise<ScimGroupRecord> {
    const resource = canonicalize(body, GROUP_SCHEMAS);
    const attributes = groupAttributes(resource);
    const memberIds = resource.members === undefined || resource.members === null ? [] : memberIdsOf(resource.members, 'members');
    return this.knex.transaction(async (trx) => {
      const group = await this.find(trx, scim, id, true);
      await this.checkUsers(trx, group.connection_id, memberIds);
      const removed = await this.groups.removeMembersExcept(trx, group.id, memberIds, REFRESH_IN_TRANSACTION);
      const added = await this.groups.addMembers(trx, group, memberIds, REFRESH_IN_TRANSACTION);
      const updated = await this.groups.update(trx, group.id, attributes);
      await this.refreshRoles(trx, scim, group, mergeChanges([removed, added]));
      return this.record(trx, updated, withMembers);
    });
  }

  /**
   * PATCH, all operations or none: displayName and externalId are patched
   * on the small resource (applyPatch), `members` operations run as SQL on
   * the membership rows, all in one transaction that any refused operation
   * rolls back.
   */
  async patch(scim: ScimContext, id: string, body: unknown): Promise<void> {
    const operations = parsePatchRequest(body, GROUP_SCHEMAS);
    const { matching: memberOperations, rest } = splitOps(operations, 'members');
    await this.knex.transaction(async (trx) => {
      const group = await this.find(trx, scim, id, true);
      const current = {
        id: group.id,
        displayName: group.display_name,
        ...(group.external_id === null ? {} : { externalId: group.external_id }),
      };
      const attributes = groupAttributes(applyPatch(current, rest, GROUP_SCHEMAS));
      const changes: MembershipChange[] = [];
      for (const operation of memberOperations) changes.push(await this.patchMembers(trx, group, operation));
      await this.groups.update(trx, group.id, attributes);
      await this.refreshRoles(trx, scim, group, mergeChanges(changes));
    });
  }

  /** DELETE: the group goes, and its members lose the roles it granted, in the same transaction. */
  async delete(scim: ScimContext, id: string): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const group = await this.find(trx, scim, id, true);
      // Before the delete: the role assignments cascade away with the group.
      const grantsRoles = await this.groups.grantsRoles(trx, group.id);
      const removed = await this.groups.removeAll(trx, group.id, REFRESH_IN_TRANSACTION);
      await this.groups.delete(trx, group.id);
      if (grantsRoles) await this.refreshChanged(trx, scim, removed);
    });
  }

  private async patchMembers(trx: Db, group: ScimGroupRow, operation: PatchOperation): Promise<MembershipChange> {
    const path = operation.path!;
    if (path.subAttribute !== undefined) {
      throw scimBadRequest('mutability', `${path.raw}: a member's sub-attributes are immutable; add or remove the member instead.`);
    }
    if (operation.op === 'remove') {
      if (path.valueFilter !== undefined) {
        const named = userIdsNamedBy(path.valueFilter);
        if (named) return this.groups.removeMembers(trx, group, named, REFRESH_IN_TRANSACTION);
        const condition = compileFilter(stringify(path.valueFilter), MEMBER_FILTER_ATTRIBUTES);
        return this.groups.removeWhere(trx, group, condition, REFRESH_IN_TRANSACTION);
      }
      // Entra names the members to remove in `value`; without one, every member goes (RFC 7644 §3.5.2.2).
      if (operation.value === undefined || operation.value === null) return this.groups.removeAll(trx, group.id, REFRESH_IN_TRANSACTION);
      const ids = memberIdsOf(operation.value, `remove ${path.raw}`).filter((memberId) => UUID.test(memberId));
      return this.groups.removeMembers(trx, group, ids, REFRESH_IN_TRANSACTION);
    }
    if (path.valueFilter !== undefined) {
      throw scimBadRequest('invalidPath', `${operation.op} ${path.raw}: members are added or replaced by value; remove them by filter.`);
    }
    const ids =
      operation.value === undefined || operation.value === null ? [] : memberIdsOf(operation.value, `${operation.op} ${path.raw}`);
    await this.checkUsers(trx, group.connection_id, ids);
    const removed = operation.op === 'replace' ? [await this.groups.removeMembersExcept(trx, group.id, ids, REFRESH_IN_TRANSACTION)] : [];
    return mergeChanges([...removed, await this.groups.addMembers(trx, group, ids, REFRESH_IN_TRANSACTION)]);
  }

  /** Members must be Users of this very connection: anything else is refused, naming the ids. */
  private async checkUsers(trx: Db, connectionId: string, userIds: string[]): Promise<void> {
    const malformed = userIds.filter((userId) => !UUID.test(userId));
    const unknown = [
      ...malformed,
      ...(await this.groups.unknownUsers(
        trx,
        connectionId,
        userIds.filter((userId) => UUID.test(userId)),
      )),
    ];
    if (unknown.length === 0) return;
    const named = unknown.slice(0, NAMED_IN_ERRORS).map((userId) => JSON.stringify(userId));
    const more = unknown.length > NAMED_IN_ERRORS ? ` and ${unknown.length - NAMED_IN_ERRORS} more` : '';
    throw scimBadRequest('invalidValue', `members: no User of this connection has the id ${named.join(', ')}${more}.`);
  }

  private async refreshRoles(trx: Db, scim: ScimContext, group: ScimGroupRow, change: MembershipChange): Promise<void> {
    if (change.count > 0 && (await this.groups.grantsRoles(trx, group.id))) await this.refreshChanged(trx, scim, change);
  }

  /**
   * A small change is refreshed here, each member whose roles changed with its scim.member.update in this
   * transaction; a big one by the connection-wide job, which also reaches members that left the group
   * (refreshGroup would only walk the members it still has when it has few).
   */
  private async refreshChanged(trx: Db, scim: ScimContext, change: MembershipChange): Promise<void> {
    if (!change.memberIds) return this.roles.refreshConnection(trx, scim.project.id, scim.connection.id);
    const changed = await this.roles.refreshMembers(trx, change.memberIds);
    await this.memberService.recordUpdates(trx, scim.project, scim.connection.organization_id, changed);
  }

  private async find(db: Db, scim: ScimContext, id: string, forUpdate = false): Promise<ScimGroupRow> {
    const group = UUID.test(id) ? await this.groups.find(db, scim.connection.id, id.toLowerCase(), forUpdate) : undefined;
    if (!group) throw scimNotFound(`No Group with id ${JSON.stringify(id)} in this SCIM connection.`);
    return group;
  }

  private async record(db: Db, group: ScimGroupRow, withMembers: boolean): Promise<ScimGroupRecord> {
    return { group, members: withMembers ? await this.groups.membersOf(db, [group.id]) : undefined };
  }
}
