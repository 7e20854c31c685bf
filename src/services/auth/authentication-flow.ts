import type { Knex } from 'knex';
import { AppError, badRequest } from '../../errors';
import { formatId, type ProjectEnv } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { Entered } from '../../repositories/exchange-entry';
import type { EnteringIntermediateSession, IntermediateSessionRow } from '../../repositories/intermediate-session.repository';
import type { AuthenticationFactor, SessionRow, SessionSso } from '../../repositories/session.repository';
import type { MemberSsoRegistrationRow, SsoSignInRepository } from '../../repositories/sso-sign-in.repository';
import { decideAuthentication } from '../authentication-policy';
import type { ProjectContext } from '../project-context';
import type { IssuedSession, SessionKey, SessionService, StartedSession } from '../sessions/session.service';
import { transfersAcrossOrganizations, withFactor } from './factors';
import type { IntermediateSessions, StartedIntermediateSession } from './intermediate-sessions';

/** What an authenticate request carries besides its factor (Stytch's fields, any endpoint). */
export interface PriorAuthenticationInput {
  session_token?: string;
  session_jwt?: string;
  intermediate_session_token?: string;
  session_duration_minutes?: number;
  session_custom_claims?: Record<string, unknown>;
}

/**
 * What the caller had proved before this request, found in its transaction:
 * the address and member it proved, and the factors it holds.
 */
export interface PriorProof {
  kind: 'intermediate' | 'session';
  email: string;
  emailNormalized: string;
  /** Null for a discovery intermediate session, which proves an address only. */
  memberId: string | null;
  organizationId: string | null;
  factors: AuthenticationFactor[];
}

/**
 * What a factor proved, in the request's transaction: this member of this
 * organization (and the factor, if one was presented); an SSO sign-in also
 * gives its connection's roles to the session it earns or joins.
 */
export interface Proven {
  organization: OrganizationModel;
  member: MemberModel;
  factor?: AuthenticationFactor;
  sso?: SessionSso;
}

export interface MfaRequired {
  member_options: { mfa_phone_number: string; totp_registration_id: string };
  /** 'sms_otp' when a code was texted to the member already. */
  secondary_auth_initiated: string | null;
}

/** The end of an authentication: a session, or an intermediate session saying what is still missing. */
export interface AuthOutcome {
  member: MemberModel;
  organization: OrganizationModel;
  session?: IssuedSession;
  intermediate?: StartedIntermediateSession;
  mfaRequired?: MfaRequired;
  primaryRequired?: { allowed_auth_methods: string[] };
  /** The member's SSO registrations, read with the member: its answer's member shows them. */
  ssoRegistrations: MemberSsoRegistrationRow[];
}

export interface FlowOptions<C = undefined> {
  /**
   * sessions.exchange and discovery exchange: factors proved as another
   * member (another organization) enter this one — only those that travel
   * (transfersAcrossOrganizations), and only for the same email address.
   */
  crossing?: boolean;
  /**
   * MFA factors (TOTP, SMS OTP, recovery codes) complete what the caller
   * proved before and answer with a session only (Stytch's responses carry no
   * intermediate session): without a prior, or when the outcome would not be
   * a session, this error is thrown and the transaction — the factor's
   * redemption included — rolls back.
   */
  requireSession?: () => AppError;
  /**
   * Checks the factor on the pool once the prior is known to be valid and
   * before the transaction: one-time codes are redeemed here, so a wrong
   * guess stays counted though the request fails, and a code is not spent
   * on a request whose session or intermediate session was bad anyway.
   */
  before?: () => Promise<C>;
}

/** Stytch's mfa_required.member_options: the MFA factors a member has (discovery names them per organization too). */
export function mfaOptionsOf(env: ProjectEnv, member: MemberModel): MfaRequired['member_options'] {
  return {
    mfa_phone_number: member.mfa_phone_number,
    totp_registration_id: member.totp_registration_id ? formatId('member-totp', env, member.totp_registration_id) : '',
  };
}

/** The MFA factors' part in an outcome, supplied by their services (SMS). */
export interface SecondaryFactorHooks {
  /** Texts a code at once when the member would use SMS (Stytch's secondary_auth_initiated); true when one is on its way. */
  initiateSms(trx: Db, project: ProjectContext, organization: OrganizationModel, member: MemberModel): Promise<boolean>;
}

const noSecondaryFactors: SecondaryFactorHooks = {
  initiateSms: async () => false,
};

/** A prior as named by the request: an intermediate session read ahead only when something must be checked before the transaction. */
type Prior =
  { kind: 'intermediate'; token: string; row?: IntermediateSessionRow } | { kind: 'session'; key: SessionKey } | { kind: 'none' };

type Decided = { outcome: Omit<AuthOutcome, 'session' | 'ssoRegistrations'>; started?: StartedSession };

/** The SSO sign-in an intermediate session carries: its roles pass only to a session of the same member (the connection's organization). */
const ssoOf = (row: SessionSso): SessionSso => ({ sso_connection_id: row.sso_connection_id, sso_roles: row.sso_roles });

const intermediateProof = (row: EnteringIntermediateSession): PriorProof => ({
  kind: 'intermediate',
  email: row.email,
  emailNormalized: row.email_normalized,
  memberId: row.member_id,
  organizationId: row.organization_id,
  factors: row.authentication_factors,
});

const sessionProof = (
  session: Pick<SessionRow, 'organization_id' | 'authentication_factors'>,
  member: Pick<MemberModel, 'id' | 'email' | 'email_normalized'>,
): PriorProof => ({
  kind: 'session',
  email: member.email,
  emailNormalized: member.email_normalized,
  memberId: member.id,
  organizationId: session.organization_id,
  factors: session.authentication_factors,
});

const priorMismatch = () =>
  badRequest('intermediate_session_member_mismatch', 'The intermediate session was issued to another member or email address.');

/**
 * One authentication, whatever its factor: what the caller proved before
 * (a session or an intermediate session), plus the factor this request
 * proves, against the organization's policy — a session when it is met,
 * otherwise an intermediate session naming what is missing. Free of HTTP:
 * the secret-key API and a public-token API call it alike.
 */
export class AuthenticationFlow {
  private secondary: SecondaryFactorHooks = noSecondaryFactors;

  constructor(
    private readonly knex: Knex,
    private readonly sessions: SessionService,
    private readonly intermediates: IntermediateSessions,
    private readonly ssoRegistrations: SsoSignInRepository,
  ) {}

  /** Called by the composition root: the MFA services are built after the flow they plug into, each adding its hook. */
  useSecondaryFactors(hooks: Partial<SecondaryFactorHooks>): void {
    this.secondary = { ...this.secondary, ...hooks };
  }

  /**
   * Runs `prove` (which redeems the factor and finds the member) in one
   * transaction with everything the outcome writes, and reads the member's
   * SSO registrations there (a registration `prove` attached included); the
   * JWT is signed after commit. `prove` sees what the caller proved before,
   * if anything, and what `options.before` checked on the pool.
   */
  async run<C = undefined>(
    project: ProjectContext,
    input: PriorAuthenticationInput,
    prove: (trx: Knex.Transaction, prior: PriorProof | undefined, checked: C) => Promise<Proven>,
    options: FlowOptions<C> = {},
  ): Promise<AuthOutcome> {
    // A factor checked before the transaction (a code) is checked only once the prior is known to be good.
    const prior = await this.identify(project, input, options.before !== undefined);
    if (options.requireSession && prior.kind === 'none') throw options.requireSession();
    const checked = (await options.before?.()) as C;
    const { decided, ssoRegistrations } = await this.knex.transaction(async (trx) => {
      const found = await this.find(trx, project, prior, true);
      const proven = await prove(trx, found?.proof, checked);
      return {
        decided: await this.decide(trx, project, input, proven, found, options),
        ssoRegistrations: await this.ssoRegistrations.registrationsOf(trx, [proven.member.id]),
      };
    });
    if (!decided.started) return { ...decided.outcome, ssoRegistrations };
    return { ...decided.outcome, ssoRegistrations, session: await this.sessions.issue(project, decided.started) };
  }

  /**
   * An exchange's common case, without a transaction: one statement reads
   * the prior (a session, or an intermediate session) with the organization
   * entered and the address's member there, and grants the session itself
   * when the case is simple enough to decide in SQL (GRANTS_CROSSING). Else,
   * when `admits` takes that member as it is and the factors that travel earn
   * a session, a second statement writes it (spending the intermediate
   * session in the same statement). Anything
   * else — no such member, one to change (an invite accepted) or provision,
   * requirements unmet, the member's own session (which the full flow
   * extends), the prior gone or spent meanwhile — answers undefined, having
   * written nothing: the caller then runs the full flow, which decides it.
   */
  async enterDirectly(
    project: ProjectContext,
    input: PriorAuthenticationInput,
    organizationId: string,
    admits: (proof: PriorProof, member: MemberModel) => boolean,
  ): Promise<AuthOutcome | undefined> {
    const token = input.intermediate_session_token;
    const sessions = Number(input.session_token !== undefined) + Number(input.session_jwt !== undefined);
    if (token ? sessions !== 0 : sessions !== 1) return undefined; // the full flow names what is wrong
    const prepared = this.sessions.prepareGrant(input);
    if (!prepared) return undefined;
    let proof: PriorProof;
    let entered: Entered;
    let granted: SessionRow | undefined;
    let sso: SessionSso | undefined;
    if (token) {
      const found = await this.intermediates.findEntering(this.knex, project, token, organizationId, prepared.grant);
      if (!found) return undefined;
      ({ entered, granted } = found);
      proof = intermediateProof(found.row);
      sso = ssoOf(found.row);
    } else {
      const key = await this.sessions.identify(project, input);
      const found = await this.sessions.findEntering(project, key, organizationId, prepared.grant);
      if (!found) return undefined;
      ({ entered, granted } = found);
      proof = sessionProof(found.session, found.holder);
    }
    const { organization, member, ssoRegistrations } = entered;
    if (granted && organization && member) {
      // The statement decided it (GRANTS_CROSSING): one round trip for the common case.
      const started = { session: granted, token: prepared.token, member, organization };
      return { member, organization, ssoRegistrations, session: await this.sessions.issue(project, started) };
    }
    if (!organization || !member || !admits(proof, member)) return undefined;
    const sameMember = proof.memberId === member.id;
    if (sameMember && proof.kind === 'session') return undefined;
    // As decide() carries them for a crossing: an intermediate session of this member carries all its factors.
    const proved = sameMember ? proof.factors : this.travelling(proof, member);
    if (decideAuthentication(organization, member, proved).grant !== 'session') return undefined;
    const { session_duration_minutes: minutes, session_custom_claims: claims } = input;
    const started = token
      ? await this.sessions.startSpending(project, token, member, organization, proved, minutes, claims, sameMember ? sso : undefined)
      : await this.sessions.start(this.knex, project, member, organization, proved, minutes, claims);
    if (!started) return undefined;
    return { member, organization, ssoRegistrations, session: await this.sessions.issue(project, started) };
  }

  /**
   * What the request's session or intermediate session proved, read on the
   * pool (for a check before any transaction, e.g. totps.create's rule that a
   * member with another MFA factor must present one); undefined without one.
   */
  async priorOf(project: ProjectContext, input: PriorAuthenticationInput): Promise<PriorProof | undefined> {
    return (await this.find(this.knex, project, await this.identify(project, input, true), false))?.proof;
  }

  /**
   * For MFA factors: the prior the request presents must be this member's
   * (or a discovery session of the member's address) — and there must be one
   * when `required`, the factor completing it. Read on the pool.
   */
  async priorOfMember(
    project: ProjectContext,
    input: PriorAuthenticationInput,
    member: MemberModel,
    required: boolean,
  ): Promise<PriorProof | undefined> {
    const prior = await this.priorOf(project, input);
    if (!prior && required) {
      throw badRequest('no_session_arguments', 'Pass the intermediate_session_token, session_token or session_jwt this factor completes.');
    }
    if (prior && prior.memberId !== member.id && !(prior.memberId === null && prior.emailNormalized === member.email_normalized)) {
      if (prior.kind === 'intermediate') throw priorMismatch();
      throw badRequest('session_member_mismatch', 'The session given belongs to another member.');
    }
    return prior;
  }

  /**
   * Before the transaction: which prior the request names (verifying a JWT
   * may read its key from the pool); an intermediate session is read here only
   * when `readAhead`, else it is taken in the transaction by one statement.
   */
  private async identify(project: ProjectContext, input: PriorAuthenticationInput, readAhead: boolean): Promise<Prior> {
    if (input.session_token && input.session_jwt) {
      throw badRequest('too_many_session_arguments', 'Give session_token or session_jwt, not both.');
    }
    if (input.intermediate_session_token && (input.session_token || input.session_jwt)) {
      throw badRequest('too_many_session_arguments', 'Give an intermediate_session_token or a session, not both.');
    }
    const token = input.intermediate_session_token;
    if (token)
      return { kind: 'intermediate', token, row: readAhead ? await this.intermediates.find(this.knex, project, token) : undefined };
    if (input.session_token || input.session_jwt) return { kind: 'session', key: await this.sessions.identify(project, input) };
    return { kind: 'none' };
  }

  /** The prior's proof; `spend` (in the flow's transaction) takes an intermediate session as it reads it. */
  private async find(
    db: Db,
    project: ProjectContext,
    prior: Prior,
    spend: boolean,
  ): Promise<{ proof: PriorProof; intermediate?: IntermediateSessionRow; session?: SessionRow; token?: string } | undefined> {
    if (prior.kind === 'intermediate') {
      const row = spend ? await this.intermediates.take(db, project, prior.token) : prior.row!;
      return { proof: intermediateProof(row), intermediate: row };
    }
    if (prior.kind === 'session') {
      const { session, member } = await this.sessions.findWithMember(db, project, prior.key);
      return { proof: sessionProof(session, member), session, token: prior.key.token };
    }
    return undefined;
  }

  private async decide(
    trx: Db,
    project: ProjectContext,
    input: PriorAuthenticationInput,
    { organization, member, factor, sso }: Proven,
    found: Awaited<ReturnType<AuthenticationFlow['find']>>,
    options: FlowOptions<unknown>,
  ): Promise<Decided> {
    const base = { member, organization };
    const sameMember = found?.proof.memberId === member.id;
    let carried: AuthenticationFactor[] = [];
    // This factor's SSO sign-in, else the one an intermediate session of this member carries.
    let grantedSso = sso;
    if (found?.intermediate) {
      // Taken (spent) by find, in this transaction.
      if (sameMember) {
        carried = found.proof.factors;
        grantedSso ??= ssoOf(found.intermediate);
      } else if (found.proof.memberId === null || options.crossing) carried = this.travelling(found.proof, member);
      else throw priorMismatch();
    } else if (found?.session) {
      // A live session of this member met this organization's requirements when it was granted: the factor joins it.
      if (sameMember) {
        const started = await this.sessions.extend(trx, found.session, found.token, member, organization, factor, input, sso);
        return { outcome: base, started };
      }
      // Another member's session is ignored, as Stytch does — except by an exchange, which carries what travels.
      if (options.crossing) carried = this.travelling(found.proof, member);
    }
    const proved = withFactor(carried, factor);
    const decision = decideAuthentication(organization, member, proved);
    if (decision.grant !== 'session' && options.requireSession) throw options.requireSession();
    if (decision.grant === 'session') {
      const started = await this.sessions.start(
        trx,
        project,
        member,
        organization,
        proved,
        input.session_duration_minutes,
        input.session_custom_claims,
        grantedSso,
      );
      return { outcome: base, started };
    }
    const intermediate = await this.intermediates.start(
      trx,
      project,
      { email: member.email, organizationId: organization.id, memberId: member.id },
      proved,
      grantedSso,
    );
    if (decision.grant === 'primary_required') {
      return { outcome: { ...base, intermediate, primaryRequired: { allowed_auth_methods: decision.allowedAuthMethods } } };
    }
    const mfaRequired: MfaRequired = {
      member_options: mfaOptionsOf(project.env, member),
      secondary_auth_initiated: (await this.secondary.initiateSms(trx, project, organization, member)) ? 'sms_otp' : null,
    };
    return { outcome: { ...base, intermediate, mfaRequired } };
  }

  /** What a proof made as another member (or as an address) carries into this member: the email factors, for the same address only. */
  private travelling(proof: PriorProof, member: MemberModel): AuthenticationFactor[] {
    if (proof.emailNormalized !== member.email_normalized) throw priorMismatch();
    return proof.factors.filter(transfersAcrossOrganizations);
  }
}
