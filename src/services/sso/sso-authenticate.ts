import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthenticateSsoInput } from '../../contracts/sso-authenticate';
import { AppError, badRequest, notFound, organizationNotFound } from '../../errors';
import { normalizeEmail } from '../../email-rules';
import { formatId, uuidv7 } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { MemberRepository } from '../../repositories/member.repository';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { SessionSso } from '../../repositories/session.repository';
import type { SsoConnectionRepository, SsoConnectionWithProject } from '../../repositories/sso-connection.repository';
import type { SsoSignInRepository, SsoTokenRow } from '../../repositories/sso-sign-in.repository';
import { hashSecret } from '../../secrets';
import type { AuthenticationFlow, AuthOutcome } from '../auth/authentication-flow';
import { factors } from '../auth/factors';
import type { MemberService } from '../member.service';
import type { ProjectContext } from '../project-context';
import { connectionPublicId } from './connections/sso-connections';

const ssoTokenNotFound = () =>
  notFound('sso_token_not_found', 'The SSO token could not be found (it expired after 10 minutes, was already used, or never existed).');
const jitRefused = () =>
  new AppError(
    'invalid_connection_for_jit_provisioning',
    403,
    'The organization does not provision new members just in time through this SSO connection (see its sso_jit_provisioning settings).',
  );

/** Stytch's PKCE checks: a token started with a challenge needs its verifier, and only such a token takes one. */
function checkPkce(token: SsoTokenRow, verifier: string | undefined): void {
  if (!token.pkce_code_challenge) {
    if (verifier) throw badRequest('pkce_did_not_expect_code_verifier', 'This sign-in was started without a pkce_code_challenge.');
    return;
  }
  if (!verifier)
    throw badRequest('pkce_expected_code_verifier', 'This sign-in was started with a pkce_code_challenge: pass its pkce_code_verifier.');
  const computed = createHash('sha256').update(verifier).digest();
  const expected = Buffer.from(token.pkce_code_challenge, 'base64url');
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) {
    throw badRequest('pkce_mismatch', 'The pkce_code_verifier does not match the pkce_code_challenge the sign-in was started with.');
  }
}

/** Whether the organization provisions a stranger just in time through this connection. */
function jitAllowed(organization: OrganizationModel, connection: SsoConnectionWithProject): boolean {
  if (organization.sso_jit_provisioning === 'ALL_ALLOWED') return true;
  if (organization.sso_jit_provisioning !== 'RESTRICTED') return false;
  const listed = new Set(organization.sso_jit_provisioning_allowed_connections);
  return listed.has(connection.id) || listed.has(connectionPublicId(connection.project_env, connection));
}

/**
 * What the sign-in gives its session: the connection's implicit roles, and
 * those of each group mapped to a role that the IdP named for the person.
 */
function ssoGrants(env: ProjectContext['env'], connection: SsoConnectionWithProject, groups: string[]): SessionSso {
  const connection_id = connectionPublicId(env, connection);
  const named = new Set(groups);
  return {
    sso_connection_id: connection.id,
    sso_roles: [
      ...connection.connection_role_assignments.map(({ role_id }) => ({ role_id, connection_id })),
      ...connection.group_role_assignments
        .filter(({ group }) => named.has(group))
        .map(({ group, role_id }) => ({ role_id, connection_id, group })),
    ],
  };
}

/**
 * Stytch's `sso.authenticate`: spends the token an SSO callback minted and
 * finds its person in the connection's organization — by the registration
 * (connection, IdP subject); else the live member with that address, who
 * gains the registration; else a member created just in time where the
 * organization allows it. The sso factor then goes through the
 * authentication flow like any other primary factor.
 */
export class SsoAuthenticate {
  constructor(
    private readonly tokens: SsoSignInRepository,
    private readonly connections: SsoConnectionRepository,
    private readonly organizations: OrganizationRepository,
    private readonly members: MemberRepository,
    private readonly memberService: MemberService,
    private readonly flow: AuthenticationFlow,
  ) {}

  async authenticate(project: ProjectContext, input: AuthenticateSsoInput): Promise<AuthOutcome> {
    return this.flow.run(project, input, async (trx) => {
      const token = await this.tokens.takeToken(trx, project.id, hashSecret(input.sso_token));
      if (!token) throw ssoTokenNotFound();
      checkPkce(token, input.pkce_code_verifier);
      const connection = await this.connections.findForSignIn(trx, project.id, token.connection_id);
      if (!connection) throw ssoTokenNotFound();
      const organization = await this.organizations.findById(trx, project.id, connection.organization_id);
      if (!organization) throw organizationNotFound();
      const { member, registrationId } = await this.memberOf(trx, project, organization, connection, token);
      const factor = factors.sso(connection.kind, {
        id: formatId('member-registration', project.env, registrationId),
        provider_id: connectionPublicId(project.env, connection),
        external_id: token.external_id,
      });
      return { organization, member, factor, sso: ssoGrants(project.env, connection, token.groups) };
    });
  }

  /**
   * The member the token names, with its registration at the connection.
   * The address's advisory lock comes first: concurrent first sign-ins of one
   * person wait for each other, and the later one finds what the first wrote.
   */
  private async memberOf(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    connection: SsoConnectionWithProject,
    token: SsoTokenRow,
  ): Promise<{ member: MemberModel; registrationId: string }> {
    const address = normalizeEmail(token.email);
    await this.members.lockEmail(trx, organization.id, address);
    const registration = await this.tokens.findRegistration(trx, connection.id, token.external_id);
    let member = registration && (await this.members.findById(trx, organization.id, registration.member_id));
    if (registration && member && member.status !== 'deleted') {
      await this.tokens.updateAttributes(trx, registration.id, token.attributes);
      return { member: await this.memberService.activateOnSignIn(trx, project, organization, member), registrationId: registration.id };
    }
    if (registration) await this.tokens.deleteRegistration(trx, registration.id); // its member was deleted: the subject starts afresh
    member = await this.members.findByEmail(trx, organization.id, address);
    if (!member) {
      if (!jitAllowed(organization, connection)) throw jitRefused();
      member = await this.memberService.insertIn(trx, project, organization, { email_address: token.email, status: 'active' });
    }
    const attached = await this.tokens.attachRegistration(trx, {
      id: uuidv7(),
      project_id: project.id,
      organization_id: organization.id,
      connection_id: connection.id,
      member_id: member.id,
      external_id: token.external_id,
      sso_attributes: token.attributes,
    });
    // The member holds another subject's registration at this connection: one IdP account per member.
    if (!attached || attached.member_id !== member.id) {
      throw new AppError('sso_registration_conflict', 409, 'The member is registered at this SSO connection with another identity.');
    }
    return { member: await this.memberService.activateOnSignIn(trx, project, organization, member), registrationId: attached.id };
  }
}
