import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, JWK, JWTPayload, jwtVerify, KeyLike, SignJWT } from 'jose';
import type { Knex } from 'knex';
import { formatId, ProjectEnv, uuidv7 } from '../../ids';
import type { SessionRepository, SigningKeyRow } from '../../repositories/session.repository';

/** Session JWTs live five minutes, as Stytch's do. */
export const JWT_LIFETIME_SECONDS = 300;
/** A retired key stays published this long: past the life of every JWT it signed. */
const RETIRED_KEY_GRACE_SECONDS = 2 * JWT_LIFETIME_SECONDS;
/** Keys older than this are rotated by the scheduled job. */
const KEY_MAX_AGE_SECONDS = 30 * 24 * 3600;

/** RS256 keys per project, kept in Postgres; private keys are imported once per process. */
export class SigningKeys {
  private readonly imported = new Map<string, KeyLike | Uint8Array>();

  constructor(
    private readonly knex: Knex,
    private readonly sessions: SessionRepository,
  ) {}

  private async key(kid: string, jwk: Record<string, unknown>): Promise<KeyLike | Uint8Array> {
    let key = this.imported.get(kid);
    if (!key) {
      key = await importJWK(jwk as unknown as JWK, 'RS256');
      this.imported.set(kid, key);
    }
    return key;
  }

  /** The project's signing key, made on first use (concurrent first uses agree on one). */
  async active(projectId: string, env: ProjectEnv): Promise<SigningKeyRow> {
    const existing = await this.sessions.activeKey(this.knex, projectId);
    if (existing) return existing;
    await this.create(projectId, env);
    return (await this.sessions.activeKey(this.knex, projectId))!;
  }

  private async create(projectId: string, env: ProjectEnv): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = formatId('jwk', env, uuidv7());
    await this.sessions.insertKey(this.knex, {
      kid,
      project_id: projectId,
      private_jwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
      public_jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    });
  }

  async sign(projectId: string, env: ProjectEnv, claims: JWTPayload & { sub: string }, issuer: string, audience: string): Promise<string> {
    const row = await this.active(projectId, env);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: row.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience([audience])
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${JWT_LIFETIME_SECONDS}s`)
      .sign(await this.key(row.kid, row.private_jwk));
  }

  /**
   * Verifies a session JWT against the project's keys; undefined when it does
   * not verify. `allowExpired` checks everything but the expiry (judged as of
   * its issue time), for callers that then check the session itself.
   */
  async verify(projectId: string, jwt: string, issuer: string, audience: string, options: { allowExpired?: boolean } = {}): Promise<JWTPayload | undefined> {
    try {
      const { kid } = decodeProtectedHeader(jwt);
      const row = kid ? await this.sessions.findKey(this.knex, kid) : undefined;
      if (!row || row.project_id !== projectId) return undefined;
      const issuedAt = decodeJwt(jwt).iat;
      const currentDate = options.allowExpired && issuedAt !== undefined ? new Date(issuedAt * 1000) : undefined;
      const { payload } = await jwtVerify(jwt, await this.key(`${row.kid}:public`, row.public_jwk), {
        issuer,
        audience,
        algorithms: ['RS256'],
        currentDate,
      });
      return payload;
    } catch {
      return undefined;
    }
  }

  async published(projectId: string): Promise<Record<string, unknown>[]> {
    return (await this.sessions.publishedKeys(this.knex, projectId, RETIRED_KEY_GRACE_SECONDS)).map((k) => k.public_jwk);
  }

  /**
   * Retires keys past their age (their successors are made on next use) and
   * deletes retired keys once no JWT they signed can still be valid.
   */
  async rotate(): Promise<{ retired: number; deleted: number }> {
    const retired = await this.sessions.retireOld(this.knex, KEY_MAX_AGE_SECONDS);
    const deleted = await this.sessions.deleteRetired(this.knex, RETIRED_KEY_GRACE_SECONDS);
    return { retired: retired.length, deleted };
  }
}
