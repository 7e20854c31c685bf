import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuthenticateMagicLinkInput, InviteInput, LoginOrSignupInput } from '../api/schemas/magic-link.schemas';
import { AppError, badRequest, memberNotFound } from '../errors';
import { formatId, parseId } from '../ids';
import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import type { Db } from '../repositories/db';
import type { MagicLinkRepository, MagicLinkTokenRow } from '../repositories/magic-link.repository';
import type { MemberRepository } from '../repositories/member.repository';
import type { ProjectRepository } from '../repositories/project.repository';
import type { AuthenticationFactor } from '../repositories/session.repository';
import { hashSecret } from '../secrets';
import { cleanEmail, normalizeEmail } from './email';
import type { EmailService } from './email/email.service';
import type { EmailKind } from './email/templates';
import type { MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import { mergeMetadata } from './organization-rules';
import type { ProjectContext } from './project-context';
import { checkDirectRoles } from './roles';
import type { IssuedSession, SessionService } from './sessions/session.service';

export const INVITE_EXPIRATION_MINUTES = 10_080;
export const LOGIN_EXPIRATION_MINUTES = 60;

const cannotAuthenticate = (why: string) => new AppError('unable_to_auth_magic_link', 401, `The magic link cannot be used: ${why}.`);

export interface SentEmail {
  member: MemberModel;
  organization: OrganizationModel;
  memberCreated: boolean;
}

export interface MagicLinkAuthentication {
  member: MemberModel;
  organization: OrganizationModel;
  methodId: string;
  session?: IssuedSession;
  intermediate?: { token: string; expiresAt: Date };
  mfaRequired?: { member_options: { mfa_phone_number: string; totp_registration_id: string }; secondary_auth_initiated: null };
  primaryRequired?: { allowed_auth_methods: string[] };
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

export interface InviteOptions {
  /** The bulk-invite job this invite belongs to (recorded on the email). */
  jobId?: string;
  /** Runs in the invite's transaction: a bulk job counts the invite exactly when it commits. */
  inTransaction?: (trx: Db) => Promise<void>;
}

/** Stytch's email magic links: invites, login-or-signup with JIT by domain, and authentication. */
export class MagicLinkService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly memberService: MemberService,
    private readonly members: MemberRepository,
    private readonly projects: ProjectRepository,
    private readonly tokens: MagicLinkRepository,
    private readonly emails: EmailService,
    private readonly sessions: SessionService,
    /** Tells the outbox relay that committed entries wait (it also polls, so this only saves latency). */
    private readonly outboxWritten: () => void,
  ) {}

  /** The redirect URL to use: one given must be on the project's allowlist; none means the first allowed. */
  async redirectUrl(project: ProjectContext, given: string | undefined): Promise<string> {
    const allowed = (await this.projects.findById(this.knex, project.id))?.redirect_urls ?? [];
    if (given === undefined) {
      if (allowed.length === 0) throw badRequest('no_redirect_url', 'The project has no redirect URLs; pass one, after adding it to the allowlist.');
      return allowed[0];
    }
    if (!allowed.includes(given)) throw badRequest('invalid_redirect_url', `${given} is not on the project's list of redirect URLs.`);
    return given;
  }

  /**
   * Invites a person: a new member is created as `invited` (an existing
   * pending or invited one is updated and moved to `invited`), and the
   * invite email is queued in the same transaction.
   */
  async invite(project: ProjectContext, input: InviteInput, options: InviteOptions = {}): Promise<SentEmail> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const email = cleanEmail(input.email_address);
    if (organization.email_invites === 'NOT_ALLOWED') {
      throw badRequest('email_invites_not_allowed', 'The organization does not allow email invites (email_invites is NOT_ALLOWED).');
    }
    if (organization.email_invites === 'RESTRICTED' && !organization.email_allowed_domains.includes(domainOf(normalizeEmail(email)))) {
      throw badRequest('email_domain_not_allowed', `Invites are restricted to ${organization.email_allowed_domains.join(', ')}.`);
    }
    const redirectUrl = await this.redirectUrl(project, input.invite_redirect_url);
    if (input.invited_by_member_id) {
      const inviterId = parseId('member', project.env, input.invited_by_member_id);
      const inviter = inviterId ? await this.members.findById(this.knex, organization.id, inviterId) : undefined;
      if (!inviter || inviter.status === 'deleted') throw memberNotFound();
    }
    try {
      return await this.knex.transaction(async (trx) => {
        const existing = await this.members.findByEmail(trx, organization.id, normalizeEmail(email));
        if (existing?.status === 'active') {
          throw badRequest('member_already_active', 'This person is already an active member of the organization; send a login link instead.');
        }
        const member = existing
          ? await this.members.update(trx, organization.id, existing.id, {
              status: 'invited',
              ...(input.name !== undefined ? { name: input.name.trim() } : {}),
              ...(input.roles !== undefined ? { roles: checkDirectRoles(input.roles, organization.custom_roles.map((r) => r.role_id)) } : {}),
              ...(input.trusted_metadata ? { trusted_metadata: mergeMetadata(existing.trusted_metadata, input.trusted_metadata) } : {}),
              ...(input.untrusted_metadata ? { untrusted_metadata: mergeMetadata(existing.untrusted_metadata, input.untrusted_metadata) } : {}),
            })
          : await this.memberService.insertIn(trx, project, organization, { ...input, email_address: email, status: 'invited' });
        await this.queue(trx, project, organization, member, 'invite', redirectUrl, input.invite_expiration_minutes ?? INVITE_EXPIRATION_MINUTES, {
          jobId: options.jobId,
        });
        await options.inTransaction?.(trx);
        return { member, organization, memberCreated: !existing };
      }).finally(this.outboxWritten);
    } catch (err) {
      throw await this.memberService.explainConflict(err, project, organization.id, email);
    }
  }

  /**
   * A login link for a member, their invite again for an invited one, and
   * for a stranger a sign-up link (a pending member) only when the
   * organization provisions just in time for that email's domain.
   */
  async loginOrSignup(project: ProjectContext, input: LoginOrSignupInput): Promise<SentEmail> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const email = cleanEmail(input.email_address);
    const existing = await this.members.findByEmail(this.knex, organization.id, normalizeEmail(email));
    if (!existing) {
      const jit = organization.email_jit_provisioning === 'RESTRICTED' && organization.email_allowed_domains.includes(domainOf(normalizeEmail(email)));
      if (!jit) {
        throw badRequest(
          'email_jit_provisioning_not_allowed',
          'No member has this email, and the organization does not let this email domain sign up (email_jit_provisioning and email_allowed_domains).',
        );
      }
    }
    const kind: EmailKind = !existing ? 'signup' : existing.status === 'invited' ? 'invite' : existing.status === 'pending' ? 'signup' : 'login';
    const redirectUrl = await this.redirectUrl(project, kind === 'login' ? input.login_redirect_url : (input.signup_redirect_url ?? input.login_redirect_url));
    const minutes =
      kind === 'login'
        ? (input.login_expiration_minutes ?? LOGIN_EXPIRATION_MINUTES)
        : kind === 'signup'
          ? (input.signup_expiration_minutes ?? LOGIN_EXPIRATION_MINUTES)
          : INVITE_EXPIRATION_MINUTES;
    try {
      return await this.knex.transaction(async (trx) => {
        const member = existing ?? (await this.memberService.insertIn(trx, project, organization, { email_address: email, status: 'pending' }));
        await this.queue(trx, project, organization, member, kind, redirectUrl, minutes, { pkceCodeChallenge: input.pkce_code_challenge });
        return { member, organization, memberCreated: !existing };
      }).finally(this.outboxWritten);
    } catch (err) {
      throw await this.memberService.explainConflict(err, project, organization.id, email);
    }
  }

  private queue(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    member: MemberModel,
    kind: EmailKind,
    redirectUrl: string,
    expirationMinutes: number,
    extra: { pkceCodeChallenge?: string; jobId?: string } = {},
  ): Promise<string> {
    return this.emails.queue(trx, {
      project_id: project.id,
      organization_id: organization.id,
      member_id: member.id,
      kind,
      to_address: member.email,
      redirect_url: redirectUrl,
      expiration_minutes: expirationMinutes,
      pkce_code_challenge: extra.pkceCodeChallenge ?? null,
      job_id: extra.jobId ?? null,
    });
  }

  /**
   * Redeems a magic link: exactly one redemption of a token succeeds. The
   * member becomes active with a verified email, then gets a session — or,
   * when the organization's policy asks for more, an intermediate session
   * saying what is missing.
   */
  async authenticate(project: ProjectContext, input: AuthenticateMagicLinkInput): Promise<MagicLinkAuthentication> {
    if (input.intermediate_session_token) {
      throw badRequest('intermediate_session_not_supported', 'intermediate_session_token is not supported by this server yet.');
    }
    const token = await this.tokens.findByHash(this.knex, project.id, hashSecret(input.magic_links_token));
    if (!token) throw cannotAuthenticate('it does not exist');
    checkPkce(token, input.pkce_code_verifier);
    return this.knex.transaction(async (trx) => {
      if (!(await this.tokens.consume(trx, token.id))) {
        throw cannotAuthenticate(token.used_at ? 'it has already been used' : 'it has expired or been used');
      }
      const organization = await this.organizations.resolve(trx, project, formatId('organization', project.env, token.organization_id));
      const found = await this.members.findById(trx, organization.id, token.member_id, true);
      if (!found || found.status === 'deleted') throw memberNotFound();
      const member = await this.members.update(trx, organization.id, found.id, { status: 'active', email_address_verified: true });
      const methodId = formatId('email', project.env, member.id);
      const factor: AuthenticationFactor = {
        type: 'magic_link',
        delivery_method: 'email',
        last_authenticated_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        email_factor: { email_id: methodId, email_address: member.email },
      };
      const base = { member, organization, methodId };
      if (organization.auth_methods === 'RESTRICTED' && !organization.allowed_auth_methods.includes('magic_link') && !member.is_breakglass) {
        return { ...base, intermediate: await this.sessions.startIntermediate(trx, project, member, factor), primaryRequired: { allowed_auth_methods: organization.allowed_auth_methods } };
      }
      if (organization.mfa_policy === 'REQUIRED_FOR_ALL' || member.mfa_enrolled) {
        return {
          ...base,
          intermediate: await this.sessions.startIntermediate(trx, project, member, factor),
          mfaRequired: { member_options: { mfa_phone_number: member.mfa_phone_number, totp_registration_id: '' }, secondary_auth_initiated: null },
        };
      }
      const session =
        input.session_token || input.session_jwt
          ? await this.sessions.extend(trx, project, input, member, organization, factor, input.session_duration_minutes)
          : await this.sessions.start(trx, project, member, organization, factor, input.session_duration_minutes, input.session_custom_claims);
      return { ...base, session };
    });
  }
}

/** RFC 7636 S256: the verifier must hash to the challenge the link was sent with; no challenge, no verifier. */
function checkPkce(token: MagicLinkTokenRow, verifier: string | undefined): void {
  if (!token.pkce_code_challenge) {
    if (verifier !== undefined) throw badRequest('pkce_mismatch', 'pkce_code_verifier was given, but the link was not sent with a pkce_code_challenge.');
    return;
  }
  if (verifier === undefined) throw badRequest('pkce_mismatch', 'This link was sent with a pkce_code_challenge: pkce_code_verifier is required.');
  if (createHash('sha256').update(verifier).digest('base64url') !== token.pkce_code_challenge) {
    throw badRequest('pkce_mismatch', 'pkce_code_verifier does not match the pkce_code_challenge the link was sent with.');
  }
}
