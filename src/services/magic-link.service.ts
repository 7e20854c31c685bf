import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuthenticateMagicLinkInput, InviteInput, LoginOrSignupInput } from '../api/schemas/magic-link.schemas';
import { AppError, badRequest, memberNotFound } from '../errors';
import { formatId, parseId, uuidv7 } from '../ids';
import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import type { Db } from '../repositories/db';
import type { MagicLinkRepository, MagicLinkTokenRow } from '../repositories/magic-link.repository';
import type { MemberRepository, NewMember } from '../repositories/member.repository';
import type { ProjectRepository } from '../repositories/project.repository';
import type { AuthenticationFactor } from '../repositories/session.repository';
import { hashSecret } from '../secrets';
import { cleanEmail, normalizeEmail } from './email';
import { tooSoon, type EmailService } from './email/email.service';
import type { EmailKind } from './email/templates';
import type { MemberService } from './member.service';
import type { OrganizationService } from './organization.service';
import { checkMetadataSize, mergeMetadata } from './organization-rules';
import type { ProjectContext } from './project-context';
import { checkDirectRoles } from './roles';
import type { IssuedSession, SessionService, StartedSession } from './sessions/session.service';

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

/** What an invite carries for the person invited. */
export interface Invitee {
  email_address: string;
  name?: string;
  roles?: string[];
  trusted_metadata?: Record<string, unknown>;
  untrusted_metadata?: Record<string, unknown>;
}

export interface InviteSettings {
  redirectUrl: string;
  expirationMinutes: number;
}

function newInvitedMember(project: ProjectContext, organization: OrganizationModel, email: string, invitee: Invitee, roles: string[]): NewMember {
  return {
    id: uuidv7(),
    project_id: project.id,
    organization_id: organization.id,
    email,
    email_normalized: normalizeEmail(email),
    status: 'invited',
    name: invitee.name?.trim() ?? '',
    is_breakglass: false,
    mfa_enrolled: false,
    mfa_phone_number: '',
    external_id: null,
    roles,
    trusted_metadata: invitee.trusted_metadata ?? {},
    untrusted_metadata: invitee.untrusted_metadata ?? {},
  };
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
  async invite(project: ProjectContext, input: InviteInput): Promise<SentEmail> {
    const organization = await this.organizations.resolve(this.knex, project, input.organization_id);
    const common = await this.inviteSettings(project, organization, input);
    try {
      const [outcome] = await this.knex.transaction((trx) => this.inviteMany(trx, project, organization, [input], common)).finally(this.outboxWritten);
      if (outcome instanceof AppError) throw outcome;
      return outcome;
    } catch (err) {
      throw await this.memberService.explainConflict(err, project, organization.id, input.email_address);
    }
  }

  /** What every invite of a request shares, checked once: the organization allows invites, the redirect URL, the inviter. */
  async inviteSettings(
    project: ProjectContext,
    organization: OrganizationModel,
    input: { invite_redirect_url?: string; invited_by_member_id?: string; invite_expiration_minutes?: number },
  ): Promise<InviteSettings> {
    if (organization.email_invites === 'NOT_ALLOWED') {
      throw badRequest('email_invites_not_allowed', 'The organization does not allow email invites (email_invites is NOT_ALLOWED).');
    }
    const redirectUrl = await this.redirectUrl(project, input.invite_redirect_url);
    if (input.invited_by_member_id) {
      const inviterId = parseId('member', project.env, input.invited_by_member_id);
      const inviter = inviterId ? await this.members.findById(this.knex, organization.id, inviterId) : undefined;
      if (!inviter || inviter.status === 'deleted') throw memberNotFound();
    }
    return { redirectUrl, expirationMinutes: input.invite_expiration_minutes ?? INVITE_EXPIRATION_MINUTES };
  }

  /**
   * Invites several people in the caller's transaction, with a handful of
   * statements whatever their number (bulk invites call it per batch). Each
   * invitee gets its member, or the AppError that refused it.
   */
  async inviteMany(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    invitees: Invitee[],
    settings: InviteSettings,
    jobId?: string,
  ): Promise<(SentEmail | AppError)[]> {
    const emails = invitees.map((i) => cleanEmail(i.email_address));
    const normalized = emails.map(normalizeEmail);
    const existing = new Map((await this.members.lockLiveByEmails(trx, organization.id, normalized)).map((m) => [m.email_normalized, m]));
    const retired = await this.members.retiredAmong(trx, organization.id, normalized);
    const tooRecent = await this.emails.tooSoonFor(trx, project.id, normalized);
    const customRoles = organization.custom_roles.map((r) => r.role_id);

    const outcomes: (SentEmail | AppError | NewMember)[] = [];
    for (const [index, invitee] of invitees.entries()) {
      try {
        const email = normalized[index];
        if (organization.email_invites === 'RESTRICTED' && !organization.email_allowed_domains.includes(domainOf(email))) {
          throw badRequest('email_domain_not_allowed', `Invites are restricted to ${organization.email_allowed_domains.join(', ')}.`);
        }
        const current = existing.get(email);
        if (current?.status === 'active') {
          throw badRequest('member_already_active', 'This person is already an active member of the organization; send a login link instead.');
        }
        if (tooRecent.has(email)) throw tooSoon();
        const roles = invitee.roles && checkDirectRoles(invitee.roles, customRoles);
        checkMetadataSize('trusted_metadata', invitee.trusted_metadata ?? {});
        checkMetadataSize('untrusted_metadata', invitee.untrusted_metadata ?? {});
        if (current) {
          const member = await this.members.update(trx, organization.id, current.id, {
            status: 'invited',
            ...(invitee.name !== undefined ? { name: invitee.name.trim() } : {}),
            ...(roles ? { roles } : {}),
            ...(invitee.trusted_metadata ? { trusted_metadata: mergeMetadata(current.trusted_metadata, invitee.trusted_metadata) } : {}),
            ...(invitee.untrusted_metadata ? { untrusted_metadata: mergeMetadata(current.untrusted_metadata, invitee.untrusted_metadata) } : {}),
          });
          outcomes.push({ member, organization, memberCreated: false });
        } else {
          if (retired.has(email)) {
            throw badRequest('retired_member_email', 'This email address was retired by a member of the organization and cannot be reused until it is unlinked.');
          }
          outcomes.push(newInvitedMember(project, organization, emails[index], invitee, roles ?? []));
        }
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcomes.push(err);
      }
    }

    const fresh = outcomes.filter((o): o is NewMember => !(o instanceof AppError) && !('member' in o));
    const inserted = new Map((await this.members.insertMany(trx, fresh)).map((m) => [m.id, m]));
    const final = outcomes.map((o): SentEmail | AppError => {
      if (o instanceof AppError || 'member' in o) return o;
      const member = inserted.get(o.id);
      // A concurrent writer took the email between our read and our insert.
      return member ? { member, organization, memberCreated: true } : badRequest('duplicate_member_email', 'A member with this email was created meanwhile.');
    });
    const sent = final.filter((o): o is SentEmail => !(o instanceof AppError));
    await this.emails.queueMany(
      trx,
      sent.map(({ member }) => ({
        project_id: project.id,
        organization_id: organization.id,
        member_id: member.id,
        kind: 'invite' as const,
        to_address: member.email,
        redirect_url: settings.redirectUrl,
        expiration_minutes: settings.expirationMinutes,
        pkce_code_challenge: null,
        job_id: jobId ?? null,
      })),
    );
    return final;
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
    const existing = input.session_token || input.session_jwt ? await this.sessions.identify(project, input) : undefined;
    const outcome = await this.knex.transaction(async (trx): Promise<MagicLinkAuthentication | (MagicLinkAuthentication & { started: StartedSession })> => {
      if (!(await this.tokens.consume(trx, token.id))) {
        throw cannotAuthenticate(token.used_at ? 'it has already been used' : 'it has expired or been used');
      }
      const organization = await this.organizations.resolve(trx, project, formatId('organization', project.env, token.organization_id));
      const found = await this.members.findById(trx, organization.id, token.member_id, true);
      if (!found || found.status === 'deleted') throw memberNotFound();
      if (found.email_normalized !== token.email_normalized) throw cannotAuthenticate("it was sent to an address that is no longer the member's");
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
      const started = existing
          ? await this.sessions.extend(trx, project, existing, member, organization, factor, input.session_duration_minutes, input.session_custom_claims)
          : await this.sessions.start(trx, project, member, organization, factor, input.session_duration_minutes, input.session_custom_claims);
      return { ...base, started };
    });
    if (!('started' in outcome)) return outcome;
    const { started, ...rest } = outcome;
    return { ...rest, session: await this.sessions.issue(project, started) };
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
