import type { Knex } from 'knex';
import type { AuthenticateEmailOtpInput, OtpLoginOrSignupInput } from '../contracts/otps-email';
import { cleanEmail, normalizeEmail } from '../email-rules';
import { memberNotFound } from '../errors';
import { formatId } from '../ids';
import type { MemberRepository } from '../repositories/member.repository';
import type { AuthenticationFlow, AuthOutcome } from './auth/authentication-flow';
import { factors } from './auth/factors';
import { OTP_EXPIRATION_MINUTES, type OtpCodes } from './auth/otp-codes';
import type { SentEmail } from './invite.service';
import type { LoginOrSignup } from './login-or-signup';
import type { MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import type { ProjectContext } from './project-context';

export interface EmailOtpAuthentication extends AuthOutcome {
  methodId: string;
}

/**
 * Stytch's organization email one-time passcodes: login-or-signup (the same
 * rules as magic links, JIT sign-up by domain included) and authentication.
 * The code is minted by the worker when the email goes (OtpCodes), so only
 * the newest one sent to an address for an organization works.
 */
export class EmailOtpService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly members: MemberRepository,
    private readonly codes: OtpCodes,
    private readonly flow: AuthenticationFlow,
    private readonly signups: LoginOrSignup,
    private readonly memberService: MemberService,
  ) {}

  /** A login code for an active member; a sign-up code for anyone else (pending, invited, or a stranger JIT lets in). */
  async loginOrSignup(project: ProjectContext, input: OtpLoginOrSignupInput): Promise<SentEmail> {
    return this.signups.send(project, input, async (existing) => {
      const login = existing?.status === 'active';
      return {
        kind: login ? 'otp_login' : 'otp_signup',
        redirect_url: null,
        expiration_minutes: (login ? input.login_expiration_minutes : input.signup_expiration_minutes) ?? OTP_EXPIRATION_MINUTES,
        pkce_code_challenge: null,
      };
    });
  }

  /**
   * Redeems the code, then authenticates its member: active, with a
   * verified email, as a magic link makes it; the authentication flow grants
   * a session or an intermediate session saying what the organization's
   * policy still asks for.
   */
  async authenticate(project: ProjectContext, input: AuthenticateEmailOtpInput): Promise<EmailOtpAuthentication> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const address = normalizeEmail(cleanEmail(input.email_address));
    const target = { project_id: project.id, channel: 'email', destination: address, organization_id: organization.id } as const;
    const outcome = await this.flow.run(
      project,
      input,
      async (trx, _prior, code) => {
        const found = code.member_id
          ? await this.members.findById(trx, organization.id, code.member_id, true)
          : await this.members.findByEmail(trx, organization.id, address);
        // The code proves the address it went to: a member since deleted or moved to another address gets nothing.
        if (!found || found.status === 'deleted' || found.email_normalized !== address) throw memberNotFound();
        const member = await this.memberService.activateOnSignIn(trx, project, organization, found);
        return { organization, member, factor: factors.emailOtp(formatId('email', project.env, member.id), member.email) };
      },
      // On the pool, once the prior is known good and before the flow's transaction: a wrong guess stays counted.
      { before: () => this.codes.redeem(this.knex, target, input.code) },
    );
    return { ...outcome, methodId: formatId('email', project.env, outcome.member.id) };
  }
}
