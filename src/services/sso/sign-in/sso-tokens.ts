import { normalizeEmail } from '../../../email-rules';
import { uuidv7 } from '../../../ids';
import type { Db } from '../../../repositories/db';
import type { MemberRepository } from '../../../repositories/member.repository';
import type { SsoFlowRow, SsoSignInRepository } from '../../../repositories/sso-sign-in.repository';
import { hashSecret, newSecret } from '../../../secrets';

/** How long the browser may spend at the IdP between the start URL and the callback. */
export const SSO_FLOW_MINUTES = 10;
/** Stytch's lifetime for the redirect's sso token. */
export const SSO_TOKEN_MINUTES = 10;

export type SsoFlow = SsoFlowRow;

export interface StartFlowInput {
  projectId: string;
  connectionId: string;
  /** OIDC: the nonce sent to the IdP and the PKCE verifier Roster presents at its token endpoint. */
  nonce?: string;
  codeVerifier?: string;
  /** SAML: the AuthnRequest's ID, which the response's InResponseTo must name. */
  samlRequestId?: string;
  /** The caller's own PKCE challenge, checked again by sso.authenticate. */
  pkceCodeChallenge?: string;
  loginRedirectUrl: string;
  signupRedirectUrl: string;
}

export interface MintTokenInput {
  projectId: string;
  connectionId: string;
  /** The person's subject at the IdP (OIDC `sub`, SAML NameID). */
  externalId: string;
  email: string;
  attributes: Record<string, unknown>;
  groups: string[];
  pkceCodeChallenge: string | null;
}

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

/**
 * The single-use steps of an SSO sign-in, whatever the protocol: the flow
 * the start URL opens (its `state` hashed at rest) and the token the
 * callback mints for sso.authenticate (hashed too, shown once in the redirect).
 */
export class SsoSignIns {
  constructor(
    private readonly rows: SsoSignInRepository,
    private readonly members: MemberRepository,
  ) {}

  async startFlow(db: Db, input: StartFlowInput): Promise<{ state: string }> {
    const state = newSecret();
    await this.rows.insertFlow(db, {
      id: uuidv7(),
      project_id: input.projectId,
      connection_id: input.connectionId,
      state_hash: hashSecret(state),
      nonce: input.nonce ?? null,
      code_verifier: input.codeVerifier ?? null,
      saml_request_id: input.samlRequestId ?? null,
      pkce_code_challenge: input.pkceCodeChallenge ?? null,
      login_redirect_url: input.loginRedirectUrl,
      signup_redirect_url: input.signupRedirectUrl,
      expires_at: minutesFromNow(SSO_FLOW_MINUTES),
    });
    return { state };
  }

  /** The live flow a state names, spent as it is read: a replayed callback finds nothing. */
  async takeFlow(db: Db, state: string): Promise<SsoFlow | undefined> {
    return this.rows.takeFlow(db, hashSecret(state));
  }

  async mintToken(db: Db, input: MintTokenInput): Promise<string> {
    const token = newSecret();
    await this.rows.insertToken(db, {
      id: uuidv7(),
      project_id: input.projectId,
      connection_id: input.connectionId,
      token_hash: hashSecret(token),
      external_id: input.externalId,
      email: input.email,
      attributes: input.attributes,
      groups: input.groups,
      pkce_code_challenge: input.pkceCodeChallenge,
      expires_at: minutesFromNow(SSO_TOKEN_MINUTES),
    });
    return token;
  }

  /**
   * Whether the connection's organization does not know the person yet — no
   * registration for the IdP subject, no member with the address — so that
   * the callback sends the browser to the signup redirect URL, as Stytch does.
   */
  async isNewPerson(db: Db, connection: { id: string; organization_id: string }, externalId: string, email: string): Promise<boolean> {
    const known =
      (await this.rows.findRegistration(db, connection.id, externalId)) ??
      (await this.members.findByEmail(db, connection.organization_id, normalizeEmail(email)));
    return !known;
  }
}
