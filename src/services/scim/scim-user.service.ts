import type { Knex } from 'knex';
import { normalizeEmail } from '../../email-rules';
import { uuidv7 } from '../../ids';
import type { MemberModel } from '../../models/member.model';
import type { OrganizationModel } from '../../models/organization.model';
import { independentReads, type Db } from '../../repositories/db';
import type { MemberRepository } from '../../repositories/member.repository';
import type { OrganizationRepository } from '../../repositories/organization.repository';
import {
  SCIM_USER_FILTER_ATTRIBUTES,
  type ScimUserGroup,
  type ScimUserRepository,
  type ScimUserRow,
} from '../../repositories/scim-user.repository';
import type { MemberService } from '../member.service';
import { compileFilter } from './filter';
import { pageParams } from './paging';
import { applyPatch, parsePatchRequest } from './patch';
import type { ScimContext } from './scim-auth';
import { scimBadRequest, scimConflict, scimNotFound, ScimError } from './scim-error';
import { scimUserFields, type ScimUserFields } from './scim-user-mapping';
import { canonicalize, USER_SCHEMAS } from './schemas';

/** A SCIM user as the presenter needs it: its registration, its member and its groups. */
export interface ScimUserView {
  user: ScimUserRow;
  member: MemberModel;
  groups: ScimUserGroup[];
}

export interface ScimUserList {
  users: ScimUserView[];
  totalResults: number;
  startIndex: number;
  /** count=0 asks for the total only (RFC 7644 §3.4.2.4). */
  count: number;
}

/** What GET /Users takes (query strings as sent). */
export interface ScimListQuery {
  filter?: string;
  startIndex?: string;
  count?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const userNotFound = (id: string) => scimNotFound(`No User with id "${id}" in this SCIM connection.`);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The /Users endpoints: a SCIM User is a Member of the connection's
 * organization, linked through its scim_users row. Every write is one
 * transaction holding the email's advisory lock (the lock every member
 * writer takes), so a SCIM POST, a JIT sign-in and members.create for one
 * address end with one Member, and a POST retried after a timeout finds its
 * first attempt's user (409 uniqueness) rather than a second one.
 */
export class ScimUserService {
  constructor(
    private readonly knex: Knex,
    private readonly scimUsers: ScimUserRepository,
    private readonly members: MemberRepository,
    private readonly organizations: OrganizationRepository,
    private readonly memberService: MemberService,
  ) {}

  async create(ctx: ScimContext, body: unknown): Promise<ScimUserView> {
    const fields = scimUserFields(resourceOf(body));
    return this.knex.transaction(async (trx) => {
      const organization = await this.organization(trx, ctx);
      const email = normalizeEmail(fields.email);
      await this.members.lockEmail(trx, organization.id, email);
      await this.checkUnique(trx, ctx, fields);
      const [existing] = await this.members.lockLiveByEmails(trx, organization.id, [email]);
      // The registration is written before the member's event, so the event's Member shows it as members.get does.
      const registered: { user?: ScimUserRow } = {};
      const register = async (member: MemberModel) => {
        registered.user = await this.scimUsers.insert(trx, {
          id: uuidv7(),
          project_id: ctx.project.id,
          organization_id: organization.id,
          connection_id: ctx.connection.id,
          member_id: member.id,
          user_name: fields.userName,
          external_id: fields.externalId,
          active: fields.active,
          attributes: fields.attributes,
        });
      };
      let member = existing
        ? await this.link(trx, ctx, organization, existing, fields, register)
        : await this.insertMember(trx, ctx, organization, fields, register);
      // A directory may create a user already inactive: the member exists, without access.
      if (!fields.active) member = await this.memberService.deactivateIn(trx, ctx.project, member);
      return { user: registered.user!, member, groups: [] };
    });
  }

  /** The person is already a member (invited, signed up, imported): the SCIM user becomes its registration. */
  private async link(
    trx: Db,
    ctx: ScimContext,
    organization: OrganizationModel,
    member: MemberModel,
    fields: ScimUserFields,
    register: (member: MemberModel) => Promise<void>,
  ) {
    const registered = await this.scimUsers.findByMember(trx, member.id);
    if (registered) throw scimConflict(`The member with this email address is already the SCIM user "${registered.id}".`);
    await register(member);
    const updated = await this.memberService.updateIn(trx, ctx.project, organization, member, {
      ...(fields.name === undefined ? {} : { name: fields.name }),
      ...(fields.memberExternalId === null ? {} : { external_id: fields.memberExternalId }),
    });
    // The directory vouches for the person: an invited or pending member becomes active. Its new registration
    // alone changes the Member, so an event is recorded even when nothing else changes.
    const activate = fields.active && updated.status !== 'active';
    if (!activate && updated !== member) return updated;
    return this.memberService.patchIn(trx, ctx.project, organization, updated, activate ? { status: 'active' } : {}, true);
  }

  private insertMember(
    trx: Db,
    ctx: ScimContext,
    organization: OrganizationModel,
    fields: ScimUserFields,
    register: (member: MemberModel) => Promise<void>,
  ): Promise<MemberModel> {
    return this.memberService.insertIn(
      trx,
      ctx.project,
      organization,
      {
        email_address: fields.email,
        status: 'active',
        ...(fields.name === undefined ? {} : { name: fields.name }),
        ...(fields.memberExternalId === null ? {} : { external_id: fields.memberExternalId }),
      },
      register,
    );
  }

  async get(ctx: ScimContext, id: string): Promise<ScimUserView> {
    const user = UUID.test(id) ? await this.scimUsers.findById(this.knex, ctx.connection.id, id) : undefined;
    if (!user) throw userNotFound(id);
    return this.view(this.knex, ctx, user);
  }

  async list(ctx: ScimContext, query: ScimListQuery): Promise<ScimUserList> {
    const { startIndex, count } = pageParams(query);
    const condition =
      query.filter === undefined || query.filter.trim() === '' ? undefined : compileFilter(query.filter, SCIM_USER_FILTER_ATTRIBUTES);
    const page = await this.scimUsers.list(this.knex, ctx.connection.id, condition, startIndex - 1, count);
    const memberIds = page.rows.map((u) => u.member_id);
    const [members, groups] = await Promise.all([
      this.members.findByIds(this.knex, ctx.connection.organization_id, memberIds),
      this.scimUsers.groupsOf(this.knex, ctx.connection.id, memberIds),
    ]);
    const memberOf = new Map(members.map((m) => [m.id, m]));
    const users = page.rows.map((user) => ({
      user,
      member: memberOf.get(user.member_id)!,
      groups: groups.filter((g) => g.member_id === user.member_id),
    }));
    return { users, totalResults: page.total, startIndex, count };
  }

  /** PUT: the resource is replaced by the one sent (its `id`, read-only, may only repeat the user's). */
  async replace(ctx: ScimContext, id: string, body: unknown): Promise<ScimUserView> {
    const resource = resourceOf(body);
    if (resource.id !== undefined && resource.id !== id) throw scimBadRequest('mutability', 'id is read-only: it cannot change.');
    const fields = scimUserFields(resource);
    return this.write(ctx, id, () => fields);
  }

  /** PATCH: the operations apply to the resource as stored, all or none, then it is written as a PUT would write it. */
  async patch(ctx: ScimContext, id: string, body: unknown): Promise<ScimUserView> {
    const operations = parsePatchRequest(body, USER_SCHEMAS);
    return this.write(ctx, id, (user) => scimUserFields(applyPatch(resourceOfRow(user), operations, USER_SCHEMAS)));
  }

  /** DELETE: the member loses access at once, and the user, its registration and group memberships are gone. */
  async delete(ctx: ScimContext, id: string): Promise<void> {
    if (!UUID.test(id)) throw userNotFound(id);
    await this.knex.transaction(async (trx) => {
      const user = await this.scimUsers.findById(trx, ctx.connection.id, id, true);
      if (!user) throw userNotFound(id);
      const member = await this.members.findById(trx, user.organization_id, user.member_id, true);
      if (member && member.status !== 'deleted') await this.memberService.deactivateIn(trx, ctx.project, member);
      await this.scimUsers.delete(trx, ctx.connection.id, user);
    });
  }

  /**
   * PUT and PATCH: with the user's row locked (concurrent writers queue, so
   * none loses another's change), the new resource is read against the row
   * as it is now and written together with its member's changes.
   */
  private async write(ctx: ScimContext, id: string, next: (user: ScimUserRow) => ScimUserFields): Promise<ScimUserView> {
    if (!UUID.test(id)) throw userNotFound(id);
    return this.knex.transaction(async (trx) => {
      const current = await this.scimUsers.findById(trx, ctx.connection.id, id, true);
      if (!current) throw userNotFound(id);
      const fields = next(current);
      await this.checkUnique(trx, ctx, fields, id);
      const organization = await this.organization(trx, ctx);
      const member = await this.members.findById(trx, organization.id, current.member_id, true);
      if (!member) throw userNotFound(id);
      await this.updateMember(trx, ctx, organization, member, fields);
      const user = await this.scimUsers.update(trx, ctx.connection.id, id, {
        user_name: fields.userName,
        external_id: fields.externalId,
        active: fields.active,
        attributes: fields.attributes,
      });
      return this.view(trx, ctx, user);
    });
  }

  /** The member follows its SCIM user: reactivation first (it reclaims the email), then details, then deactivation. */
  private async updateMember(trx: Db, ctx: ScimContext, organization: OrganizationModel, member: MemberModel, fields: ScimUserFields) {
    let current = member;
    if (fields.active && current.status === 'deleted') {
      current = await this.memberService.reactivateIn(trx, ctx.project, organization, current);
    }
    current = await this.memberService.updateIn(trx, ctx.project, organization, current, {
      ...(fields.name === undefined ? {} : { name: fields.name }),
      ...(fields.memberExternalId === null ? {} : { external_id: fields.memberExternalId }),
      ...(fields.email === current.email ? {} : { email_address: fields.email }),
    });
    if (!fields.active && current.status !== 'deleted') await this.memberService.deactivateIn(trx, ctx.project, current);
  }

  /** SCIM's `uniqueness`: userName (any case) and externalId are unique within the connection. */
  private async checkUnique(trx: Db, ctx: ScimContext, fields: ScimUserFields, exceptId?: string): Promise<void> {
    const holder = await this.scimUsers.findHolder(trx, ctx.connection.id, fields.userName, fields.externalId, exceptId);
    if (!holder) return;
    const attribute = holder.user_name.toLowerCase() === fields.userName.toLowerCase() ? 'userName' : 'externalId';
    throw scimConflict(`Another User of this SCIM connection has this ${attribute}.`);
  }

  private async organization(db: Db, ctx: ScimContext): Promise<OrganizationModel> {
    const organization = await this.organizations.findById(db, ctx.project.id, ctx.connection.organization_id);
    if (!organization) throw new ScimError(404, undefined, "This SCIM connection's organization no longer exists.");
    return organization;
  }

  private async view(db: Db, ctx: ScimContext, user: ScimUserRow): Promise<ScimUserView> {
    // `db` is the request's transaction after a write: its reads go in turn.
    const [member, groups] = await independentReads(db, [
      () => this.members.findById(db, user.organization_id, user.member_id),
      () => this.scimUsers.groupsOf(db, ctx.connection.id, [user.member_id]),
    ]);
    if (!member) throw userNotFound(user.id);
    return { user, member, groups };
  }
}

/** A request body as a User resource, attribute names in their canonical spelling. */
function resourceOf(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw scimBadRequest('invalidSyntax', 'The request body must be a SCIM User resource (a JSON object).');
  return canonicalize(body, USER_SCHEMAS);
}

/** The stored resource PATCH operations apply to: what the directory wrote, with the server's current values. */
function resourceOfRow(user: ScimUserRow): Record<string, unknown> {
  return {
    ...user.attributes,
    id: user.id,
    userName: user.user_name,
    active: user.active,
    ...(user.external_id === null ? {} : { externalId: user.external_id }),
  };
}
