import type { Knex } from 'knex';
import type { Db } from './db';

/** A member's SCIM registration: the SCIM User resource of that member in one connection. */
export interface ScimUserRow {
  id: string;
  project_id: string;
  organization_id: string;
  connection_id: string;
  member_id: string;
  user_name: string;
  external_id: string | null;
  active: boolean;
  attributes: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type NewScimUser = Pick<
  ScimUserRow,
  'id' | 'project_id' | 'organization_id' | 'connection_id' | 'member_id' | 'user_name' | 'external_id' | 'active' | 'attributes'
>;
export type ScimUserPatch = Pick<ScimUserRow, 'user_name' | 'external_id' | 'active' | 'attributes'>;

/** A group a SCIM user belongs to, as its resource's read-only `groups` shows it. */
export interface ScimUserGroup {
  member_id: string;
  group_id: string;
  display_name: string;
}

/** A page of a connection's users: the rows asked for and the total that match. */
export interface ScimUserPage {
  rows: ScimUserRow[];
  total: number;
}

/** A compiled SCIM filter: a parameterized SQL condition over `scim_users u`. */
export interface SqlCondition {
  sql: string;
  bindings: unknown[];
}

const ENTERPRISE = `u.attributes->'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'`;
const elementsOf = (attribute: string) =>
  `jsonb_array_elements(CASE WHEN jsonb_typeof(u.attributes->'${attribute}') = 'array' THEN u.attributes->'${attribute}' ELSE '[]' END)`;

/**
 * The attributes a /Users filter may name (lower-case paths, see
 * compileFilter), as SQL over `scim_users u`. userName compares through
 * lower(), which the (connection_id, lower(user_name)) unique index serves.
 */
export const SCIM_USER_FILTER_ATTRIBUTES = {
  id: { sql: 'u.id::text', type: 'string', caseExact: true },
  username: { sql: 'u.user_name', type: 'string' },
  externalid: { sql: 'u.external_id', type: 'string', caseExact: true },
  active: { sql: 'u.active', type: 'boolean' },
  displayname: { sql: "u.attributes->>'displayName'", type: 'string' },
  'name.givenname': { sql: "u.attributes->'name'->>'givenName'", type: 'string' },
  'name.familyname': { sql: "u.attributes->'name'->>'familyName'", type: 'string' },
  'name.formatted': { sql: "u.attributes->'name'->>'formatted'", type: 'string' },
  title: { sql: "u.attributes->>'title'", type: 'string' },
  usertype: { sql: "u.attributes->>'userType'", type: 'string' },
  'emails.value': {
    sql: "u.attributes->'emails'",
    type: 'string',
    multiValued: { elements: elementsOf('emails'), value: (e: string) => `${e}->>'value'` },
  },
  'emails.type': {
    sql: "u.attributes->'emails'",
    type: 'string',
    multiValued: { elements: elementsOf('emails'), value: (e: string) => `${e}->>'type'` },
  },
  'meta.created': { sql: 'u.created_at', type: 'dateTime' },
  'meta.lastmodified': { sql: 'u.updated_at', type: 'dateTime' },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber': { sql: `${ENTERPRISE}->>'employeeNumber'`, type: 'string' },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department': { sql: `${ENTERPRISE}->>'department'`, type: 'string' },
} as const;

/** Every query is scoped by connection: a connection's token reaches its own users only. */
export class ScimUserRepository {
  async insert(db: Db, row: NewScimUser): Promise<ScimUserRow> {
    const [inserted] = await db('scim_users')
      .insert({ ...row, attributes: JSON.stringify(row.attributes) })
      .returning('*');
    return inserted;
  }

  /** `forUpdate` locks the row until the transaction ends (read-modify-write: PUT, PATCH, DELETE). */
  async findById(db: Db, connectionId: string, id: string, forUpdate = false): Promise<ScimUserRow | undefined> {
    const query = db<ScimUserRow>('scim_users').where({ connection_id: connectionId, id }).first();
    return forUpdate ? query.forUpdate() : query;
  }

  async findByMember(db: Db, memberId: string): Promise<ScimUserRow | undefined> {
    return db<ScimUserRow>('scim_users').where({ member_id: memberId }).first();
  }

  /** Another user of the connection holding this userName (any case) or externalId: SCIM's `uniqueness`. */
  async findHolder(
    db: Db,
    connectionId: string,
    userName: string,
    externalId: string | null,
    exceptId?: string,
  ): Promise<ScimUserRow | undefined> {
    const query = db<ScimUserRow>('scim_users')
      .where({ connection_id: connectionId })
      .where((q) => {
        q.whereRaw('lower(user_name) = lower(?)', [userName]);
        if (externalId !== null) q.orWhere({ external_id: externalId });
      })
      .first();
    if (exceptId !== undefined) query.whereNot({ id: exceptId });
    return query;
  }

  /** Writes the resource a PUT or PATCH produced; `version` counts the changes (meta.version). */
  async update(db: Db, connectionId: string, id: string, patch: ScimUserPatch): Promise<ScimUserRow> {
    const [row] = await db('scim_users')
      .where({ connection_id: connectionId, id })
      .update({
        ...patch,
        attributes: JSON.stringify(patch.attributes),
        version: db.raw('version + 1'),
        updated_at: db.fn.now(),
      })
      .returning('*');
    return row;
  }

  /**
   * Removes a user: its registration, its memberships of the connection's
   * groups and the roles those groups gave its member.
   */
  async delete(db: Db, connectionId: string, user: ScimUserRow): Promise<void> {
    await db('scim_group_members').where({ connection_id: connectionId, member_id: user.member_id }).delete();
    await db('members')
      .where({ id: user.member_id })
      .update({
        scim_group_roles: db.raw(
          `(SELECT coalesce(jsonb_agg(r), '[]'::jsonb) FROM jsonb_array_elements(scim_group_roles) r WHERE r->>'connection_id' <> ?)`,
          [connectionId],
        ),
      });
    await db('scim_users').where({ connection_id: connectionId, id: user.id }).delete();
  }

  /** One page of the connection's users matching `condition`, oldest first (ids are UUIDv7), and the total. */
  async list(db: Db, connectionId: string, condition: SqlCondition | undefined, offset: number, limit: number): Promise<ScimUserPage> {
    const filtered = db('scim_users as u').where('u.connection_id', connectionId);
    if (condition) filtered.whereRaw(`(${condition.sql})`, condition.bindings as readonly Knex.RawBinding[]);
    const [{ total }] = await filtered.clone().count<{ total: string }[]>({ total: '*' });
    const rows = limit === 0 ? [] : await filtered.clone().select('u.*').orderBy('u.id').offset(offset).limit(limit);
    return { rows, total: Number(total) };
  }

  /** The groups of these members in the connection, in one query. */
  async groupsOf(db: Db, connectionId: string, memberIds: string[]): Promise<ScimUserGroup[]> {
    if (memberIds.length === 0) return [];
    return db('scim_group_members as gm')
      .join('scim_groups as g', 'g.id', 'gm.group_id')
      .where('gm.connection_id', connectionId)
      .whereIn('gm.member_id', memberIds)
      .select('gm.member_id', 'gm.group_id', 'g.display_name')
      .orderBy('g.display_name');
  }

  /** The SCIM registrations of these members (Member.scim_registration), in one query. */
  async registrationsOf(db: Db, memberIds: string[]): Promise<ScimUserRow[]> {
    if (memberIds.length === 0) return [];
    return db<ScimUserRow>('scim_users').whereIn('member_id', memberIds);
  }
}
