import type { Db } from './db';

/** saml_assertion_ids: the assertions each SAML connection has consumed, so that none is consumed twice. */
export class SamlAssertionRepository {
  /**
   * Records an assertion as consumed; false when the connection had already
   * consumed it (a replay). Of two concurrent callers the second waits on the
   * first's key and, once that commits, inserts nothing.
   */
  async record(db: Db, connectionId: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    const rows = await db('saml_assertion_ids')
      .insert({ connection_id: connectionId, assertion_id: assertionId, expires_at: expiresAt })
      .onConflict(['connection_id', 'assertion_id'])
      .ignore()
      .returning('assertion_id');
    return rows.length === 1;
  }

  /**
   * The project of a SAML connection, by its bare id: the ACS is reached by
   * the IdP's POST, which carries no project credentials.
   */
  async projectOfConnection(db: Db, connectionId: string): Promise<string | undefined> {
    const row = await db('sso_connections').where({ id: connectionId, kind: 'saml' }).first('project_id');
    return row?.project_id;
  }
}
