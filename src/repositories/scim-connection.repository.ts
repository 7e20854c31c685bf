import type { ProjectEnv } from '../ids';
import type { Db } from './db';

export interface ScimConnectionRow {
  id: string;
  project_id: string;
  organization_id: string;
  display_name: string;
  identity_provider: string;
  status: string;
  bearer_token_hash: Buffer;
  bearer_token_last_four: string;
  bearer_token_expires_at: Date | null;
  next_bearer_token_hash: Buffer | null;
  next_bearer_token_last_four: string;
  next_bearer_token_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A connection as a SCIM request meets it: with its project's env, for public ids. */
export interface ScimConnectionWithProject extends ScimConnectionRow {
  project_env: ProjectEnv;
}

/** The columns a connection's management may change. */
export type ScimConnectionPatch = Partial<
  Pick<
    ScimConnectionRow,
    | 'display_name'
    | 'identity_provider'
    | 'bearer_token_hash'
    | 'bearer_token_last_four'
    | 'bearer_token_expires_at'
    | 'next_bearer_token_hash'
    | 'next_bearer_token_last_four'
    | 'next_bearer_token_expires_at'
  >
>;

export type NewScimConnection = Pick<
  ScimConnectionRow,
  'id' | 'project_id' | 'organization_id' | 'display_name' | 'identity_provider' | 'bearer_token_hash' | 'bearer_token_last_four'
>;

/** Which role a group's members hold, with the group's name (as Stytch shows it). */
export interface ScimRoleAssignmentRow {
  role_id: string;
  group_id: string;
  group_name: string;
}

export interface ScimGroupRow {
  id: string;
  display_name: string;
  organization_id: string;
  connection_id: string;
}

/** SCIM connections: the door a SCIM request opens, and their management (scoped by project and organization). */
export class ScimConnectionRepository {
  /**
   * The connection a bearer token opens: its current token (unless expired)
   * or, during a rotation, the next one. One indexed lookup per SCIM request.
   */
  async findByTokenHash(db: Db, tokenHash: Buffer): Promise<ScimConnectionWithProject | undefined> {
    return db('scim_connections as c')
      .join('projects as p', 'p.id', 'c.project_id')
      .select('c.*', 'p.env as project_env')
      .where((q) =>
        q
          .where('c.bearer_token_hash', tokenHash)
          .andWhere((e) => e.whereNull('c.bearer_token_expires_at').orWhere('c.bearer_token_expires_at', '>', db.fn.now())),
      )
      .orWhere((q) =>
        q
          .where('c.next_bearer_token_hash', tokenHash)
          .andWhere((e) => e.whereNull('c.next_bearer_token_expires_at').orWhere('c.next_bearer_token_expires_at', '>', db.fn.now())),
      )
      .first();
  }

  async insert(db: Db, row: NewScimConnection): Promise<ScimConnectionRow> {
    const [inserted] = await db('scim_connections').insert(row).returning('*');
    return inserted;
  }

  async findByOrganization(db: Db, projectId: string, organizationId: string): Promise<ScimConnectionRow | undefined> {
    return db('scim_connections').where({ project_id: projectId, organization_id: organizationId }).first();
  }

  /** The organization's connection with this id, locked until the transaction ends (management calls apply one after the other). */
  async findForUpdate(db: Db, projectId: string, organizationId: string, id: string): Promise<ScimConnectionRow | undefined> {
    return db('scim_connections').where({ project_id: projectId, organization_id: organizationId, id }).forUpdate().first();
  }

  async update(db: Db, id: string, patch: ScimConnectionPatch): Promise<ScimConnectionRow> {
    const [row] = await db('scim_connections')
      .where({ id })
      .update({ ...patch, updated_at: db.fn.now() })
      .returning('*');
    return row;
  }

  /** Deletes the connection; its groups, memberships, registrations and role assignments go with it (cascade). */
  async delete(db: Db, id: string): Promise<void> {
    await db('scim_connections').where({ id }).delete();
  }

  async roleAssignments(db: Db, connectionId: string): Promise<ScimRoleAssignmentRow[]> {
    return db('scim_group_role_assignments as a')
      .join('scim_groups as g', 'g.id', 'a.group_id')
      .select('a.role_id', 'a.group_id', 'g.display_name as group_name')
      .where('a.connection_id', connectionId)
      .orderBy(['g.display_name', 'a.role_id']);
  }

  /** Replaces the connection's role assignments; true when they changed. */
  async replaceRoleAssignments(db: Db, connectionId: string, assignments: { group_id: string; role_id: string }[]): Promise<boolean> {
    const removed = await db('scim_group_role_assignments')
      .where({ connection_id: connectionId })
      .delete()
      .returning(['group_id', 'role_id']);
    if (assignments.length > 0) {
      await db('scim_group_role_assignments')
        .insert(assignments.map((a) => ({ connection_id: connectionId, ...a })))
        .onConflict(['connection_id', 'group_id', 'role_id'])
        .ignore();
    }
    const key = (a: { group_id: string; role_id: string }) => `${a.group_id} ${a.role_id}`;
    const before = new Set(removed.map(key));
    const after = new Set(assignments.map(key));
    return before.size !== after.size || [...after].some((k) => !before.has(k));
  }

  /** Which of these group ids are groups of the connection. */
  async existingGroupIds(db: Db, connectionId: string, groupIds: string[]): Promise<Set<string>> {
    if (groupIds.length === 0) return new Set();
    const rows: { id: string }[] = await db('scim_groups').select('id').where('connection_id', connectionId).whereIn('id', groupIds);
    return new Set(rows.map((r) => r.id));
  }

  /** A page of the connection's groups by id; one more row than `limit` says that another page follows. */
  async groupsAfter(db: Db, connectionId: string, afterId: string | undefined, limit: number): Promise<ScimGroupRow[]> {
    return db('scim_groups')
      .select('id', 'display_name', 'organization_id', 'connection_id')
      .where('connection_id', connectionId)
      .modify((q) => {
        if (afterId) q.where('id', '>', afterId);
      })
      .orderBy('id')
      .limit(limit + 1);
  }
}
