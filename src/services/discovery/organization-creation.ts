import { randomBytes } from 'node:crypto';
import type { CreateDiscoveredOrganizationInput } from '../../contracts/discovery';
import { looksLikeId } from '../../ids';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { DiscoveryRepository } from '../../repositories/discovery.repository';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import type { AuthenticationFlow, AuthOutcome, PriorProof } from '../auth/authentication-flow';
import { domainOf } from '../invite.service';
import type { MemberService } from '../member.service';
import { isCommonEmailDomain } from '../organization-rules';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { ADMIN_ROLE } from '../roles';
import { provesEmailAddress } from './discovered-organizations';

/**
 * What Stytch names an organization made from an address: its company's
 * domain (acme.com → acme), or the person's name part when the domain is a
 * consumer mail provider or a university (.edu).
 */
export function organizationBaseName(emailNormalized: string): string {
  const domain = domainOf(emailNormalized);
  if (isCommonEmailDomain(domain) || domain.endsWith('.edu')) return emailNormalized.slice(0, emailNormalized.lastIndexOf('@'));
  return domain.includes('.') ? domain.slice(0, domain.lastIndexOf('.')) : domain;
}

/** The base name in slug characters (Stytch's: letters, digits, `. _ ~ -`), never an id's shape. */
export function slugOf(base: string): string {
  const slug = base
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 110);
  return /[a-z0-9]/.test(slug) && slug.length >= 2 && !looksLikeId('organization', slug) ? slug : 'organization';
}

/**
 * discovery.organizations.create: an intermediate session (its address
 * proved by discovery) becomes a new organization whose first member is
 * that person, holding stytch_admin. The organization, its member and the
 * session are one transaction, and the intermediate session is spent in it.
 */
export class DiscoveryOrganizationCreation {
  constructor(
    private readonly flow: AuthenticationFlow,
    private readonly organizationService: OrganizationService,
    private readonly organizations: OrganizationRepository,
    private readonly memberService: MemberService,
    private readonly rows: DiscoveryRepository,
  ) {}

  create(project: ProjectContext, input: CreateDiscoveredOrganizationInput): Promise<AuthOutcome> {
    const { intermediate_session_token, session_duration_minutes, session_custom_claims } = input;
    return this.flow.run(
      project,
      { intermediate_session_token, session_duration_minutes, session_custom_claims },
      async (trx, prior) => {
        // The flow took (spent) the intermediate session before this runs: concurrent creators with one token
        // wait on its row, then fail as intermediate_session_not_found before they write anything.
        const proof = prior as PriorProof;
        const organization = await this.newOrganization(trx, project, proof, input);
        // Stytch asks for a verified address to create an organization; without one the member waits, pending.
        const verified = proof.factors.some(provesEmailAddress);
        const inserted = await this.memberService.insertIn(trx, project, organization, {
          email_address: proof.email,
          status: verified ? 'active' : 'pending',
          roles: [ADMIN_ROLE],
        });
        const member = verified ? await this.memberService.activateOnSignIn(trx, project, organization, inserted) : inserted;
        return { organization, member };
      },
      // The intermediate session may be another organization's (its member's unmet requirements): what travels comes along.
      { crossing: true },
    );
  }

  private async newOrganization(
    trx: Db,
    project: ProjectContext,
    proof: PriorProof,
    input: CreateDiscoveredOrganizationInput,
  ): Promise<OrganizationModel> {
    const {
      intermediate_session_token: _token,
      session_duration_minutes: _minutes,
      session_custom_claims: _claims,
      telemetry_id: _telemetry,
      ...settings
    } = input;
    const base = organizationBaseName(proof.emailNormalized);
    let slug = settings.organization_slug;
    if (slug === undefined) {
      // Concurrent creators of one derived slug take turns: the later one sees the earlier's and adds a suffix.
      slug = slugOf(base);
      await this.rows.lockSlug(trx, project.id, slug);
      if (await this.organizations.isReferenceTaken(trx, project.id, slug)) slug = `${slug}-${randomBytes(4).toString('hex')}`;
    }
    return this.organizationService.create(
      project,
      { ...settings, organization_name: settings.organization_name ?? base.slice(0, 128), organization_slug: slug },
      trx,
    );
  }
}
