import { badRequest } from '../../../errors';

/** The few DOM members read here. */
interface Element {
  readonly nodeType: number;
  readonly namespaceURI: string | null;
  readonly localName: string | null;
  readonly textContent: string | null;
  readonly parentNode: Element | null;
  readonly childNodes: ArrayLike<Element>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}
interface XmlDocument {
  readonly documentElement: Element | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<Element>;
}
// @xmldom/xmldom's typings reference TypeScript's DOM library, which would then apply to the whole program (its
// fetch and Blob types clash with Node's): it is loaded untyped, through the members above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DOMParser } = require('@xmldom/xmldom') as {
  DOMParser: new (options: { errorHandler: (level: string) => void }) => {
    parseFromString(xml: string, type: string): XmlDocument | undefined;
  };
};
const ELEMENT_NODE = 1;

/** What Roster reads from an IdP's SAML metadata. */
export interface IdpMetadata {
  entityId: string;
  /** The SingleSignOnService location for the HTTP-Redirect binding (what Roster's start URL sends browsers to). */
  ssoUrl: string;
  /** The IdP's signing certificates, base64 DER as the metadata carries them. */
  signingCertificates: string[];
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

const unreadable = (reason: string) => badRequest('invalid_saml_metadata', `The IdP metadata could not be used: ${reason}.`);

/** The element's children (not descendants) with this namespaced name. */
function children(parent: Element, namespace: string, name: string): Element[] {
  return Array.from(parent.childNodes).filter(
    (node) => node.nodeType === ELEMENT_NODE && node.namespaceURI === namespace && node.localName === name,
  );
}

/**
 * Parses an IdP's metadata document (an EntityDescriptor, or the first IdP
 * entity of an EntitiesDescriptor) by namespace-aware DOM traversal.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  let errors = 0;
  const document = new DOMParser({ errorHandler: (level) => void (level !== 'warning' && errors++) }).parseFromString(xml, 'text/xml');
  if (errors > 0 || !document?.documentElement) throw unreadable('it is not well-formed XML');
  const idp = Array.from(document.getElementsByTagNameNS(MD, 'IDPSSODescriptor'))[0];
  const entity = idp?.parentNode as Element | null;
  if (!idp || !entity || entity.namespaceURI !== MD || entity.localName !== 'EntityDescriptor') {
    throw unreadable('it has no EntityDescriptor with an IDPSSODescriptor');
  }
  const entityId = entity.getAttribute('entityID')?.trim();
  if (!entityId) throw unreadable('the EntityDescriptor has no entityID');
  const ssoUrl = children(idp, MD, 'SingleSignOnService')
    .find((s) => s.getAttribute('Binding') === REDIRECT_BINDING)
    ?.getAttribute('Location')
    ?.trim();
  if (!ssoUrl) throw unreadable('the IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect binding');
  // A KeyDescriptor without `use` serves both signing and encryption.
  const signingCertificates = children(idp, MD, 'KeyDescriptor')
    .filter((k) => !k.hasAttribute('use') || k.getAttribute('use') === 'signing')
    .flatMap((k) => children(k, DS, 'KeyInfo'))
    .flatMap((info) => children(info, DS, 'X509Data'))
    .flatMap((data) => children(data, DS, 'X509Certificate'))
    .map((c) => (c.textContent ?? '').trim())
    .filter((c) => c !== '');
  if (signingCertificates.length === 0) throw unreadable('the IDPSSODescriptor has no signing certificate');
  return { entityId, ssoUrl, signingCertificates };
}
