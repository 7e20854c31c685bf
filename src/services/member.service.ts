import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import type { CreateMemberInput, GetMemberQuery, SearchMembersInput, UpdateMemberInput } from '../contracts/members';
import { AppError, badRequest, memberNotFound, organizationNotFound } from '../errors';
import { formatId, looksLikeId, parseId, uuidv7 } from '../ids';
import type { MemberModel, MemberRetiredEmailModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import { independentReads, type Db } from '../repositories/db';
import { MEMBER_FILTERS, MemberPatch, MemberRepository } from '../repositories/member.repository';
import type { MagicLinkRepository } from '../repositories/magic-link.repository';
import type { ScimUserRepository, ScimUserRow } from '../repositories/scim-user.repository';
import type { MemberSsoRegistrationRow, SsoSignInRepository } from '../repositories/sso-sign-in.repository';
import type { OrganizationRepository } from '../repositories/organization.repository';
import type { SessionRepository } from '../repositories/session.repository';
import { constraintError } from '../repositories/constraint-errors';
import { cleanEmail, normalizeEmail } from '../email-rules';
import { newMemberRow, type NewMemberFields } from './new-member';
import { checkMetadataSize, mergeMetadata } from './organization-rules';
import type { ChangeEvents } from './events/change-events';
import type { OrganizationService } from './organization.service';
import type { ProjectContext } from './project-context';
import { checkDirectRoles } from './roles';
import { checkLimit, decodeCursor, encodeCursor, parseSearchQuery } from './search-query';

/** A member as the API shows it: with its organization (for implicit roles), retired emails, SCIM and SSO registrations. */
export interface MemberRecord {
  member: MemberModel;
  organization: OrganizationModel;
  retiredEmails: MemberRetiredEmailModel[];
  /** Read where a Member object is answered by MemberService; other answers leave it out. */
  scimRegistration?: ScimUserRow;
  /** Read where scimRegistration is; other answers show none. */
  ssoRegistrations?: MemberSsoRegistrationRow[];
}

export interface MemberPage {
  members: MemberRecord[];
  organizations: OrganizationModel[];
  total: number;
  nextCursor: string | null;
}

/** Rows grouped by their member (Map.groupBy arrives with Node 21). */
function byMember<T extends { member_id: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.member_id);
    if (group) group.push(row);
    else groups.set(row.member_id, [row]);
  }
  return groups;
}
export class MemberService {
  constructor(
    private readonly knex: Knex,
    private readonly members: MemberRepository,
    private readonly organizations: OrganizationRepository,
    private readonly organizationService: OrganizationService,
    private readonly sessions: SessionRepository,
    private readonly magicLinks: MagicLinkRepository,
    private readonly scimUsers: ScimUserRepository,
    private readonly ssoRegistrations: SsoSignInRepository,
    private readonly changes: ChangeEvents,
  ) {}

  /** A member leaves (deleted, or merged into another): its sessions end (each an event) and its unused links die. */
  async endAccess(trx: Db, project: ProjectContext, memberId: string): Promise<void> {
    await this.changes.sessionsEnded(trx, project, await this.sessions.revoke(trx, project.id, { member_id: memberId }));
    await this.magicLinks.voidForMember(trx, memberId);
  }

  /**
   * A member of this organization by member id or external id; deleted
   * members only when asked for. Writers pass `forUpdate` to lock the row.
   */
  private async resolveMember(
    db: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    ref: string,
    { includeDeleted = false, forUpdate = false } = {},
  ): Promise<MemberModel> {
    const id = parseId('member', project.env, ref);
    let member: MemberModel | undefined;
    if (id) {
      member =
        (await this.members.findById(db, organization.id, id, forUpdate)) ??
        (await this.members.findAliased(db, organization.id, id, forUpdate));
    } else if (!looksLikeId('member', ref)) member = await this.members.findByExternalId(db, organization.id, ref, forUpdate);
    if (!member || (member.status === 'deleted' && !includeDeleted)) throw memberNotFound();
    return member;
  }

  /** A live member of this organization by member id, alias or external id. */
  resolveLive(db: Db, project: ProjectContext, organization: OrganizationModel, ref: string): Promise<MemberModel> {
    return this.resolveMember(db, project, organization, ref);
  }

  /**
   * Members as members.get answers them (registrations and retired emails, one query each whatever their number),
   * read on `db`: a change's transaction for its event and answer, so they show what it wrote.
   */
  async records(db: Db, members: MemberModel[], organizations: OrganizationModel[]): Promise<MemberRecord[]> {
    if (members.length === 0) return [];
    const byId = new Map(organizations.map((o) => [o.id, o]));
    const memberIds = members.map((m) => m.id);
    const [retired, registrations, ssoRegistrations] = await this.recordParts(db, memberIds);
    const registrationOf = new Map(registrations.map((r) => [r.member_id, r]));
    // Grouped once: bulk jobs present a thousand members at a time.
    const retiredOf = byMember(retired);
    const ssoRegistrationsOf = byMember(ssoRegistrations);
    return members.map((member) => ({
      member,
      organization: byId.get(member.organization_id)!,
      retiredEmails: retiredOf.get(member.id) ?? [],
      scimRegistration: registrationOf.get(member.id),
      ssoRegistrations: ssoRegistrationsOf.get(member.id) ?? [],
    }));
  }

  /** One member as members.get answers it, read on `db` (see records). */
  async record(db: Db, member: MemberModel, organization: OrganizationModel): Promise<MemberRecord> {
    const [record] = await this.records(db, [member], [organization]);
    return record;
  }

  /** The three reads a record adds to its members (independentReads: at once on the pool, in turn in a transaction). */
  private async recordParts(db: Db, memberIds: string[]) {
    return independentReads(db, [
      () => this.members.retiredEmails(db, memberIds),
      () => this.scimUsers.registrationsOf(db, memberIds),
      () => this.ssoRegistrations.registrationsOf(db, memberIds),
    ]);
  }

  /**
   * A duplicate-email refusal (from the constraint table) names the Member
   * holding the email, which takes a lookup; any other error is returned as is.
   */
  async nameHolder(err: unknown, project: ProjectContext, organizationId: string, email?: string): Promise<unknown> {
    if (email === undefined || constraintError(err)?.errorType !== 'duplicate_member_email') return err;
    const holder = await this.members.findByEmail(this.knex, organizationId, normalizeEmail(email));
    const holderId = holder ? formatId('member', project.env, holder.id) : undefined;
    return badRequest(
      'duplicate_member_email',
      `A Member with email address "${cleanEmail(email)}" already exists in this organization${holderId ? ` (${holderId})` : ''}.`,
      holderId ? { member_id: holderId } : undefined,
    );
  }

  /** Claims an email for a member, refusing one that another member of the organization retired. */
  private async claimEmail(db: Db, organizationId: string, memberId: string | undefined, normalized: string): Promise<void> {
    await this.members.lockEmail(db, organizationId, normalized);
    const retired = await this.members.findRetiredEmail(db, organizationId, normalized);
    if (retired && retired.member_id !== memberId) {
      throw badRequest(
        'retired_member_email',
        'This email address was retired by another Member of the organization and cannot be reused until it is unlinked.',
      );
    }
    if (retired) await this.members.deleteRetiredEmails(db, retired.member_id, normalized);
  }

  async create(project: ProjectContext, organizationRef: string, input: CreateMemberInput): Promise<MemberRecord> {
    const organization = await this.organizationService.resolve(this.knex, project, organizationRef);
    const status = input.create_member_as_pending ? 'pending' : 'active';
    try {
      const member = await this.knex.transaction((trx) => this.insertIn(trx, project, organization, { ...input, status }));
      return { member, organization, retiredEmails: [] };
    } catch (err) {
      throw await this.nameHolder(err, project, organization.id, input.email_address);
    }
  }

  /**
   * Inserts a member in the caller's transaction, after checking its roles,
   * metadata and that its email is free (unique violations propagate: see
   * nameHolder).
   */
  async insertIn(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    fields: NewMemberFields,
    register?: (member: MemberModel) => Promise<void>,
  ): Promise<MemberModel> {
    const named = fields.roles ?? [];
    const roles = checkDirectRoles(named, await this.organizationService.definedRoleIds(trx, project.id, organization, named));
    checkMetadataSize('trusted_metadata', fields.trusted_metadata ?? {});
    checkMetadataSize('untrusted_metadata', fields.untrusted_metadata ?? {});
    const row = newMemberRow(project.id, organization.id, { ...fields, roles });
    await this.claimEmail(trx, organization.id, undefined, row.email_normalized);
    const member = await this.members.insert(trx, row);
    // A registration made with the member (SCIM) comes before its event, which shows the Member as members.get
    // will; without one, the Member a create answers has nothing registered and nothing retired yet.
    if (register) await register(member);
    const record = register ? await this.record(trx, member, organization) : { member, organization, retiredEmails: [] };
    await this.changes.member(trx, project, 'CREATE', record);
    return member;
  }

  async get(project: ProjectContext, organizationRef: string, query: GetMemberQuery): Promise<MemberRecord> {
    const organization = await this.organizationService.resolve(this.knex, project, organizationRef);
    let member: MemberModel | undefined;
    if (query.member_id !== undefined) {
      member = await this.resolveMember(this.knex, project, organization, query.member_id);
    } else if (query.email_address !== undefined) {
      member = await this.members.findByEmail(this.knex, organization.id, normalizeEmail(query.email_address));
      if (!member) throw memberNotFound();
    } else {
      throw badRequest('invalid_member_get_fields', 'Either member_id or email_address is required.');
    }
    return this.record(this.knex, member, organization);
  }

  async dangerouslyGet(project: ProjectContext, memberRef: string, includeDeleted: boolean): Promise<MemberRecord> {
    const id = parseId('member', project.env, memberRef);
    const member = id
      ? ((await this.members.findInProject(this.knex, project.id, id)) ?? (await this.aliasedInProject(project, id)))
      : undefined;
    if (!member || (member.status === 'deleted' && !includeDeleted)) throw memberNotFound();
    const organization = await this.organizations.findById(this.knex, project.id, member.organization_id);
    if (!organization) throw memberNotFound();
    return this.record(this.knex, member, organization);
  }

  private async aliasedInProject(project: ProjectContext, aliasId: string): Promise<MemberModel | undefined> {
    const member = await this.members.findAliased(this.knex, undefined, aliasId);
    return member && member.project_id === project.id ? member : undefined;
  }

  async update(project: ProjectContext, organizationRef: string, memberRef: string, input: UpdateMemberInput): Promise<MemberRecord> {
    const organization = await this.organizationService.resolve(this.knex, project, organizationRef);
    try {
      return await this.knex.transaction(async (trx) => {
        const current = await this.resolveMember(trx, project, organization, memberRef, { forUpdate: true });
        // A change's record is read once, for its event and the answer alike.
        return (await this.applyUpdate(trx, project, organization, current, input)) ?? this.record(trx, current, organization);
      });
    } catch (err) {
      throw await this.nameHolder(err, project, organization.id, input.email_address);
    }
  }

  /**
   * Applies an update to a member the caller has locked, in the caller's
   * transaction (members.update, a SCIM PUT or PATCH); the member as it is now.
   */
  async updateIn(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    current: MemberModel,
    input: UpdateMemberInput,
  ): Promise<MemberModel> {
    return (await this.applyUpdate(trx, project, organization, current, input))?.member ?? current;
  }

  /** updateIn's work: the Member recorded with its event, or undefined when the input changes nothing. */
  private async applyUpdate(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    current: MemberModel,
    input: UpdateMemberInput,
  ): Promise<MemberRecord | undefined> {
    const patch: MemberPatch = {};
    if (input.name !== undefined) patch.name = input.name.trim();
    if (input.is_breakglass !== undefined) patch.is_breakglass = input.is_breakglass;
    if (input.mfa_enrolled !== undefined) patch.mfa_enrolled = input.mfa_enrolled;
    if (input.default_mfa_method !== undefined) patch.default_mfa_method = input.default_mfa_method;
    if (input.external_id !== undefined) patch.external_id = input.external_id || null;
    if (input.roles !== undefined) {
      const defined = await this.organizationService.definedRoleIds(trx, project.id, organization, input.roles);
      patch.roles = checkDirectRoles(input.roles, defined);
    }
    if (input.mfa_phone_number !== undefined && input.mfa_phone_number !== current.mfa_phone_number) {
      patch.mfa_phone_number = input.mfa_phone_number;
      patch.mfa_phone_number_verified = false;
    }
    for (const field of ['trusted_metadata', 'untrusted_metadata'] as const) {
      if (input[field] !== undefined) {
        patch[field] = mergeMetadata(current[field], input[field]);
        checkMetadataSize(field, patch[field]);
      }
    }
    if (input.email_address !== undefined) await this.changeEmail(trx, current, input, patch);
    if (Object.keys(patch).length === 0) return undefined;
    return this.recordChange(trx, project, organization, await this.members.update(trx, organization.id, current.id, patch));
  }

  /**
   * A new primary email retires the old one (other Members may not take it)
   * unless `unlink_email` releases it; the new address is unverified.
   */
  private async changeEmail(trx: Db, current: MemberModel, input: UpdateMemberInput, patch: MemberPatch): Promise<void> {
    const email = cleanEmail(input.email_address!);
    const normalized = normalizeEmail(email);
    if (normalized === current.email_normalized) {
      if (email !== current.email) patch.email = email;
      return;
    }
    await this.claimEmail(trx, current.organization_id, current.id, normalized);
    if (!input.unlink_email) {
      await this.members.retireEmail(trx, {
        id: uuidv7(),
        member_id: current.id,
        organization_id: current.organization_id,
        email: current.email,
        email_normalized: current.email_normalized,
      });
    }
    Object.assign(patch, { email, email_normalized: normalized, email_address_verified: false });
    // Links sent to the old address must not log in as, or verify, the new one.
    await this.magicLinks.voidForMember(trx, current.id);
  }

  /**
   * Soft delete: the member keeps its row (and can be reactivated) but
   * releases its email and retired emails, and loses its sessions and links.
   */
  async delete(project: ProjectContext, organizationRef: string, memberRef: string): Promise<string> {
    const organization = await this.organizationService.resolve(this.knex, project, organizationRef);
    return this.knex.transaction(async (trx) => {
      const member = await this.resolveMember(trx, project, organization, memberRef, { forUpdate: true });
      await this.deactivateIn(trx, project, member);
      return member.id;
    });
  }

  /** Deletes a member the caller has locked, in the caller's transaction (members.delete, SCIM deprovisioning). */
  async deactivateIn(trx: Db, project: ProjectContext, member: MemberModel): Promise<MemberModel> {
    const deleted = await this.members.update(trx, member.organization_id, member.id, { status: 'deleted' });
    await this.members.deleteRetiredEmails(trx, member.id);
    await this.endAccess(trx, project, member.id);
    await this.changes.memberDeleted(trx, project, deleted);
    return deleted;
  }

  /**
   * Reactivates a deleted member the caller has locked, in the caller's
   * transaction: it claims its email again (a live holder fails the unique
   * index). Its roles, SCIM group roles included, are as they were.
   */
  async reactivateIn(trx: Db, project: ProjectContext, organization: OrganizationModel, member: MemberModel): Promise<MemberModel> {
    return (await this.reactivated(trx, project, organization, member)).member;
  }

  /** reactivateIn's work: the Member recorded with its event. */
  private async reactivated(trx: Db, project: ProjectContext, organization: OrganizationModel, member: MemberModel): Promise<MemberRecord> {
    await this.claimEmail(trx, member.organization_id, member.id, member.email_normalized);
    const reactivated = await this.members.update(trx, member.organization_id, member.id, { status: 'active' });
    return this.recordChange(trx, project, organization, reactivated);
  }

  /**
   * A sign-in proved the member's email: it becomes active and verified. Its first time (a pending or invited
   * member, an unverified address) is a member update with its event; every later sign-in writes nothing
   * (authentication's hot path writes no event: a session is not one).
   */
  async activateOnSignIn(trx: Db, project: ProjectContext, organization: OrganizationModel, found: MemberModel): Promise<MemberModel> {
    if (found.status === 'active' && found.email_address_verified) return found;
    const member = await this.members.update(trx, organization.id, found.id, { status: 'active', email_address_verified: true });
    return this.recordUpdate(trx, project, organization, member);
  }

  /**
   * Records members one statement created or updated together (invites) as their events, in one INSERT; the
   * records the events show (created first, then updated): the updated members' read set-based, the created
   * ones' with nothing registered or retired yet.
   */
  async recordMany(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    created: MemberModel[],
    updated: MemberModel[],
  ): Promise<MemberRecord[]> {
    const fresh = created.map((member): MemberRecord => ({ member, organization, retiredEmails: [] }));
    const changed = updated.length > 0 ? await this.records(trx, updated, [organization]) : [];
    await this.changes.members(trx, project, [
      ...fresh.map((record) => ({ action: 'CREATE' as const, record })),
      ...changed.map((record) => ({ action: 'UPDATE' as const, record })),
    ]);
    return [...fresh, ...changed];
  }

  /**
   * Records updates of members of one organization that one statement made (SCIM group roles recomputed), each
   * with the Member as members.get would answer it now, in one INSERT.
   */
  async recordUpdates(trx: Db, project: ProjectContext, organizationId: string, members: MemberModel[]): Promise<void> {
    if (members.length === 0) return;
    const organization = await this.organizations.findById(trx, project.id, organizationId);
    if (!organization) throw organizationNotFound();
    const records = await this.records(trx, members, [organization]);
    await this.changes.members(
      trx,
      project,
      records.map((record) => ({ action: 'UPDATE' as const, record })),
    );
  }

  /** Records a member's update as its event, with the Member object as members.get would answer it now. */
  async recordUpdate(trx: Db, project: ProjectContext, organization: OrganizationModel, member: MemberModel): Promise<MemberModel> {
    return (await this.recordChange(trx, project, organization, member)).member;
  }

  /**
   * Applies a patch to a member the caller has locked and records the update, when the patch changes something
   * (or `changed` says the caller changed the Member already, e.g. linked a factor): an authentication that only
   * earns a session writes nothing. The member as it is now.
   */
  async patchIn(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    current: MemberModel,
    patch: MemberPatch,
    changed = false,
  ): Promise<MemberModel> {
    const differs = (Object.keys(patch) as (keyof MemberPatch)[]).some((field) => !isDeepStrictEqual(current[field], patch[field]));
    if (!changed && !differs) return current;
    return this.recordUpdate(trx, project, organization, await this.members.update(trx, organization.id, current.id, patch));
  }

  /** Records a member's update as its event; the record it shows, for callers answering the Member too. */
  async recordChange(trx: Db, project: ProjectContext, organization: OrganizationModel, member: MemberModel): Promise<MemberRecord> {
    const record = await this.record(trx, member, organization);
    await this.changes.member(trx, project, 'UPDATE', record);
    return record;
  }

  async reactivate(project: ProjectContext, organizationRef: string, memberRef: string): Promise<MemberRecord> {
    const organization = await this.organizationService.resolve(this.knex, project, organizationRef);
    try {
      return await this.knex.transaction(async (trx) => {
        const member = await this.resolveMember(trx, project, organization, memberRef, { includeDeleted: true, forUpdate: true });
        if (member.status !== 'deleted') {
          throw badRequest('no_deleted_member_found_for_reactivation', 'The Member is not deleted, so it cannot be reactivated.');
        }
        return this.reactivated(trx, project, organization, member);
      });
    } catch (err) {
      // The email is taken now: by a live member (the unique index) or as another member's retired email.
      const refusal = err instanceof AppError ? err : constraintError(err);
      if (refusal?.errorType === 'duplicate_member_email' || refusal?.errorType === 'retired_member_email') {
        throw badRequest(
          'reactivation_email_belongs_to_another_member',
          "Another Member of this organization now holds this Member's email address.",
        );
      }
      throw err;
    }
  }

  async deleteExternalId(project: ProjectContext, organizationRef: string, memberRef: string): Promise<MemberRecord> {
    const organization = await this.organizationService.resolve(this.knex, project, organizationRef);
    return this.knex.transaction(async (trx) => {
      const member = await this.resolveMember(trx, project, organization, memberRef, { forUpdate: true });
      return this.recordChange(
        trx,
        project,
        organization,
        await this.members.update(trx, organization.id, member.id, { external_id: null }),
      );
    });
  }

  async search(project: ProjectContext, input: SearchMembersInput): Promise<MemberPage> {
    const organizations = await this.resolveOrganizations(project, input.organization_ids);
    const query = parseSearchQuery(input.query, MEMBER_FILTERS, 'member_search');
    for (const filter of query.filters) {
      if (filter.name === 'member_ids') {
        filter.value = (filter.value as string[]).flatMap((ref) => parseId('member', project.env, ref) ?? []);
      }
    }
    const page = await this.members.search(
      this.knex,
      organizations.map((o) => o.id),
      query,
      decodeCursor(input.cursor),
      checkLimit(input.limit),
    );
    const members = await this.records(this.knex, page.rows, organizations);
    const returnedOrgIds = new Set(page.rows.map((m) => m.organization_id));
    return {
      members,
      organizations: organizations.filter((o) => returnedOrgIds.has(o.id)),
      total: page.total,
      nextCursor: encodeCursor(page.nextAfterId),
    };
  }

  /** All organizations named by a search, in one query for ids; any unknown one fails the search. */
  private async resolveOrganizations(project: ProjectContext, refs: string[]): Promise<OrganizationModel[]> {
    const ids = refs.map((ref) => parseId('organization', project.env, ref));
    const found = await this.organizations.findByIds(
      this.knex,
      project.id,
      ids.filter((id): id is string => id !== undefined),
    );
    const byId = new Map(found.map((o) => [o.id, o]));
    const resolved: OrganizationModel[] = [];
    for (const [index, ref] of refs.entries()) {
      const id = ids[index];
      const organization = id ? byId.get(id) : await this.organizationService.resolve(this.knex, project, ref).catch(() => undefined);
      if (!organization) throw organizationNotFound();
      if (!resolved.some((o) => o.id === organization.id)) resolved.push(organization);
    }
    return resolved;
  }
}
