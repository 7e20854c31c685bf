import { createHash, X509Certificate } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, JWK, jwtVerify } from 'jose';
import * as certifySigningKeys from '../../migrations/20261203000001_certify_signing_keys';
import { useTestApp } from '../helpers/app';

/** The fields the SDK's `JWK` type (stytch/types/lib/b2c/sessions.d.ts) declares, all required. */
const SDK_JWK_FIELDS = ['kty', 'use', 'key_ops', 'alg', 'kid', 'x5c', 'x5tS256', 'n', 'e'];

describe('JWKS keys', () => {
  const ctx = useTestApp();

  const jwks = async (projectId: string) => {
    const response = await ctx.app.http('GET', `/v1/b2b/sessions/jwks/${projectId}`, { auth: null });
    expect(response.status).toBe(200);
    return response.body.keys as Record<string, any>[];
  };

  /** A JWT signed with the project's active key (made on first use), as a session would get. */
  async function signedJwt(projectId: string): Promise<string> {
    const project = await ctx.app.container.projects.find(projectId);
    return ctx.app.container.signingKeys.sign(project.id, 'test', { sub: 'member-test-x' }, ctx.app.baseUrl, projectId);
  }

  /** Every SDK field is present; the certificate is the key's, and the thumbprint is the certificate's. */
  function expectCertifiedKey(key: Record<string, any>): void {
    expect(Object.keys(key).sort()).toEqual([...SDK_JWK_FIELDS].sort());
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', key_ops: ['verify'], alg: 'RS256' });
    expect(key.x5c).toHaveLength(1);
    const der = Buffer.from(key.x5c[0], 'base64');
    expect(key.x5tS256).toBe(createHash('sha256').update(der).digest('base64url'));
    const certificate = new X509Certificate(der);
    expect(certificate.publicKey.export({ format: 'jwk' })).toEqual({ kty: 'RSA', n: key.n, e: key.e });
    expect(certificate.subject).toBe(`CN=${key.kid}`);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(Date.parse(certificate.validTo)).toBeGreaterThan(Date.now() + 30 * 24 * 3600 * 1000);
  }

  it('publishes every field the SDK JWK type declares, with a self-signed certificate of the key', async () => {
    const jwt = await signedJwt(ctx.app.project.projectId);

    const keys = await jwks(ctx.app.project.projectId);

    expect(keys).toHaveLength(1);
    expectCertifiedKey(keys[0]);
    const certificateKey = new X509Certificate(Buffer.from(keys[0].x5c[0], 'base64')).publicKey;
    await expect(jwtVerify(jwt, certificateKey, { audience: ctx.app.project.projectId })).resolves.toBeDefined();
    expect((await ctx.client.sessions.getJWKS({ project_id: ctx.app.project.projectId })).keys).toEqual(keys);
  });

  it('the migration certifies keys made before it, and they still verify the JWTs they signed', async () => {
    const project = await ctx.app.newProject();
    const { id } = await ctx.app.container.projects.find(project.projectId);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `jwk-test-legacy-${id}`;
    const knex = ctx.app.container.knex;
    await knex('signing_keys').insert({
      kid,
      project_id: id,
      private_jwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256' },
      public_jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    });
    const jwt = await signedJwt(project.projectId);
    const [before] = await knex('signing_keys').where({ kid });
    expect(Object.keys(before.public_jwk)).not.toContain('x5c');

    await knex.transaction((trx) => certifySigningKeys.up(trx));

    const [key] = await jwks(project.projectId);
    expectCertifiedKey(key);
    expect(key.kid).toBe(kid);
    await expect(jwtVerify(jwt, await importJWK(key as JWK, 'RS256'), { audience: project.projectId })).resolves.toBeDefined();
    const { x5c } = key;
    await knex.transaction((trx) => certifySigningKeys.up(trx));
    expect((await jwks(project.projectId))[0].x5c).toEqual(x5c);
  });
});
