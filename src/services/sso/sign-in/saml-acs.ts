import type { Knex } from 'knex';
import { SamlStatusError, type Profile } from '@node-saml/node-saml';
// node-saml's own XML reader (xml2js, namespace prefixes stripped), for the one unsigned field it leaves unread.
import { parseXml2JsFromString } from '@node-saml/node-saml/lib/xml';
import { cleanEmail } from '../../../email-rules';
import { AppError, badRequest } from '../../../errors';
import { formatId, parseId } from '../../../ids';
import type { SamlAssertionRepository } from '../../../repositories/saml-assertion.repository';
import type { SsoConnectionWithProject } from '../../../repositories/sso-connection.repository';
import type { RedirectUrls } from '../../redirect-urls';
import { ssoConnectionNotFound, type SsoConnectionForSignIn, type SsoConnections } from '../connections/sso-connections';
import { redirectAfterSignIn } from './sign-in-redirect';
import {
  acceptedAcsUrls,
  assertSamlConnectionReady,
  SAML_CLOCK_SKEW_MS,
  type SamlEndpoints,
  samlServiceProvider,
  samlSettingsOf,
} from './saml-sp';
import type { SsoFlow, SsoSignIns } from './sso-tokens';

/** The POST binding's form fields (their shape checked by the route's contract). */
export interface SamlPostBody {
  SAMLResponse: string;
  RelayState?: string;
}

/** The parts of a validated (signed) Assertion the ACS reads beyond node-saml's profile, as xml2js shapes them. */
interface XmlNode {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

const invalidResponse = (why: string) => badRequest('invalid_saml_response', `The SAML response was refused: ${why}`);

const children = (node: XmlNode | undefined, name: string): XmlNode[] => (node?.[name] as XmlNode[] | undefined) ?? [];

const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** When an assertion says nothing about its lifetime, its id is remembered this long (well past any sane NotOnOrAfter). */
const DEFAULT_ASSERTION_LIFETIME_MS = 24 * 3600_000;

/** An attribute's values as strings (xml2js gives a string, an array, or a node for structured values). */
function stringValues(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}

/**
 * The SAML Assertion Consumer Service: the IdP's POST (SAMLResponse and
 * RelayState) becomes an sso token and the browser's redirect to the
 * project. node-saml checks the signature (on the Assertion itself, the one
 * consumed: XML-signature wrapping defences on), audience and timestamps;
 * this service checks what node-saml leaves to its caller — issuer,
 * recipient, InResponseTo against the flow, replayed assertion ids.
 */
export class SamlAssertionConsumer {
  constructor(
    private readonly knex: Knex,
    private readonly connections: SsoConnections,
    private readonly signIns: SsoSignIns,
    private readonly assertions: SamlAssertionRepository,
    private readonly redirectUrls: RedirectUrls,
  ) {}

  /** Consumes one POST to the connection's ACS URL; answers where to send the browser. */
  async consume(connectionRef: string, body: SamlPostBody): Promise<string> {
    const { SAMLResponse: samlResponse, RelayState: relayState } = body;

    const bareId = parseId('saml-connection', 'test', connectionRef) ?? parseId('saml-connection', 'live', connectionRef);
    const projectId = bareId && (await this.assertions.projectOfConnection(this.knex, bareId));
    if (!projectId) throw ssoConnectionNotFound();
    const found = await this.connections.forSignIn(projectId, { connectionId: connectionRef });
    const { connection, verificationCertificates } = found;
    assertSamlConnectionReady(connection, verificationCertificates, 'response');

    const endpoints = { acsUrl: this.connections.acsUrl(connection) };
    const profile = await this.validate(found, endpoints, samlResponse);
    const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
    if (!assertion) throw invalidResponse('it carries no assertion.');
    this.checkIssuer(connection, assertion);
    const acsUrls = acceptedAcsUrls(connection, endpoints);
    await this.checkDestination(profile, acsUrls);
    const confirmation = this.bearerConfirmation(assertion, acsUrls);
    // The signed confirmation names the request; the Response's own InResponseTo (unsigned) may only agree with it.
    const requestId = confirmation.InResponseTo;
    if (profile.inResponseTo && profile.inResponseTo !== requestId) throw invalidResponse("its InResponseTo differs from the assertion's.");
    const identity = this.identityOf(connection, profile);
    const assertionId = assertion.$?.ID;
    if (!assertionId) throw invalidResponse('the assertion has no ID.');
    // Without InResponseTo the IdP started the sign-in: it belongs to no flow.
    const idpInitiated = requestId ? undefined : await this.idpInitiatedTarget(connection);

    const { token, target } = await this.knex.transaction(async (trx) => {
      // First, so that a response posted twice is named for what it is even though its flow is spent by then.
      const fresh = await this.assertions.record(trx, connection.id, assertionId, this.expiryOf(assertion, confirmation));
      if (!fresh) throw badRequest('saml_assertion_replayed', 'This SAML assertion was already used to sign in.');
      const flow = requestId ? await this.flowFor(trx, connection, relayState, requestId) : undefined;
      const minted = await this.signIns.mintToken(trx, {
        projectId,
        connectionId: connection.id,
        ...identity,
        pkceCodeChallenge: flow?.pkce_code_challenge ?? null,
      });
      return { token: minted, target: flow ?? idpInitiated! };
    });
    // Someone the organization does not know yet lands on the signup redirect URL, as with OIDC.
    return redirectAfterSignIn(target, token, await this.signIns.isNewPerson(this.knex, connection, identity.externalId, identity.email));
  }

  /**
   * node-saml's verdict; its refusals become invalid_saml_response (never a
   * 500: the input is the IdP's, not ours). With several encryption keys (a
   * rotation), each is tried, newest first; the newest one's refusal is told.
   */
  private async validate(found: SsoConnectionForSignIn, endpoints: SamlEndpoints, samlResponse: string): Promise<Profile> {
    const keys = found.decryptionKeys?.length ? found.decryptionKeys : [undefined];
    let refusal: unknown;
    for (const decryptionKey of keys) {
      const sp = samlServiceProvider(found.connection, { ...found, decryptionKey }, endpoints);
      try {
        const result = await sp.validatePostResponseAsync({ SAMLResponse: samlResponse });
        if (!result.profile) throw invalidResponse('it is not a sign-in response.');
        return result.profile;
      } catch (error) {
        if (error instanceof SamlStatusError)
          throw badRequest('saml_idp_error', `The identity provider refused the sign-in: ${error.message}`);
        if (error instanceof AppError) throw error;
        refusal ??= error;
      }
    }
    throw invalidResponse(refusal instanceof Error ? refusal.message : 'it could not be read.');
  }

  /** The signed Assertion's Issuer must be the connection's IdP. */
  private checkIssuer(connection: SsoConnectionWithProject, assertion: XmlNode): void {
    const expected = samlSettingsOf(connection).idp_entity_id;
    const issuer = children(assertion, 'Issuer')[0]?._;
    if (expected && issuer !== expected) throw invalidResponse(`the assertion's issuer is not the connection's idp_entity_id.`);
  }

  /** The Response's Destination, when the IdP sets it, must be this ACS. */
  private async checkDestination(profile: Profile, acsUrls: string[]): Promise<void> {
    const xml = profile.getSamlResponseXml?.();
    const response = xml ? ((await parseXml2JsFromString(xml)).Response as XmlNode | undefined) : undefined;
    const destination = response?.$?.Destination;
    if (destination && !acsUrls.includes(destination)) throw invalidResponse("its Destination is not this connection's ACS URL.");
  }

  /**
   * The signed bearer SubjectConfirmationData addressed to this ACS and
   * still valid: node-saml reads it but, with InResponseTo left to us,
   * checks neither its Recipient nor its NotOnOrAfter.
   */
  private bearerConfirmation(assertion: XmlNode, acsUrls: string[]): Record<string, string> {
    const now = Date.now();
    const subject = children(assertion, 'Subject')[0];
    for (const confirmation of children(subject, 'SubjectConfirmation')) {
      if (confirmation.$?.Method !== 'urn:oasis:names:tc:SAML:2.0:cm:bearer') continue;
      const data = children(confirmation, 'SubjectConfirmationData')[0]?.$;
      if (!data || !acsUrls.includes(data.Recipient ?? '')) continue;
      const notOnOrAfter = Date.parse(data.NotOnOrAfter ?? '');
      if (!(notOnOrAfter + SAML_CLOCK_SKEW_MS > now)) continue;
      const notBefore = data.NotBefore ? Date.parse(data.NotBefore) : -Infinity;
      if (!(notBefore - SAML_CLOCK_SKEW_MS <= now)) continue;
      return data;
    }
    throw invalidResponse('no bearer subject confirmation is addressed to this ACS URL and still valid.');
  }

  /** Who signed in: NameID as the external id, the email and groups as the connection's attribute mapping names them. */
  private identityOf(connection: SsoConnectionWithProject, profile: Profile) {
    const externalId = profile.nameID;
    if (!externalId) throw invalidResponse('the assertion names no subject (NameID).');
    const attributes = (profile.attributes as Record<string, unknown> | undefined) ?? {};
    const mapping = connection.attribute_mapping;
    const emailAttribute = mapping.email || 'email';
    const given = stringValues(attributes[emailAttribute])[0] ?? (EMAIL.test(externalId) ? externalId : undefined);
    const email = given === undefined ? undefined : cleanEmail(given);
    if (!email || !EMAIL.test(email)) {
      throw invalidResponse(`it carries no email address (attribute "${emailAttribute}", or an email NameID).`);
    }
    return { externalId, email, attributes, groups: stringValues(attributes[mapping.groups || 'groups']) };
  }

  /** The replay record is kept while the assertion could still be accepted. */
  private expiryOf(assertion: XmlNode, confirmation: Record<string, string>): Date {
    const conditions = children(assertion, 'Conditions')[0]?.$;
    const limits = [conditions?.NotOnOrAfter, confirmation.NotOnOrAfter].map((t) => Date.parse(t ?? '')).filter(Number.isFinite);
    const until = limits.length > 0 ? Math.max(...limits) : Date.now() + DEFAULT_ASSERTION_LIFETIME_MS;
    return new Date(until + SAML_CLOCK_SKEW_MS);
  }

  /**
   * The sign-in an SP-initiated response answers: it must come back with the
   * RelayState of the flow that sent its request, for this connection.
   */
  private async flowFor(trx: Knex.Transaction, connection: SsoConnectionWithProject, relayState: string | undefined, requestId: string) {
    const flow = relayState ? await this.signIns.takeFlow(trx, relayState) : undefined;
    if (!flow || flow.connection_id !== connection.id || flow.saml_request_id !== requestId) {
      throw badRequest('sso_flow_not_found', 'No live SSO sign-in matches this response (RelayState and InResponseTo): start again.');
    }
    return flow;
  }

  /**
   * Where an IdP-initiated sign-in goes: the project's default login redirect
   * URL, as Stytch's does — unless the connection refuses such sign-ins.
   */
  private async idpInitiatedTarget(
    connection: SsoConnectionWithProject,
  ): Promise<Pick<SsoFlow, 'login_redirect_url' | 'signup_redirect_url'>> {
    if (samlSettingsOf(connection).idp_initiated_auth_disabled) {
      throw badRequest('saml_idp_initiated_auth_disabled', 'This SAML connection accepts only sign-ins started at Roster (SP-initiated).');
    }
    const project = {
      id: connection.project_id,
      publicId: formatId('project', connection.project_env, connection.project_id),
      env: connection.project_env,
    };
    const url = await this.redirectUrls.resolve(project, 'login', undefined);
    return { login_redirect_url: url, signup_redirect_url: url };
  }
}
