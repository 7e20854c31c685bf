import type { Knex } from 'knex';
import type { MemberModel } from '../models/member.model';
import type { Db } from './db';

/**
 * What members.scim_group_roles should hold for the member row `m`: one
 * grant per (group the member is in, role assigned to that group), in a
 * fixed order so that an unchanged value compares equal and is not rewritten.
 */
const EXPECTED_ROLES = `
  COALESCE((
    SELECT jsonb_agg(
             jsonb_build_object('role_id', a.role_id, 'group_id', a.group_id, 'connection_id', a.connection_id)
             ORDER BY a.group_id, a.role_id)
      FROM scim_group_members gm
      JOIN scim_group_role_assignments a ON a.group_id = gm.group_id AND a.connection_id = gm.connection_id
     WHERE gm.member_id = m.id
  ), '[]'::jsonb)`;

/** Which members a batched refresh walks: those of a group, or of a whole connection. */
export interface RoleRefreshScope {
  connectionId: string;
  groupId?: string;
}

/** The materialized SCIM group roles of members (members.scim_group_roles). */
export class ScimRoleRepository {
  /** Recomputes the members' SCIM group roles in one UPDATE that writes only the rows whose value changes; returns those. */
  async refresh(db: Db, memberIds: string[]): Promise<MemberModel[]> {
    if (memberIds.length === 0) return [];
    return this.recompute(db, 'm.id = ANY(?::uuid[])', [memberIds]);
  }

  /** Recomputes the SCIM group roles of a group's current members, in one UPDATE; returns how many changed. */
  async refreshGroupMembers(db: Db, groupId: string): Promise<number> {
    return (await this.recompute(db, 'm.id IN (SELECT member_id FROM scim_group_members WHERE group_id = ?)', [groupId])).length;
  }

  /**
   * Recomputes, in one UPDATE, the organization's members whose roles name
   * this group or connection (after it is deleted, or they left it).
   */
  async refreshHolders(db: Db, organizationId: string, grant: { connection_id: string } | { group_id: string }): Promise<number> {
    const changed = await this.recompute(db, 'm.organization_id = ? AND m.scim_group_roles @> ?::jsonb', [
      organizationId,
      JSON.stringify([grant]),
    ]);
    return changed.length;
  }

  /**
   * Locks the members first (in id order, so concurrent refreshes cannot
   * deadlock), so that the UPDATE's snapshot, taken after the locks, sees
   * every membership change committed by whoever held them; computing
   * first would let a stale value overwrite a fresher one.
   */
  private async recompute(db: Db, where: string, bindings: Knex.RawBinding[]): Promise<MemberModel[]> {
    await db.raw(`SELECT 1 FROM members m WHERE ${where} ORDER BY m.id FOR UPDATE`, bindings);
    const result = await db.raw(
      `UPDATE members AS t SET scim_group_roles = x.expected, updated_at = now()
         FROM (SELECT m.id, ${EXPECTED_ROLES} AS expected FROM members m WHERE ${where}) AS x
        WHERE t.id = x.id AND t.scim_group_roles IS DISTINCT FROM x.expected
        RETURNING t.*`,
      bindings,
    );
    return (result as { rows: MemberModel[] }).rows;
  }

  /** The group's connection and organization, or undefined once it is deleted. */
  async findGroup(db: Db, projectId: string, groupId: string): Promise<{ connection_id: string; organization_id: string } | undefined> {
    return db('scim_groups').select('connection_id', 'organization_id').where({ project_id: projectId, id: groupId }).first();
  }

  /** A member still holding a role through this group, with the group's connection (once the group is deleted, nothing else names it). */
  async groupHolder(db: Db, projectId: string, groupId: string): Promise<{ id: string; connection_id: string } | undefined> {
    const grant = JSON.stringify([{ group_id: groupId }]);
    const result: { rows: { id: string; connection_id: string }[] } = await db.raw(
      `SELECT m.id, g->>'connection_id' AS connection_id
         FROM members m, jsonb_array_elements(m.scim_group_roles) g
        WHERE m.project_id = ? AND m.scim_group_roles @> ?::jsonb AND g->>'group_id' = ?
        LIMIT 1`,
      [projectId, grant, groupId],
    );
    return result.rows[0];
  }

  /** How many members the group has, counting no further than `limit`. */
  async countGroupMembers(db: Db, groupId: string, limit: number): Promise<number> {
    const row = await db
      .from(db('scim_group_members').select(db.raw('1')).where('group_id', groupId).limit(limit).as('g'))
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** The connection's organization, or undefined once the connection is deleted. */
  async connectionOrganization(db: Db, projectId: string, connectionId: string): Promise<string | undefined> {
    const row = await db('scim_connections').select('organization_id').where({ project_id: projectId, id: connectionId }).first();
    return row?.organization_id;
  }

  /**
   * The next `limit` members (by id, after `afterId`) of the organization
   * whose roles the scope may change: members of the scope's groups, and
   * members still holding a role through it (a group they left or that was
   * deleted). Walks the organization's (organization_id, id) index.
   */
  async nextInScope(db: Db, organizationId: string, scope: RoleRefreshScope, afterId: string | null, limit: number): Promise<string[]> {
    const marker = scope.groupId ? { group_id: scope.groupId } : { connection_id: scope.connectionId };
    const rows: { id: string }[] = await db('members as m')
      .select('m.id')
      .where('m.organization_id', organizationId)
      .modify((q) => {
        if (afterId) q.where('m.id', '>', afterId);
      })
      .andWhere((q) =>
        q
          .whereExists((e) => {
            e.select(db.raw('1')).from('scim_group_members as gm').whereRaw('gm.member_id = m.id');
            if (scope.groupId) e.where('gm.group_id', scope.groupId);
            else e.where('gm.connection_id', scope.connectionId);
          })
          .orWhereRaw('m.scim_group_roles @> ?::jsonb', [JSON.stringify([marker])]),
      )
      .orderBy('m.id')
      .limit(limit);
    return rows.map((r) => r.id);
  }

  /**
   * The next `limit` members (by id, after `afterId`) that hold SCIM group
   * roles or belong to a SCIM group, across all projects: what the
   * scheduled check walks.
   */
  async nextWithScimRoles(db: Db, afterId: string | null, limit: number): Promise<string[]> {
    // Each branch stops at `limit` on its own index: the first `limit` ids of the union are among them.
    const after = afterId ?? '00000000-0000-0000-0000-000000000000';
    const result: { rows: { id: string }[] } = await db.raw(
      `SELECT id FROM (
         (SELECT m.id FROM members m WHERE m.scim_group_roles <> '[]'::jsonb AND m.id > ? ORDER BY m.id LIMIT ?)
         UNION
         (SELECT gm.member_id AS id FROM scim_group_members gm WHERE gm.member_id > ? ORDER BY gm.member_id LIMIT ?)
       ) AS s ORDER BY id LIMIT ?`,
      [after, limit, after, limit, limit],
    );
    return result.rows.map((r) => r.id);
  }
}
