import { AppError, badRequest, organizationNotFound } from '../../errors';
import { parseId } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { DiscoveryRepository } from '../../repositories/discovery.repository';
import type { MemberRepository } from '../../repositories/member.repository';
import type { PriorProof } from '../auth/authentication-flow';
import { domainOf } from '../invite.service';
import type { MemberService } from '../member.service';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { provesEmailAddress } from './discovered-organizations';

const noMember = () =>
  new AppError(
    'member_not_found',
    404,
    'The email address has no member in this organization. sessions.exchange enters existing memberships and invites only; joining by email domain goes through discovery.',
  );

/**
 * Who a person who proved an email address becomes in an organization they
 * ask to enter (discovery's intermediate-session exchange, sessions.exchange):
 * their member there — an invite accepted, a pending sign-up completed, when
 * the proof covers the address — or, where allowed, a member provisioned just
 * in time by email domain. Runs in the authentication's transaction.
 */
export class MembershipEntry {
  constructor(
    private readonly rows: DiscoveryRepository,
    private readonly members: MemberRepository,
    private readonly memberService: MemberService,
    private readonly organizations: OrganizationService,
  ) {}

  /** The organization a request names (id, slug or external id) and the address's live member there, if any. */
  async locate(
    trx: Db,
    project: ProjectContext,
    ref: string,
    emailNormalized: string,
  ): Promise<{ organization: OrganizationModel; member: MemberModel | undefined }> {
    const id = parseId('organization', project.env, ref);
    if (id) {
      const found = await this.rows.organizationWithMember(trx, project.id, id, emailNormalized);
      if (!found) throw organizationNotFound();
      return found;
    }
    const organization = await this.organizations.resolve(trx, project, ref);
    return { organization, member: await this.members.findByEmail(trx, organization.id, emailNormalized) };
  }

  /** `ref` names the organization; returns it with the member the person is there now. */
  async enter(
    trx: Db,
    project: ProjectContext,
    ref: string,
    proof: PriorProof,
    { provision }: { provision: boolean },
  ): Promise<{ organization: OrganizationModel; member: MemberModel }> {
    const addressProven = proof.factors.some(provesEmailAddress);
    const located = await this.locate(trx, project, ref, proof.emailNormalized);
    const { organization } = located;
    let member = located.member;
    if (!member) {
      if (!provision) throw noMember();
      // Concurrent provisioners of one address serialize here; the later one then finds the member.
      await this.members.lockEmail(trx, organization.id, proof.emailNormalized);
      member = await this.members.findByEmail(trx, organization.id, proof.emailNormalized);
      if (!member) return { organization, member: await this.provision(trx, project, organization, proof, addressProven) };
    }
    if (this.entersAsIs(proof, member)) return { organization, member };
    // The address is proven: an invite is accepted, a pending sign-up completes, the email counts as verified.
    return { organization, member: await this.memberService.activateOnSignIn(trx, project, organization, member) };
  }

  /** Whether the person enters as `member` is, with nothing to write: an active, verified member, or a proof that does not cover the address. */
  entersAsIs(proof: PriorProof, member: MemberModel): boolean {
    return !proof.factors.some(provesEmailAddress) || (member.status === 'active' && member.email_address_verified);
  }

  /** Stytch's email JIT provisioning: RESTRICTED to allowed domains, and only beside a verified member on the domain. */
  private async provision(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    proof: PriorProof,
    addressProven: boolean,
  ): Promise<MemberModel> {
    if (organization.email_jit_provisioning !== 'RESTRICTED') {
      throw badRequest(
        'email_jit_provisioning_not_allowed',
        'The email address has no member in this organization, and the organization does not provision members by email (email_jit_provisioning).',
      );
    }
    const domain = domainOf(proof.emailNormalized);
    if (!addressProven || !(await this.rows.isEligibleByDomain(trx, organization.id, domain))) {
      throw badRequest(
        'invalid_email_for_jit_provisioning',
        'This email address may not join the organization: its domain must be in email_allowed_domains, a member with a verified email on it must exist, and the address must have been verified by a magic link or passcode.',
      );
    }
    const inserted = await this.memberService.insertIn(trx, project, organization, { email_address: proof.email, status: 'active' });
    return this.memberService.activateOnSignIn(trx, project, organization, inserted);
  }
}
