// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { X509CertificateGenerator } from '@peculiar/x509';
import type { JWK } from 'jose';
import type { PublishedJwk } from '../../repositories/session.repository';

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
/**
 * The certificate only binds the key to its kid (nothing checks a chain), so
 * its validity just has to outlast the key: rotation retires keys at 30 days.
 */
const CERTIFICATE_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/**
 * The published form of an RS256 key: its public half with a self-signed
 * X.509 certificate (`x5c`) and that certificate's SHA-256 thumbprint
 * (`x5tS256`, RFC 7517 §4.9), as Stytch's JWKS carries them.
 */
export async function publishedJwk(privateJwk: JWK & { kid: string }): Promise<PublishedJwk> {
  const { kty, n, e, kid } = privateJwk;
  if (kty !== 'RSA' || !n || !e) throw new Error(`signing key ${kid} is not an RSA key`);
  const keys = {
    privateKey: await webcrypto.subtle.importKey('jwk', privateJwk as webcrypto.JsonWebKey, RS256, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('jwk', { kty, n, e }, RS256, true, ['verify']),
  };
  const notBefore = new Date();
  const certificate = await X509CertificateGenerator.createSelfSigned({
    // A positive 16-byte serial, as RFC 5280 §4.1.2.2 asks.
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: `CN=${kid}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + CERTIFICATE_LIFETIME_MS),
    signingAlgorithm: RS256,
    keys,
  });
  const der = Buffer.from(certificate.rawData);
  return {
    kty,
    use: 'sig',
    key_ops: ['verify'],
    alg: 'RS256',
    kid,
    x5c: [der.toString('base64')],
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    n,
    e,
  };
}
