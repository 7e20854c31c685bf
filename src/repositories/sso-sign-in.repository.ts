import { type Db, spendToken } from './db';

/** A sign-in between the start URL and the IdP's answer (sso_flows). */
export interface SsoFlowRow {
  id: string;
  project_id: string;
  connection_id: string;
  state_hash: Buffer;
  nonce: string | null;
  code_verifier: string | null;
  saml_request_id: string | null;
  pkce_code_challenge: string | null;
  login_redirect_url: string | null;
  signup_redirect_url: string | null;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

/** What the IdP proved about a person, waiting for sso.authenticate (sso_tokens). */
export interface SsoTokenRow {
  id: string;
  project_id: string;
  connection_id: string;
  token_hash: Buffer;
  external_id: string;
  email: string;
  attributes: Record<string, unknown>;
  groups: string[];
  pkce_code_challenge: string | null;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

export interface SsoRegistrationRow {
  id: string;
  project_id: string;
  organization_id: string;
  connection_id: string;
  member_id: string;
  external_id: string;
  sso_attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

/** A registration with its connection's kind, which its public id is spelled by (Member.sso_registrations). */
export type MemberSsoRegistrationRow = SsoRegistrationRow & { connection_kind: 'oidc' | 'saml' };

/**
 * The registrations of the member whose id is the SQL expression `memberId`,
 * as one JSON array shaped like registrationsOf's rows (oldest first; empty
 * for no member): a correlated subquery on sso_registrations__member_id__index
 * that statements answering a member fold in, so the session hot path reads
 * them without a round trip of its own. Read back with registrationsFromJson.
 */
export const registrationsJson = (memberId: string): string =>
  `(SELECT coalesce(json_agg(to_jsonb(r) || jsonb_build_object('connection_kind', c.kind) ORDER BY r.created_at), '[]')
      FROM sso_registrations r JOIN sso_connections c ON c.id = r.connection_id WHERE r.member_id = ${memberId})`;

/** JSON rows carry timestamps as text; callers expect Dates. */
export const registrationsFromJson = (rows: MemberSsoRegistrationRow[]): MemberSsoRegistrationRow[] =>
  rows.map((r) => ({ ...r, created_at: new Date(r.created_at), updated_at: new Date(r.updated_at) }));

export type NewSsoFlow = Omit<SsoFlowRow, 'used_at' | 'created_at'>;
export type NewSsoToken = Omit<SsoTokenRow, 'used_at' | 'created_at'>;

/** sso_flows, sso_tokens and sso_registrations: the single-use steps of an SSO sign-in and what it leaves behind. */
export class SsoSignInRepository {
  async insertFlow(db: Db, row: NewSsoFlow): Promise<void> {
    await db('sso_flows').insert(row);
  }

  /** Spends a live flow by its state hash in one conditional UPDATE: of two callbacks with the same state, one wins. */
  async takeFlow(db: Db, stateHash: Buffer): Promise<SsoFlowRow | undefined> {
    const [row] = await db('sso_flows')
      .where({ state_hash: stateHash })
      .whereNull('used_at')
      .where('expires_at', '>', db.fn.now())
      .update({ used_at: db.fn.now() })
      .returning('*');
    return row;
  }

  async insertToken(db: Db, row: NewSsoToken): Promise<void> {
    await db('sso_tokens').insert(row);
  }

  /** Spends a live token of the project in one conditional UPDATE. */
  takeToken(db: Db, projectId: string, tokenHash: Buffer): Promise<SsoTokenRow | undefined> {
    return spendToken(db, 'sso_tokens', projectId, tokenHash);
  }

  async findRegistration(db: Db, connectionId: string, externalId: string): Promise<SsoRegistrationRow | undefined> {
    return db('sso_registrations').where({ connection_id: connectionId, external_id: externalId }).first();
  }

  /**
   * Attaches a registration unless (connection, external id) or (connection,
   * member) already has one; answers the row now holding the external id,
   * whoever wrote it (a concurrent first sign-in may have).
   */
  async attachRegistration(db: Db, row: Omit<SsoRegistrationRow, 'created_at' | 'updated_at'>): Promise<SsoRegistrationRow | undefined> {
    const [inserted] = await db('sso_registrations').insert(row).onConflict().ignore().returning('*');
    return inserted ?? this.findRegistration(db, row.connection_id, row.external_id);
  }

  async deleteRegistration(db: Db, id: string): Promise<void> {
    await db('sso_registrations').where({ id }).delete();
  }

  /** Refreshes what the IdP said about the person at this sign-in. */
  async updateAttributes(db: Db, id: string, attributes: Record<string, unknown>): Promise<void> {
    await db('sso_registrations').where({ id }).update({ sso_attributes: attributes, updated_at: db.fn.now() });
  }

  /** The registrations of several members at once (member presenters), oldest first. */
  async registrationsOf(db: Db, memberIds: string[]): Promise<MemberSsoRegistrationRow[]> {
    if (memberIds.length === 0) return [];
    return db('sso_registrations as r')
      .join('sso_connections as c', 'c.id', 'r.connection_id')
      .select('r.*', 'c.kind as connection_kind')
      .whereIn('r.member_id', memberIds)
      .orderBy('r.created_at');
  }
}

/** The project a live public token belongs to (until the project's public-token service owns this read). */
export async function projectOfPublicToken(db: Db, tokenId: string): Promise<{ id: string; env: 'test' | 'live' } | undefined> {
  return db('project_public_tokens as t')
    .join('projects as p', 'p.id', 't.project_id')
    .select('p.id', 'p.env')
    .where({ 't.id': tokenId })
    .whereNull('t.revoked_at')
    .first();
}
