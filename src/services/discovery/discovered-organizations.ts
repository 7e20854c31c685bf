import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type { DiscoveryRepository } from '../../repositories/discovery.repository';
import type { AuthenticationFactor } from '../../repositories/session.repository';
import type { PriorProof } from '../auth/authentication-flow';
import { transfersAcrossOrganizations } from '../auth/factors';
import { type AuthenticationDecision, decideAuthentication, type PolicyMember } from '../authentication-policy';
import { domainOf } from '../invite.service';
import type { MemberService, MemberRecord } from '../member.service';
import type { ProjectContext } from '../project-context';

export type MembershipType = 'active_member' | 'pending_member' | 'invited_member' | 'eligible_to_join_by_email_domain';

/** One organization the person can enter, with what entering it would take (Stytch's DiscoveredOrganization). */
export interface DiscoveredOrganization {
  organization: OrganizationModel;
  type: MembershipType;
  /** The person's member there, as members.get answers it; none when they would join by email domain. */
  member?: MemberRecord;
  /** The domain that makes them eligible to join. */
  domain?: string;
  decision: AuthenticationDecision;
}

/** A person who is not a member yet: no break-glass, no MFA enrolment. */
const NEWCOMER: PolicyMember = { is_breakglass: false, mfa_enrolled: false };

const MEMBERSHIP: Record<string, MembershipType> = {
  active: 'active_member',
  pending: 'pending_member',
  invited: 'invited_member',
};

/**
 * Whether a factor proves that the person receives mail at the address: a
 * link or code sent there, or an identity provider that vouches for it.
 * Just-in-time provisioning and invite acceptance require one.
 */
export const provesEmailAddress = (factor: AuthenticationFactor): boolean =>
  factor.type === 'magic_link' ||
  (factor.type === 'otp' && factor.delivery_method === 'email') ||
  (factor.type === 'oauth' && (factor.delivery_method === 'oauth_google' || factor.delivery_method === 'oauth_microsoft'));

/**
 * The factors a proof brings to a member: all of them to the member it was
 * made as, only those that travel (transfersAcrossOrganizations) to any other.
 */
export const factorsFor = (proof: PriorProof, memberId: string | undefined): AuthenticationFactor[] =>
  memberId !== undefined && proof.memberId === memberId ? proof.factors : proof.factors.filter(transfersAcrossOrganizations);

/**
 * The organizations an email address can enter and, for each, what the
 * factors proved so far earn there under its policy — computed from two
 * set-based reads (memberships, and organizations open to the domain), never
 * a query per organization.
 */
export class DiscoveredOrganizations {
  constructor(
    private readonly rows: DiscoveryRepository,
    private readonly memberService: MemberService,
  ) {}

  /**
   * `byDomain`: include organizations the address may join by its domain
   * (an intermediate session may be exchanged into them; a session may not).
   */
  async list(db: Db, project: ProjectContext, proof: PriorProof, byDomain: boolean): Promise<DiscoveredOrganization[]> {
    const travelling = factorsFor(proof, undefined);
    // Joining by domain takes a proof that the person holds the address.
    const domain = byDomain && travelling.some(provesEmailAddress) ? domainOf(proof.emailNormalized) : undefined;
    const { memberships, eligible } = await this.rows.discover(db, project.id, proof.emailNormalized, domain);
    const records = await this.memberService.records(
      db,
      memberships.map((m) => m.member),
      memberships.map((m) => m.organization),
    );
    return [
      ...records.map((record) => ({
        organization: record.organization,
        type: MEMBERSHIP[record.member.status],
        member: record,
        decision: decideAuthentication(record.organization, record.member, factorsFor(proof, record.member.id)),
      })),
      ...eligible.map((organization) => ({
        organization,
        type: 'eligible_to_join_by_email_domain' as const,
        domain,
        decision: decideAuthentication(organization, NEWCOMER, travelling),
      })),
    ];
  }
}
