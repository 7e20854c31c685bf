// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { createPublicKey, randomUUID, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { SignedXml } from 'xml-crypto';
import * as xmlenc from 'xml-encryption';

const SIGNATURE_ALGORITHM = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const DIGEST_ALGORITHM = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const ASSERTION_XPATH = "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
const BARE_ASSERTION_XPATH = "/*[local-name(.)='Assertion']";

/** What one Response asserts; every field has a valid default but the audience, recipient and subject. */
export interface AssertionInput {
  /** The SP entity id the assertion is for (Conditions/AudienceRestriction). */
  audience: string;
  /** The ACS URL (SubjectConfirmationData@Recipient and Response@Destination). */
  recipient: string;
  nameId: string;
  /** The AuthnRequest's ID; omitted for an IdP-initiated response. */
  inResponseTo?: string;
  /** Attribute name → values. */
  attributes?: Record<string, string | string[]>;
  notBefore?: Date;
  notOnOrAfter?: Date;
  assertionId?: string;
  issuer?: string;
}

export interface SigningKeys {
  certificatePem: string;
  privateKeyPem: string;
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const instant = (date: Date) => date.toISOString();

/** Node's WebCrypto, typed as @peculiar/x509 takes it (its type lives in TypeScript's DOM library, which Roster does not load). */
const x509Crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;

/** An RSA key pair and a self-signed certificate for it, made fresh for each test run. */
export async function generateSigningKeys(commonName = 'Roster test IdP'): Promise<SigningKeys> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `CN=${commonName}`,
      notBefore: new Date(Date.now() - 24 * 3600_000),
      notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
      signingAlgorithm: algorithm,
      keys,
    },
    x509Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
  };
}

/**
 * A SAML 2.0 identity provider as far as an SP's ACS sees one: it builds
 * Responses and signs their Assertion (enveloped, exclusive C14N, RSA-SHA256)
 * with xml-crypto, as Okta or Entra do. Tests then forge what they need from
 * the signed XML (tamper, strip, wrap).
 */
export class SamlIdp {
  constructor(
    readonly entityId: string,
    readonly keys: SigningKeys,
  ) {}

  static async start(entityId = `https://idp.example.com/${randomUUID()}`): Promise<SamlIdp> {
    return new SamlIdp(entityId, await generateSigningKeys());
  }

  /** The Response XML with its Assertion signed. */
  signedResponse(input: AssertionInput): string {
    return this.sign(this.unsignedResponse(input));
  }

  /** The same Response without any signature. */
  unsignedResponse(input: AssertionInput): string {
    return this.response(input, this.assertion(input));
  }

  /**
   * The Response with its Assertion signed, then encrypted to the SP's
   * certificate (an EncryptedAssertion: AES-256-GCM, key wrapped with
   * RSA-OAEP) with xml-encryption, as an IdP given the SP's encryption certificate sends it.
   */
  async encryptedResponse(input: AssertionInput, spCertificatePem: string): Promise<string> {
    const signed = this.sign(this.bareAssertion(input), BARE_ASSERTION_XPATH);
    const options: xmlenc.EncryptOptions = {
      rsa_pub: createPublicKey(spCertificatePem).export({ type: 'spki', format: 'pem' }),
      pem: spCertificatePem,
      encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
      keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    };
    const encrypted = await new Promise<string>((resolve, reject) =>
      xmlenc.encrypt(signed, options, (err, result) => (err ? reject(err) : resolve(result))),
    );
    return this.response(input, `<saml:EncryptedAssertion>${encrypted}</saml:EncryptedAssertion>`);
  }

  private response(input: AssertionInput, assertion: string): string {
    const inResponseTo = input.inResponseTo ? ` InResponseTo="${esc(input.inResponseTo)}"` : '';
    return (
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
      ` ID="_${randomUUID()}" Version="2.0" IssueInstant="${instant(new Date())}" Destination="${esc(input.recipient)}"${inResponseTo}>` +
      `<saml:Issuer>${esc(input.issuer ?? this.entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      assertion +
      `</samlp:Response>`
    );
  }

  /** An unsigned Assertion standing alone (its namespace declared on itself), to inject into a Response: a wrapping attempt. */
  bareAssertion(input: AssertionInput): string {
    return this.assertion(input).replace('<saml:Assertion ', '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ');
  }

  private assertion(input: AssertionInput): string {
    const now = new Date();
    const notBefore = input.notBefore ?? new Date(now.getTime() - 30_000);
    const notOnOrAfter = input.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000);
    const inResponseTo = input.inResponseTo ? ` InResponseTo="${esc(input.inResponseTo)}"` : '';
    const attributes = Object.entries(input.attributes ?? {})
      .map(([name, value]) => {
        const values = (Array.isArray(value) ? value : [value])
          .map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
          .join('');
        return `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values}</saml:Attribute>`;
      })
      .join('');
    return (
      `<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
      ` ID="${esc(input.assertionId ?? `_${randomUUID()}`)}" Version="2.0" IssueInstant="${instant(now)}">` +
      `<saml:Issuer>${esc(input.issuer ?? this.entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(input.nameId)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
      `<saml:SubjectConfirmationData NotOnOrAfter="${instant(notOnOrAfter)}" Recipient="${esc(input.recipient)}"${inResponseTo}/>` +
      `</saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${instant(notBefore)}" NotOnOrAfter="${instant(notOnOrAfter)}">` +
      `<saml:AudienceRestriction><saml:Audience>${esc(input.audience)}</saml:Audience></saml:AudienceRestriction>` +
      `</saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${instant(now)}" SessionIndex="_${randomUUID()}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
      `</saml:AuthnStatement>` +
      (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
      `</saml:Assertion>`
    );
  }

  /** Signs the Assertion `xpath` names, in a Response or standing alone. */
  private sign(xml: string, xpath = ASSERTION_XPATH): string {
    const signer = new SignedXml({
      privateKey: this.keys.privateKeyPem,
      publicCert: this.keys.certificatePem,
      signatureAlgorithm: SIGNATURE_ALGORITHM,
      canonicalizationAlgorithm: EXC_C14N,
    });
    signer.addReference({ xpath, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: DIGEST_ALGORITHM });
    signer.computeSignature(xml, {
      prefix: 'ds',
      location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' },
    });
    return signer.getSignedXml();
  }
}

/** The POST binding's form field. */
export const encodeResponse = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
