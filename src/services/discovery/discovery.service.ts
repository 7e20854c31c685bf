import type { Knex } from 'knex';
import type {
  AuthenticateDiscoveryMagicLinkInput,
  AuthenticateDiscoveryOtpInput,
  ListDiscoveredOrganizationsInput,
} from '../../contracts/discovery';
import { AppError, badRequest } from '../../errors';
import { cleanEmail, normalizeEmail } from '../../email-rules';
import { formatId } from '../../ids';
import type { DiscoveryRepository } from '../../repositories/discovery.repository';
import type { MagicLinkRepository } from '../../repositories/magic-link.repository';
import type { AuthenticationFactor } from '../../repositories/session.repository';
import { hashSecret } from '../../secrets';
import type { AuthenticationFlow, PriorProof } from '../auth/authentication-flow';
import { factors } from '../auth/factors';
import type { IntermediateSessions, StartedIntermediateSession } from '../auth/intermediate-sessions';
import type { OtpCodes } from '../auth/otp-codes';
import { checkPkce } from '../magic-link.service';
import type { ProjectContext } from '../project-context';
import type { DiscoveredOrganization, DiscoveredOrganizations } from './discovered-organizations';

const cannotAuthenticate = (why: string) => new AppError('unable_to_auth_magic_link', 401, `The magic link cannot be used: ${why}.`);

/** A discovery authentication: the address proved, an intermediate session holding the proof, and where it can go. */
export interface DiscoveryAuthentication {
  email: string;
  intermediate: StartedIntermediateSession;
  organizations: DiscoveredOrganization[];
}

/** discovery.organizations.list: the caller's address and where it can go. */
export interface DiscoveryListing {
  email: string;
  organizations: DiscoveredOrganization[];
  /** The organization an intermediate session was issued in, when it was one organization's. */
  organizationIdHint?: string;
}

/**
 * Discovery: proving an email address before choosing an organization (a
 * discovery magic link or email passcode becomes an intermediate session
 * that names no organization), and listing the organizations that address
 * can enter from such a session or from a live session.
 */
export class DiscoveryService {
  constructor(
    private readonly knex: Knex,
    private readonly tokens: MagicLinkRepository,
    private readonly codes: OtpCodes,
    private readonly intermediates: IntermediateSessions,
    private readonly flow: AuthenticationFlow,
    private readonly rows: DiscoveryRepository,
    private readonly discovered: DiscoveredOrganizations,
  ) {}

  /** magic_links.discovery.authenticate: exactly one redemption of a discovery link succeeds. */
  async authenticateMagicLink(project: ProjectContext, input: AuthenticateDiscoveryMagicLinkInput): Promise<DiscoveryAuthentication> {
    const token = await this.tokens.findByHash(this.knex, project.id, hashSecret(input.discovery_magic_links_token));
    if (!token) throw cannotAuthenticate('it does not exist');
    if (token.kind !== 'discovery') throw cannotAuthenticate("it is an organization's link, redeemed by magic_links.authenticate");
    checkPkce(token, input.pkce_code_verifier);
    const { email, factor, intermediate } = await this.knex.transaction(async (trx) => {
      if (!(await this.tokens.consume(trx, token.id))) {
        throw cannotAuthenticate(token.used_at ? 'it has already been used' : 'it has expired or been used');
      }
      const address = (await this.rows.sentTo(trx, token.email_id)) ?? token.email_normalized;
      const proved = factors.magicLink(formatId('email', project.env, token.email_id), address);
      return { email: address, factor: proved, intermediate: await this.intermediates.start(trx, project, { email: address }, [proved]) };
    });
    return this.discoveredBy(project, email, factor, intermediate);
  }

  /** otps.email.discovery.authenticate: the newest code sent to the address, single-use and guess-limited. */
  async authenticateOtp(project: ProjectContext, input: AuthenticateDiscoveryOtpInput): Promise<DiscoveryAuthentication> {
    const email = cleanEmail(input.email_address);
    // On the pool, not in a transaction: a wrong guess stays counted although the request fails.
    const code = await this.codes.redeem(
      this.knex,
      { project_id: project.id, channel: 'email', destination: normalizeEmail(email), organization_id: null },
      input.code,
    );
    const factor = factors.emailOtp(code.email_id ? formatId('email', project.env, code.email_id) : '', email);
    const intermediate = await this.intermediates.start(this.knex, project, { email }, [factor]);
    return this.discoveredBy(project, email, factor, intermediate);
  }

  private async discoveredBy(
    project: ProjectContext,
    email: string,
    factor: AuthenticationFactor,
    intermediate: StartedIntermediateSession,
  ): Promise<DiscoveryAuthentication> {
    const proof: PriorProof = {
      kind: 'intermediate',
      email,
      emailNormalized: normalizeEmail(email),
      memberId: null,
      organizationId: null,
      factors: [factor],
    };
    return { email, intermediate, organizations: await this.discovered.list(this.knex, project, proof, true) };
  }

  /**
   * discovery.organizations.list, from one intermediate session or session
   * (neither is spent). A session lists the memberships it may exchange
   * into; an intermediate session also the organizations open to its domain.
   */
  async list(project: ProjectContext, input: ListDiscoveredOrganizationsInput): Promise<DiscoveryListing> {
    const given = [input.intermediate_session_token, input.session_token, input.session_jwt].filter((v) => v !== undefined);
    if (given.length === 0) {
      throw badRequest('no_session_arguments', 'One of intermediate_session_token, session_token or session_jwt is required.');
    }
    if (given.length > 1) {
      throw badRequest('too_many_session_arguments', 'Give one of intermediate_session_token, session_token or session_jwt.');
    }
    const proof = (await this.flow.priorOf(project, input))!;
    const intermediate = proof.kind === 'intermediate';
    return {
      email: proof.email,
      organizations: await this.discovered.list(this.knex, project, proof, intermediate),
      organizationIdHint: (intermediate && proof.organizationId) || undefined,
    };
  }
}
