import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuthenticateMagicLinkInput, LoginOrSignupInput } from '../contracts/magic-links';
import { AppError, badRequest, memberNotFound } from '../errors';
import { formatId } from '../ids';
import type { MagicLinkRepository, MagicLinkTokenRow } from '../repositories/magic-link.repository';
import type { MemberRepository } from '../repositories/member.repository';
import { hashSecret } from '../secrets';
import type { AuthenticationFlow, AuthOutcome } from './auth/authentication-flow';
import { factors } from './auth/factors';
import type { EmailKind } from './email/templates';
import { INVITE_EXPIRATION_MINUTES, type SentEmail } from './invite.service';
import type { LoginOrSignup } from './login-or-signup';
import type { MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import type { ProjectContext } from './project-context';
import type { RedirectUrls } from './redirect-urls';

export const LOGIN_EXPIRATION_MINUTES = 60;

const cannotAuthenticate = (why: string) => new AppError('unable_to_auth_magic_link', 401, `The magic link cannot be used: ${why}.`);

export interface MagicLinkAuthentication extends AuthOutcome {
  methodId: string;
}

/** Stytch's organization email magic links: login-or-signup (with JIT sign-up by domain) and authentication. */
export class MagicLinkService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly members: MemberRepository,
    private readonly redirectUrls: RedirectUrls,
    private readonly tokens: MagicLinkRepository,
    private readonly flow: AuthenticationFlow,
    private readonly signups: LoginOrSignup,
    private readonly memberService: MemberService,
  ) {}

  /**
   * A login link for a member, their invite again for an invited one, and
   * for a stranger a sign-up link (a pending member) only when the
   * organization provisions just in time for that email's domain.
   */
  async loginOrSignup(project: ProjectContext, input: LoginOrSignupInput): Promise<SentEmail> {
    return this.signups.send(project, input, async (existing) => {
      const kind: EmailKind = !existing
        ? 'signup'
        : existing.status === 'invited'
          ? 'invite'
          : existing.status === 'pending'
            ? 'signup'
            : 'login';
      // Sign-up and repeated invite links go to the sign-up URL, or else to the login URL given;
      // an error names the parameter that held the bad URL.
      const byLogin = kind === 'login' || (input.signup_redirect_url === undefined && input.login_redirect_url !== undefined);
      const redirectUrl = byLogin
        ? await this.redirectUrls.resolve(project, 'login', input.login_redirect_url)
        : await this.redirectUrls.resolve(project, 'signup', input.signup_redirect_url);
      const minutes =
        kind === 'login'
          ? (input.login_expiration_minutes ?? LOGIN_EXPIRATION_MINUTES)
          : kind === 'signup'
            ? (input.signup_expiration_minutes ?? LOGIN_EXPIRATION_MINUTES)
            : INVITE_EXPIRATION_MINUTES;
      return { kind, redirect_url: redirectUrl, expiration_minutes: minutes, pkce_code_challenge: input.pkce_code_challenge ?? null };
    });
  }

  /**
   * Redeems a magic link: exactly one redemption of a token succeeds. The
   * member becomes active with a verified email; the authentication flow
   * then grants a session, or an intermediate session saying what the
   * organization's policy still asks for (a session or intermediate session
   * the caller presents counts toward it).
   */
  async authenticate(project: ProjectContext, input: AuthenticateMagicLinkInput): Promise<MagicLinkAuthentication> {
    const token = await this.tokens.findByHash(this.knex, project.id, hashSecret(input.magic_links_token));
    if (!token) throw cannotAuthenticate('it does not exist');
    if (!token.organization_id || !token.member_id) {
      throw cannotAuthenticate('it is a discovery link, redeemed by magic_links.discovery.authenticate');
    }
    const { organization_id: organizationId, member_id: memberId } = token;
    checkPkce(token, input.pkce_code_verifier);
    const outcome = await this.flow.run(project, input, async (trx) => {
      if (!(await this.tokens.consume(trx, token.id))) {
        throw cannotAuthenticate(token.used_at ? 'it has already been used' : 'it has expired or been used');
      }
      const organization = await this.organizations.resolve(trx, project, formatId('organization', project.env, organizationId));
      const found = await this.members.findById(trx, organization.id, memberId, true);
      if (!found || found.status === 'deleted') throw memberNotFound();
      if (found.email_normalized !== token.email_normalized)
        throw cannotAuthenticate("it was sent to an address that is no longer the member's");
      const member = await this.memberService.activateOnSignIn(trx, project, organization, found);
      return { organization, member, factor: factors.magicLink(formatId('email', project.env, member.id), member.email) };
    });
    return { ...outcome, methodId: formatId('email', project.env, outcome.member.id) };
  }
}

/** RFC 7636 S256: the verifier must hash to the challenge the link was sent with; no challenge, no verifier. */
export function checkPkce(token: MagicLinkTokenRow, verifier: string | undefined): void {
  if (!token.pkce_code_challenge) {
    if (verifier !== undefined) {
      throw badRequest(
        'pkce_did_not_expect_code_verifier',
        'pkce_code_verifier was given, but the link was not sent with a pkce_code_challenge.',
      );
    }
    return;
  }
  if (verifier === undefined) {
    throw badRequest('pkce_expected_code_verifier', 'This link was sent with a pkce_code_challenge: pkce_code_verifier is required.');
  }
  if (createHash('sha256').update(verifier).digest('base64url') !== token.pkce_code_challenge) {
    throw badRequest('pkce_mismatch', 'pkce_code_verifier does not match the pkce_code_challenge the link was sent with.');
  }
}
