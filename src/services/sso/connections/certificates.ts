// @peculiar/x509 builds on tsyringe, which needs the Reflect metadata API loaded before it.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { badRequest } from '../../../errors';

/** Node's WebCrypto, typed as @peculiar/x509 takes it (without TypeScript's DOM library, where its type lives). */
const crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
const SIGNING_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
/** Roster's SAML signing certificates last five years: IdPs pin them, so rotating is the exception. */
const SIGNING_CERTIFICATE_YEARS = 5;

export interface ParsedCertificate {
  certificate: string;
  issuer: string;
  expiresAt: Date;
}

/** A self-signed RSA-2048 certificate and its PKCS#8 private key, both PEM: Roster's signing identity for one SAML connection. */
export async function newSigningCertificate(subject: string): Promise<ParsedCertificate & { privateKey: string }> {
  const keys = (await webcrypto.subtle.generateKey(SIGNING_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return selfSigned(subject, keys);
}

/**
 * A self-signed certificate for an RSA private key the caller supplies
 * (Stytch's `signing_private_key` / `saml_encryption_private_key`: PKCS#1
 * PEM, PKCS#8 accepted too), with the key as PKCS#8 PEM. The certificate is
 * what the connection shows and the IdP trusts or encrypts to; the key is
 * never shown again. Anything but an RSA private key is a 400 naming `field`.
 */
export async function certificateForKey(
  subject: string,
  privateKeyPem: string,
  field: string,
): Promise<ParsedCertificate & { privateKey: string }> {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw badRequest('invalid_private_key', `${field} is not a PEM-encoded RSA private key.`);
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw badRequest('invalid_private_key', `${field} must be an RSA private key of at least 2048 bits.`);
  }
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, SIGNING_ALGORITHM, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, SIGNING_ALGORITHM, true, ['verify']),
  };
  return selfSigned(subject, keys);
}

async function selfSigned(subject: string, keys: webcrypto.CryptoKeyPair): Promise<ParsedCertificate & { privateKey: string }> {
  const notBefore = new Date();
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + SIGNING_CERTIFICATE_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      name: `CN=${subject}`,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      keys: keys as unknown as x509.X509CertificateCreateSelfSignedParams['keys'],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const privateKey = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certificate: cert.toString('pem'), issuer: cert.issuer, expiresAt: cert.notAfter, privateKey };
}

/**
 * An IdP's certificate as given (PEM, or the bare base64 DER that SAML
 * metadata carries), normalized to PEM with its issuer and expiry.
 * Anything unparseable is a 400.
 */
export function parseCertificate(input: string): ParsedCertificate {
  const trimmed = input.trim();
  const pem = trimmed.startsWith('-----BEGIN')
    ? trimmed
    : `-----BEGIN CERTIFICATE-----\n${trimmed.replace(/\s+/g, '')}\n-----END CERTIFICATE-----`;
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(pem);
  } catch {
    throw badRequest('invalid_x509_certificate', 'x509_certificate is not a valid PEM-encoded X.509 certificate.');
  }
  return { certificate: cert.toString('pem'), issuer: cert.issuer, expiresAt: cert.notAfter };
}
