import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, JWTPayload, KeyLike, SignJWT } from 'jose';
import type { Knex } from 'knex';
import { formatId, ProjectEnv, uuidv7 } from '../../ids';
import type { PublishedJwk, SessionRepository, SigningKeyRow } from '../../repositories/session.repository';
import { publishedJwk } from './key-certificate';

/** Session JWTs live five minutes, as Stytch's do. */
export const JWT_LIFETIME_SECONDS = 300;
/** A retired key stays published this long: past the life of every JWT it signed. */
const RETIRED_KEY_GRACE_SECONDS = 2 * JWT_LIFETIME_SECONDS;
/** Keys older than this are rotated by the scheduled job. */
const KEY_MAX_AGE_SECONDS = 30 * 24 * 3600;
/**
 * How long a process keeps signing with the active key it last read. A key
 * retired meanwhile stays published for RETIRED_KEY_GRACE_SECONDS, far longer,
 * so JWTs it signs in this window still verify everywhere.
 */
const ACTIVE_KEY_CACHE_MS = 30_000;

interface CachedVerifier {
  projectId: string;
  verify: (jwt: string) => unknown;
  until: number;
}

interface CachedKey {
  kid: string;
  key: KeyLike | Uint8Array;
  projectId: string;
  until: number;
}

/**
 * RS256 keys per project, kept in Postgres. Every method runs on the pool:
 * callers sign after their transaction commits, never inside it, so signing
 * neither holds a connection nor waits for a second one.
 */
export class SigningKeys {
  /** Active private key per project. */
  private readonly signers = new Map<string, CachedKey>();
  /** Verifiers by kid; a key's material never changes, only whether it is still published. */
  private readonly verifiers = new Map<string, CachedVerifier>();

  constructor(
    private readonly knex: Knex,
    private readonly sessions: SessionRepository,
  ) {}

  /** The project's signing key, made on first use (concurrent first uses agree on one). */
  private async signer(projectId: string, env: ProjectEnv): Promise<CachedKey> {
    const cached = this.signers.get(projectId);
    if (cached && cached.until > Date.now()) return cached;
    let row = await this.sessions.activeKey(this.knex, projectId);
    if (!row) {
      await this.create(projectId, env);
      row = (await this.sessions.activeKey(this.knex, projectId))!;
    }
    const fresh = { kid: row.kid, key: await importJWK(row.private_jwk, 'RS256'), projectId, until: Date.now() + ACTIVE_KEY_CACHE_MS };
    this.signers.set(projectId, fresh);
    return fresh;
  }

  /**
   * The public key of `kid`, as a verifier of session JWTs for its project
   * (`audience`: a key signs for one project) and this server (`issuer`). Expiry is not checked: an
   * expired JWT still names its session, which callers then check.
   */
  private async verifier(kid: string, issuer: string, audience: string): Promise<CachedVerifier | undefined> {
    const cached = this.verifiers.get(kid);
    if (cached && cached.until > Date.now()) return cached;
    const row: SigningKeyRow | undefined = await this.sessions.findKey(this.knex, kid);
    if (!row) {
      this.verifiers.delete(kid);
      return undefined;
    }
    const pem = createPublicKey({ key: row.public_jwk as unknown as JsonWebKey, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const fresh = {
      projectId: row.project_id,
      verify: createVerifier({ key: pem, algorithms: ['RS256'], allowedIss: issuer, allowedAud: audience, ignoreExpiration: true }),
      until: Date.now() + ACTIVE_KEY_CACHE_MS,
    };
    this.verifiers.set(kid, fresh);
    return fresh;
  }

  private async create(projectId: string, env: ProjectEnv): Promise<void> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = formatId('jwk', env, uuidv7());
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
    await this.sessions.insertKey(this.knex, {
      kid,
      project_id: projectId,
      private_jwk: privateJwk,
      public_jwk: await publishedJwk(privateJwk),
    });
  }

  async sign(projectId: string, env: ProjectEnv, claims: JWTPayload & { sub: string }, issuer: string, audience: string): Promise<string> {
    const { kid, key } = await this.signer(projectId, env);
    // Epoch seconds given as numbers: jose would parse '0s' and '300s' on every call.
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience([audience])
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + JWT_LIFETIME_SECONDS)
      .sign(key);
  }

  /**
   * Verifies a session JWT against the project's keys, its expiry aside (see
   * `verifier`); undefined when it does not verify. Verification is fast-jwt's,
   * synchronous: jose verifies on libuv's thread pool, which costs this hot
   * path twice the CPU for a 40 µs check.
   */
  async verifyIgnoringExpiry(projectId: string, jwt: string, issuer: string, audience: string): Promise<JWTPayload | undefined> {
    try {
      const { kid } = decodeProtectedHeader(jwt);
      const found = kid ? await this.verifier(kid, issuer, audience) : undefined;
      if (!found || found.projectId !== projectId) return undefined;
      return found.verify(jwt) as JWTPayload;
    } catch {
      return undefined;
    }
  }

  async published(projectId: string): Promise<PublishedJwk[]> {
    return (await this.sessions.publishedKeys(this.knex, projectId, RETIRED_KEY_GRACE_SECONDS)).map((k) => k.public_jwk);
  }

  /**
   * Retires keys past their age (their successors are made on next use) and
   * deletes retired keys once no JWT they signed can still be valid. Other
   * processes notice within ACTIVE_KEY_CACHE_MS; this one at once.
   */
  async rotate(): Promise<{ retired: number; deleted: number }> {
    const retired = await this.sessions.retireOld(this.knex, KEY_MAX_AGE_SECONDS);
    const deleted = await this.sessions.deleteRetired(this.knex, RETIRED_KEY_GRACE_SECONDS);
    for (const projectId of retired) this.signers.delete(projectId);
    if (deleted > 0) this.verifiers.clear();
    return { retired: retired.length, deleted };
  }
}
