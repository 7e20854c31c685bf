import type { ExchangeIntermediateSessionInput } from '../../contracts/discovery';
import type { ExchangeSessionInput } from '../../contracts/session-exchange';
import { badRequest } from '../../errors';
import { parseId } from '../../ids';
import type { AuthenticationFlow, AuthOutcome, PriorAuthenticationInput, PriorProof } from '../auth/authentication-flow';
import type { ProjectContext } from '../project-context';
import type { MembershipEntry } from './membership-entry';

const requirePrior = (prior: PriorProof | undefined): PriorProof => {
  // identify() found the session or intermediate session before the transaction; this only narrows the type.
  if (!prior) throw badRequest('no_session_arguments', 'Either session_token or session_jwt is required.');
  return prior;
};

/**
 * Moving between organizations: an intermediate session (from discovery, or
 * one organization's unmet requirements) or a live session of another
 * organization becomes a session — or an intermediate session naming what is
 * missing — in the organization asked for. Only the factors that travel
 * across organizations are carried, and only to the same email address.
 */
export class OrganizationExchange {
  constructor(
    private readonly flow: AuthenticationFlow,
    private readonly entry: MembershipEntry,
  ) {}

  /** discovery.intermediate_sessions.exchange: may accept an invite or provision by email domain. */
  async exchangeIntermediateSession(project: ProjectContext, input: ExchangeIntermediateSessionInput): Promise<AuthOutcome> {
    const { intermediate_session_token, session_duration_minutes, session_custom_claims } = input;
    const presented = { intermediate_session_token, session_duration_minutes, session_custom_claims };
    const direct = await this.enterDirectly(project, presented, input.organization_id);
    if (direct) return direct;
    return this.flow.run(
      project,
      presented,
      // No lock on the token here: racers may reach the member (an invite accepted twice is the same
      // write; a provisioning is serialized by the email lock), and all but one then fail when the flow
      // spends the token, rolling back whatever they wrote.
      (trx, prior) => this.entry.enter(trx, project, input.organization_id, requirePrior(prior), { provision: true }),
      { crossing: true },
    );
  }

  /**
   * sessions.exchange: the session's member's email address enters its
   * membership in another organization (an invite is accepted, as Stytch
   * allows), never a new one: provisioning by domain takes discovery.
   */
  async exchangeSession(project: ProjectContext, input: ExchangeSessionInput): Promise<AuthOutcome> {
    if (!input.session_token && !input.session_jwt) {
      throw badRequest('no_session_arguments', 'Either session_token or session_jwt is required.');
    }
    const { session_token, session_jwt, session_duration_minutes, session_custom_claims } = input;
    const presented = { session_token, session_jwt, session_duration_minutes, session_custom_claims };
    const direct = await this.enterDirectly(project, presented, input.organization_id);
    if (direct) return direct;
    return this.flow.run(
      project,
      presented,
      (trx, prior) => this.entry.enter(trx, project, input.organization_id, requirePrior(prior), { provision: false }),
      { crossing: true },
    );
  }

  /**
   * The common case first, with no transaction (the flow's enterDirectly): an
   * organization named by id, a member there entering as it is, a session
   * granted. Undefined for everything else, which the full flow decides.
   */
  private async enterDirectly(project: ProjectContext, input: PriorAuthenticationInput, ref: string): Promise<AuthOutcome | undefined> {
    const organizationId = parseId('organization', project.env, ref);
    if (!organizationId) return undefined;
    return this.flow.enterDirectly(project, input, organizationId, (proof, member) => this.entry.entersAsIs(proof, member));
  }
}
