import type { Knex } from 'knex';
import type { Db } from './db';

export interface ScimGroupRow {
  id: string;
  project_id: string;
  organization_id: string;
  connection_id: string;
  display_name: string;
  external_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type NewScimGroup = Pick<ScimGroupRow, 'id' | 'project_id' | 'organization_id' | 'connection_id' | 'display_name' | 'external_id'>;

/** One member of a group as SCIM lists it: the SCIM User id (`value`) and its userName. */
export interface ScimGroupMemberRef {
  group_id: string;
  value: string;
  display: string;
}

/**
 * The members a membership statement added or removed: how many, and their
 * member ids when there are at most `limit` of them (a bigger change is
 * refreshed by a job, so its ids never cross the wire).
 */
export interface MembershipChange {
  count: number;
  memberIds: string[] | undefined;
}

/** A parameterized SQL condition (a compiled SCIM filter); its values only ever travel as bindings. */
export interface SqlCondition {
  sql: string;
  bindings: unknown[];
}

const bound = (bindings: unknown[]) => bindings as Knex.RawBinding[];

/** A group's members as rows `(value, display)`: the FROM item a `members` filter scans. */
const MEMBER_ROWS = `(SELECT u.id::text AS value, u.user_name AS display
   FROM scim_group_members gm JOIN scim_users u ON u.member_id = gm.member_id
  WHERE gm.group_id = g.id)`;

/** The attributes a /Groups filter may name (lower-case paths, see compileFilter), as SQL over `scim_groups g`. */
export const GROUP_FILTER_ATTRIBUTES = {
  id: { sql: 'g.id::text', type: 'string', caseExact: true },
  displayname: { sql: 'g.display_name', type: 'string' },
  externalid: { sql: 'g.external_id', type: 'string', caseExact: true },
  'members.value': {
    sql: 'g.id',
    type: 'string',
    caseExact: true,
    multiValued: { elements: MEMBER_ROWS, value: (m: string) => `${m}.value` },
  },
  'members.display': { sql: 'g.id', type: 'string', multiValued: { elements: MEMBER_ROWS, value: (m: string) => `${m}.display` } },
  'meta.created': { sql: 'g.created_at', type: 'dateTime' },
  'meta.lastmodified': { sql: 'g.updated_at', type: 'dateTime' },
} as const;

/** What a value-path filter on members (`members[value eq "…"]`) may name, as SQL over the member's `scim_users u`. */
export const MEMBER_FILTER_ATTRIBUTES = {
  value: { sql: 'u.id::text', type: 'string', caseExact: true },
  display: { sql: 'u.user_name', type: 'string' },
} as const;

const EMPTY_CHANGE: MembershipChange = { count: 0, memberIds: [] };

/**
 * SCIM Groups of a connection and their members. Membership is always
 * changed by set-based statements keyed on SCIM User ids (scim_users.id,
 * of the same connection): a 50,000-member group is never read whole to
 * change it.
 */
export class ScimGroupRepository {
  async insert(db: Db, group: NewScimGroup): Promise<ScimGroupRow> {
    const [row] = await db('scim_groups').insert(group).returning('*');
    return row;
  }

  /** A group of this connection; writers pass `forUpdate` so concurrent changes to one group queue up. */
  async find(db: Db, connectionId: string, id: string, forUpdate = false): Promise<ScimGroupRow | undefined> {
    const query = db('scim_groups').where({ connection_id: connectionId, id }).first();
    return forUpdate ? query.forUpdate() : query;
  }

  /** Writes the group's own attributes (or none) and counts the change: version grows with every change of the group. */
  async update(db: Db, id: string, fields: Partial<Pick<ScimGroupRow, 'display_name' | 'external_id'>>): Promise<ScimGroupRow> {
    const [row] = await db('scim_groups')
      .where({ id })
      .update({ ...fields, version: db.raw('version + 1'), updated_at: db.fn.now() })
      .returning('*');
    return row;
  }

  async delete(db: Db, id: string): Promise<void> {
    await db('scim_groups').where({ id }).delete();
  }

  /** One page of the connection's groups (oldest first, `offset` 0-based) matching `filter`, and how many match. */
  async list(
    db: Db,
    connectionId: string,
    filter: SqlCondition | undefined,
    offset: number,
    limit: number,
  ): Promise<{ rows: ScimGroupRow[]; total: number }> {
    const matching = db('scim_groups as g').where('g.connection_id', connectionId);
    if (filter) matching.whereRaw(filter.sql, bound(filter.bindings));
    const [rows, counted] = await Promise.all([
      limit === 0 ? [] : matching.clone().select('g.*').orderBy('g.id').offset(offset).limit(limit),
      matching.clone().count({ total: '*' }).first(),
    ]);
    return { rows, total: Number(counted?.total ?? 0) };
  }

  /** The members of these groups, in the primary key's order (no sort of a big group's rows). */
  async membersOf(db: Db, groupIds: string[]): Promise<ScimGroupMemberRef[]> {
    if (groupIds.length === 0) return [];
    return db('scim_group_members as gm')
      .join('scim_users as u', 'u.member_id', 'gm.member_id')
      .select('gm.group_id', 'u.id as value', 'u.user_name as display')
      .whereIn('gm.group_id', groupIds)
      .orderBy(['gm.group_id', 'gm.member_id']);
  }

  /** Which of these SCIM User ids are not users of this connection. */
  async unknownUsers(db: Db, connectionId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const result: { rows: { id: string }[] } = await db.raw(
      `SELECT given.id FROM unnest(?::uuid[]) AS given(id)
        WHERE NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.connection_id = ? AND u.id = given.id)`,
      [userIds, connectionId],
    );
    return result.rows.map((r) => r.id);
  }

  /** Adds these SCIM Users of the group's connection to it; ones already in it stay as they are. */
  async addMembers(db: Db, group: ScimGroupRow, userIds: string[], limit: number): Promise<MembershipChange> {
    if (userIds.length === 0) return EMPTY_CHANGE;
    return this.change(
      db,
      `INSERT INTO scim_group_members AS gm (group_id, member_id, connection_id)
       SELECT ?, u.member_id, u.connection_id FROM scim_users u WHERE u.connection_id = ? AND u.id = ANY(?::uuid[])
       ON CONFLICT DO NOTHING`,
      [group.id, group.connection_id, userIds],
      limit,
    );
  }

  /** Removes these SCIM Users from the group; ones not in it are ignored. */
  async removeMembers(db: Db, group: ScimGroupRow, userIds: string[], limit: number): Promise<MembershipChange> {
    if (userIds.length === 0) return EMPTY_CHANGE;
    return this.removeWhere(db, group, { sql: 'u.id = ANY(?::uuid[])', bindings: [userIds] }, limit);
  }

  /** Removes every member but these SCIM Users (a replace of the member set, before the additions). */
  async removeMembersExcept(db: Db, groupId: string, keepUserIds: string[], limit: number): Promise<MembershipChange> {
    return this.change(
      db,
      `DELETE FROM scim_group_members gm
        WHERE gm.group_id = ? AND NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.member_id = gm.member_id AND u.id = ANY(?::uuid[]))`,
      [groupId, keepUserIds],
      limit,
    );
  }

  /**
   * Removes the members whose SCIM User row `u` matches `condition` (a
   * value-path remove, `members[value eq "…"]`). The users are found among
   * the connection's first, so a few removals never walk a big group.
   */
  async removeWhere(db: Db, group: ScimGroupRow, condition: SqlCondition, limit: number): Promise<MembershipChange> {
    return this.change(
      db,
      `DELETE FROM scim_group_members gm
        WHERE gm.group_id = ? AND gm.member_id IN (SELECT u.member_id FROM scim_users u WHERE u.connection_id = ? AND (${condition.sql}))`,
      [group.id, group.connection_id, ...condition.bindings],
      limit,
    );
  }

  /** Removes every member. */
  async removeAll(db: Db, groupId: string, limit: number): Promise<MembershipChange> {
    return this.change(db, 'DELETE FROM scim_group_members gm WHERE gm.group_id = ?', [groupId], limit);
  }

  /** Whether any role is assigned to the group (if none, its members' roles do not depend on it). */
  async grantsRoles(db: Db, groupId: string): Promise<boolean> {
    const row = await db('scim_group_role_assignments').select(db.raw('1')).where({ group_id: groupId }).first();
    return row !== undefined;
  }

  /** Runs a membership INSERT or DELETE and sums up the member ids it touched, sending at most `limit` of them back. */
  private async change(db: Db, statement: string, bindings: unknown[], limit: number): Promise<MembershipChange> {
    // Every statement names scim_group_members `gm`, so one RETURNING fits them all.
    const result: { rows: { count: number; ids: string[] | null }[] } = await db.raw(
      `WITH changed AS (${statement} RETURNING gm.member_id)
       SELECT count(*)::int AS count, (array_agg(member_id))[1:?] AS ids FROM changed`,
      bound([...bindings, limit + 1]),
    );
    const { count, ids } = result.rows[0];
    return { count, memberIds: count <= limit ? (ids ?? []) : undefined };
  }
}
