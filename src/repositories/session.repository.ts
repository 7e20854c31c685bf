import type { JWK } from 'jose';
import type { Knex } from 'knex';
import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import { type Db, isTransaction, queryPrepared, withDates } from './db';
import { type Entered, enteredOf, type EnteredRow, enterAndGrant, type GrantSource } from './exchange-entry';
import { type MemberSsoRegistrationRow, registrationsFromJson, registrationsJson } from './sso-sign-in.repository';

/** One factor a member proved, as Stytch's session objects list it. */
export interface AuthenticationFactor {
  type: string;
  delivery_method: string;
  last_authenticated_at: string;
  email_factor?: { email_id: string; email_address: string };
  phone_number_factor?: { phone_id: string; phone_number: string };
  authenticator_app_factor?: { totp_id: string };
  recovery_code_factor?: { totp_recovery_code_id: string };
  oidc_sso_factor?: SsoFactor;
  saml_sso_factor?: SsoFactor;
}

/** Stytch's SSO factor: the member's registration at the connection (provider_id) and the IdP subject. */
export interface SsoFactor {
  id: string;
  provider_id: string;
  external_id: string;
}

/**
 * A role an SSO connection grants (its implicit assignments, or one of its
 * groups the IdP named): held by the session that signed in through the
 * connection only. connection_id is the connection's public id, as the
 * role's source names it.
 */
export interface SsoSessionRole {
  role_id: string;
  connection_id: string;
  group?: string;
}

export interface SessionRow {
  id: string;
  project_id: string;
  organization_id: string;
  member_id: string;
  authentication_factors: AuthenticationFactor[];
  custom_claims: Record<string, unknown>;
  sso_connection_id: string | null;
  sso_roles: SsoSessionRole[];
  started_at: Date;
  last_accessed_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

/** The SSO sign-in a session was started through (or an SSO factor added to it): its connection and the roles it grants. */
export type SessionSso = Pick<SessionRow, 'sso_connection_id' | 'sso_roles'>;

/** A session no SSO connection vouched for. */
export const NO_SSO: SessionSso = { sso_connection_id: null, sso_roles: [] };

/** A public signing key as Stytch publishes it: every field the SDK's `JWK` type declares. */
export interface PublishedJwk {
  kty: string;
  use: string;
  key_ops: string[];
  alg: string;
  kid: string;
  /** A self-signed certificate of the key (base64 DER), and its SHA-256 thumbprint (base64url, RFC 7517 §4.9). */
  x5c: string[];
  x5tS256: string;
  n: string;
  e: string;
}

export interface SigningKeyRow {
  kid: string;
  project_id: string;
  private_jwk: JWK;
  public_jwk: PublishedJwk;
  created_at: Date;
  retired_at: Date | null;
}

/** A live session with the live member and organization it belongs to. */
export interface OwnedSession {
  session: SessionRow;
  member: MemberModel;
  organization: OrganizationModel;
}

/** A live session as sessions.authenticate answers it: its member shows its SSO registrations. */
export interface AnsweredSession extends OwnedSession {
  ssoRegistrations: MemberSsoRegistrationRow[];
}

const SESSION_COLUMNS = [
  'id',
  'project_id',
  'organization_id',
  'member_id',
  'authentication_factors',
  'custom_claims',
  'sso_connection_id',
  'sso_roles',
  'started_at',
  'last_accessed_at',
  'expires_at',
  'revoked_at',
];

type OwnedRow = SessionRow & { member: MemberModel; organization: OrganizationModel };
type AnsweredRow = OwnedRow & { sso_registrations: MemberSsoRegistrationRow[] };

/** A live session, by its id or token hash, with its live member and organization: the join both forms of findOwned use. */
const ownedBy = (by: 'id' | 'token_hash', project: string, key: string) =>
  `m.id = s.member_id AND m.status <> 'deleted' AND o.id = s.organization_id AND o.deleted_at IS NULL
   AND s.project_id = ${project} AND s.${by} = ${key} AND s.revoked_at IS NULL AND s.expires_at > now()`;

const OWNED_COLUMNS = `${SESSION_COLUMNS.map((c) => `s.${c}`).join(', ')}, row_to_json(m) AS member, row_to_json(o) AS organization`;
const ANSWERED_COLUMNS = `${OWNED_COLUMNS}, ${registrationsJson('m.id')} AS sso_registrations`;

const ownedSessionBy = (by: 'id' | 'token_hash', project: string, key: string, columns = OWNED_COLUMNS) =>
  `SELECT ${columns} FROM member_sessions s, members m, organizations o WHERE ${ownedBy(by, project, key)}`;

/** What an exchange reads of its prior session: what the session proved, and as whom. */
export type EnteringPrior = Pick<SessionRow, 'member_id' | 'organization_id' | 'authentication_factors'>;

/** A live session as an exchange's prior: its member's address, what the exchange enters, and the session granted at once, if it was (enterAndGrant). */
export interface EnteringSession {
  session: EnteringPrior;
  holder: Pick<MemberModel, 'id' | 'email' | 'email_normalized'>;
  entered: Entered;
  granted: SessionRow | undefined;
}

/** The session an exchange's statement inserts if it grants one (enterAndGrant): made ahead, in case. */
export interface SessionGrant {
  id: string;
  token_hash: Buffer;
  custom_claims: Record<string, unknown>;
  duration_minutes: number;
}

type NewSession = Omit<SessionRow, 'started_at' | 'last_accessed_at' | 'revoked_at' | 'expires_at'> & {
  token_hash: Buffer;
  duration_minutes: number;
};

/** A new session's values, in the order of INSERT_COLUMNS, then its duration. */
const newSessionValues = (row: NewSession): unknown[] => [
  row.id,
  row.project_id,
  row.organization_id,
  row.member_id,
  row.token_hash,
  JSON.stringify(row.authentication_factors),
  JSON.stringify(row.custom_claims),
  row.sso_connection_id,
  JSON.stringify(row.sso_roles),
  row.duration_minutes,
];

const INSERT_SESSION = `INSERT INTO member_sessions
  (id, project_id, organization_id, member_id, token_hash, authentication_factors, custom_claims, sso_connection_id, sso_roles, expires_at)`;
const NEW_SESSION_VALUES = `$1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::bytea, $6::jsonb, $7::jsonb, $8::uuid, $9::jsonb,
  now() + make_interval(mins => $10::int)`;

/**
 * enterAndGrant's INSERT: the grant's own values at $4–$7 (id, token hash,
 * custom claims, duration), the rest from `source`. An exchange into another
 * member carries no SSO connection's roles.
 */
export const insertGranted = (source: GrantSource) =>
  `${INSERT_SESSION} SELECT $4::uuid, $1::uuid, ${source.organizationId}, ${source.memberId}, $5::bytea, ${source.factors}, $6::jsonb,
     NULL, '[]'::jsonb, now() + make_interval(mins => $7::int)
     FROM ${source.from} RETURNING ${SESSION_COLUMNS.join(', ')}`;

export const grantValues = (grant: SessionGrant): unknown[] => [
  grant.id,
  grant.token_hash,
  JSON.stringify(grant.custom_claims),
  grant.duration_minutes,
];

/** The exchange statement by a session's id or token hash, built once: its prior is the live session and its member's address. */
const ENTERING_BY = Object.fromEntries(
  (['id', 'token_hash'] as const).map((by) => [
    by,
    enterAndGrant({
      prior: `SELECT s.member_id, s.organization_id, s.authentication_factors, m.email, m.email_normalized
                FROM member_sessions s, members m, organizations o WHERE ${ownedBy(by, '$1', '$2')}`,
      grant: insertGranted,
    }),
  ]),
) as Record<'id' | 'token_hash', string>;

function owned(row: OwnedRow | undefined): OwnedSession | undefined {
  if (!row) return undefined;
  const { member, organization, ...session } = row;
  return { session, member: withDates(member), organization: withDates(organization) };
}

function answered(row: AnsweredRow | undefined): AnsweredSession | undefined {
  if (!row) return undefined;
  const { sso_registrations, ...rest } = row;
  return { ...owned(rest)!, ssoRegistrations: registrationsFromJson(sso_registrations) };
}

/** Member sessions and the keys that sign session JWTs. */
export class SessionRepository {
  /**
   * The hot path of every integration: one statement finds a live session
   * (by token hash or id) with its live member and organization, and applies
   * any change asked for (new expiry, custom claims merged in) in the same
   * statement, so concurrent changes never overwrite each other; the
   * member's SSO registrations come in the same statement, for the answer.
   * Plain authentications change nothing here: their touch is coalesced.
   */
  async findOwned(
    db: Db,
    projectId: string,
    where: { id?: string; token_hash?: Buffer },
    change: { durationMinutes?: number; claimsPatch?: Record<string, unknown> } = {},
  ): Promise<AnsweredSession | undefined> {
    const by = where.token_hash ? 'token_hash' : 'id';
    const key: Knex.Value = where.token_hash ?? where.id ?? null;
    if (change.durationMinutes === undefined && change.claimsPatch === undefined && !isTransaction(db)) {
      const text = ownedSessionBy(by, '$1', '$2', ANSWERED_COLUMNS);
      const [row] = await queryPrepared<AnsweredRow>(db, `session-owned-by-${by}`, text, [projectId, key]);
      return answered(row);
    }
    const sets = ['last_accessed_at = now()'];
    const bindings: Knex.Value[] = [];
    if (change.durationMinutes !== undefined) {
      sets.push('expires_at = now() + make_interval(mins => ?)');
      bindings.push(change.durationMinutes);
    }
    if (change.claimsPatch !== undefined) {
      // The patch's keys replace the stored ones; a null value removes its key (as mergeMetadata does).
      const entries = Object.entries(change.claimsPatch);
      sets.push('custom_claims = (s.custom_claims || ?::jsonb) - ?::text[]');
      bindings.push(JSON.stringify(Object.fromEntries(entries.filter(([, v]) => v !== null))));
      bindings.push(entries.filter(([, v]) => v === null).map(([k]) => k));
    }
    const { rows } = await db.raw(
      `UPDATE member_sessions s SET ${sets.join(', ')} FROM members m, organizations o WHERE ${ownedBy(by, '?', '?')}
       RETURNING ${ANSWERED_COLUMNS}`,
      [...bindings, projectId, key],
    );
    return answered(rows[0]);
  }

  /** A live session with its live member and organization, read only (in any transaction): what an authentication's prior is. */
  async readOwned(db: Db, projectId: string, where: { id?: string; token_hash?: Buffer }): Promise<OwnedSession | undefined> {
    const by = where.token_hash ? 'token_hash' : 'id';
    const { rows } = await db.raw(ownedSessionBy(by, '?', '?'), [projectId, where.token_hash ?? where.id ?? null]);
    return owned(rows[0]);
  }

  /**
   * An exchange's prior session (live, with its live member and organization),
   * the organization `organizationId` with the member holding the same address
   * there, and `grant` inserted when the statement may decide it: one prepared
   * statement on the pool (enterAndGrant).
   */
  async readEntering(
    knex: Knex,
    projectId: string,
    where: { id?: string; token_hash?: Buffer },
    organizationId: string,
    grant: SessionGrant,
  ): Promise<EnteringSession | undefined> {
    const by = where.token_hash ? 'token_hash' : 'id';
    const [row] = await queryPrepared<EnteredRow<EnteringPrior & Pick<MemberModel, 'email' | 'email_normalized'>>>(
      knex,
      `session-entering-by-${by}`,
      ENTERING_BY[by],
      [projectId, where.token_hash ?? where.id ?? null, organizationId, ...grantValues(grant)],
    );
    if (!row) return undefined;
    const { prior: found, entered, granted } = enteredOf(row);
    const { email, email_normalized, ...session } = found;
    return { session, holder: { id: session.member_id, email, email_normalized }, entered, granted };
  }

  /**
   * Records many sessions' last access at once (the coalesced touch): never
   * moves a time backwards, never revives a revoked or expired session.
   */
  async touchMany(db: Db, touches: { id: string; at: Date }[]): Promise<void> {
    if (touches.length === 0) return;
    await db.raw(
      `UPDATE member_sessions s SET last_accessed_at = greatest(s.last_accessed_at, t.at)
         FROM unnest(?::uuid[], ?::timestamptz[]) AS t(id, at)
        WHERE s.id = t.id AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [touches.map((t) => t.id), touches.map((t) => t.at.toISOString())],
    );
  }

  /** On the pool, one prepared statement; in a transaction, through it. */
  async insert(db: Db, row: NewSession): Promise<SessionRow> {
    if (!isTransaction(db)) {
      const text = `${INSERT_SESSION} VALUES (${NEW_SESSION_VALUES}) RETURNING ${SESSION_COLUMNS.join(', ')}`;
      const [session] = await queryPrepared<SessionRow>(db, 'session-insert', text, newSessionValues(row));
      return session;
    }
    const { duration_minutes, ...fields } = row;
    const [session] = await db('member_sessions')
      .insert({
        ...fields,
        authentication_factors: JSON.stringify(fields.authentication_factors),
        custom_claims: JSON.stringify(fields.custom_claims),
        sso_roles: JSON.stringify(fields.sso_roles),
        expires_at: db.raw('now() + make_interval(mins => ?)', [duration_minutes]),
      })
      .returning('*');
    return session;
  }

  /**
   * A session bought with an intermediate session: one statement spends the
   * intermediate session (if still live) and inserts the session, so neither
   * happens without the other and no transaction is needed. Undefined when
   * the intermediate session was spent or expired meanwhile.
   */
  async insertSpending(knex: Knex, row: NewSession, intermediateTokenHash: Buffer): Promise<SessionRow | undefined> {
    const text = `WITH spent AS (
        UPDATE intermediate_sessions SET used_at = now()
         WHERE project_id = $2 AND token_hash = $11 AND used_at IS NULL AND expires_at > now() RETURNING id)
      ${INSERT_SESSION} SELECT ${NEW_SESSION_VALUES} FROM spent RETURNING ${SESSION_COLUMNS.join(', ')}`;
    const [session] = await queryPrepared<SessionRow>(knex, 'session-insert-spending', text, [
      ...newSessionValues(row),
      intermediateTokenHash,
    ]);
    return session;
  }

  private live(db: Db, id: string) {
    return db('member_sessions').where({ id }).whereNull('revoked_at').where('expires_at', '>', db.fn.now());
  }

  /** A live (unrevoked, unexpired) session of the project. */
  async findLive(db: Db, projectId: string, where: { id?: string; token_hash?: Buffer }): Promise<SessionRow | undefined> {
    return db('member_sessions')
      .where({ project_id: projectId, ...where })
      .whereNull('revoked_at')
      .where('expires_at', '>', db.fn.now())
      .first();
  }

  async listLive(db: Db, projectId: string, memberId: string): Promise<SessionRow[]> {
    return db('member_sessions')
      .where({ project_id: projectId, member_id: memberId })
      .whereNull('revoked_at')
      .where('expires_at', '>', db.fn.now())
      .orderBy('started_at');
  }

  /**
   * Touches a session that is still live (a revoke that won the race leaves
   * nothing to touch: undefined); a duration moves its expiry to that many minutes from now.
   */
  async touch(
    db: Db,
    id: string,
    durationMinutes: number | undefined,
    customClaims: Record<string, unknown> | undefined,
  ): Promise<SessionRow | undefined> {
    const [session] = await this.live(db, id)
      .update({
        last_accessed_at: db.fn.now(),
        ...(durationMinutes !== undefined ? { expires_at: db.raw('now() + make_interval(mins => ?)', [durationMinutes]) } : {}),
        ...(customClaims !== undefined ? { custom_claims: JSON.stringify(customClaims) } : {}),
      })
      .returning('*');
    return session;
  }

  /**
   * Records one more factor on a live session (replacing an earlier one of the
   * same kind) and touches it; an SSO factor also replaces the session's SSO
   * connection and the roles it grants.
   */
  async addFactor(
    db: Db,
    id: string,
    factors: AuthenticationFactor[],
    durationMinutes: number | undefined,
    customClaims: Record<string, unknown> | undefined,
    sso?: SessionSso,
  ): Promise<SessionRow | undefined> {
    const [session] = await this.live(db, id)
      .update({
        authentication_factors: JSON.stringify(factors),
        ...(sso ? { sso_connection_id: sso.sso_connection_id, sso_roles: JSON.stringify(sso.sso_roles) } : {}),
        last_accessed_at: db.fn.now(),
        ...(durationMinutes !== undefined ? { expires_at: db.raw('now() + make_interval(mins => ?)', [durationMinutes]) } : {}),
        ...(customClaims !== undefined ? { custom_claims: JSON.stringify(customClaims) } : {}),
      })
      .returning('*');
    return session;
  }

  /** Ends live sessions in one UPDATE; answers the ones it ended (for their events). */
  async revoke(db: Db, projectId: string, where: { id?: string; member_id?: string }): Promise<{ id: string; organization_id: string }[]> {
    return db('member_sessions')
      .where({ project_id: projectId, ...where })
      .whereNull('revoked_at')
      .update({ revoked_at: db.fn.now() })
      .returning(['id', 'organization_id']);
  }

  async activeKey(db: Db, projectId: string): Promise<SigningKeyRow | undefined> {
    return db('signing_keys').where({ project_id: projectId }).whereNull('retired_at').first();
  }

  async insertKey(db: Db, row: Omit<SigningKeyRow, 'created_at' | 'retired_at'>): Promise<void> {
    await db('signing_keys').insert(row).onConflict(db.raw('(project_id) WHERE retired_at IS NULL')).ignore();
  }

  /** The keys whose signatures may still be in use: the active one and those retired within `graceSeconds`. */
  async publishedKeys(db: Db, projectId: string, graceSeconds: number): Promise<SigningKeyRow[]> {
    return db('signing_keys')
      .where({ project_id: projectId })
      .where((q) => q.whereNull('retired_at').orWhere('retired_at', '>', db.raw('now() - make_interval(secs => ?)', [graceSeconds])))
      .orderBy('created_at', 'desc');
  }

  async findKey(db: Db, kid: string): Promise<SigningKeyRow | undefined> {
    return db('signing_keys').where({ kid }).first();
  }

  /** Retires active keys older than `maxAgeSeconds`; returns the projects that need a new one. */
  async retireOld(db: Db, maxAgeSeconds: number): Promise<string[]> {
    const rows = await db('signing_keys')
      .whereNull('retired_at')
      .where('created_at', '<', db.raw('now() - make_interval(secs => ?)', [maxAgeSeconds]))
      .update({ retired_at: db.fn.now() })
      .returning('project_id');
    return rows.map((r: { project_id: string }) => r.project_id);
  }

  async deleteRetired(db: Db, olderThanSeconds: number): Promise<number> {
    return db('signing_keys')
      .whereNotNull('retired_at')
      .where('retired_at', '<', db.raw('now() - make_interval(secs => ?)', [olderThanSeconds]))
      .delete();
  }
}
