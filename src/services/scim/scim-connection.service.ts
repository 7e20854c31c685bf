import type { Knex } from 'knex';
import type { CreateScimConnectionInput, GetScimGroupsInput, UpdateScimConnectionInput } from '../../contracts/scim-connections';
import { badRequest, notFound } from '../../errors';
import { parseId, uuidv7 } from '../../ids';
import type { OrganizationModel } from '../../models/organization.model';
import type { Db } from '../../repositories/db';
import type {
  ScimConnectionRepository,
  ScimConnectionRow,
  ScimGroupRow,
  ScimRoleAssignmentRow,
} from '../../repositories/scim-connection.repository';
import { hashSecret, newSecret } from '../../secrets';
import type { ChangeEvents } from '../events/change-events';
import type { OrganizationService } from '../organization.service';
import type { ProjectContext } from '../project-context';
import { assignableRoleIds } from '../roles';
import { checkLimit, decodeCursor, encodeCursor } from '../search-query';
import type { ScimRoles } from './scim-roles';

/** A connection as its management answers it: with its role assignments, and a token when one was just minted. */
export interface ScimConnectionRecord {
  connection: ScimConnectionRow;
  assignments: ScimRoleAssignmentRow[];
  /** The bearer token minted by this call (create), shown once. */
  bearerToken?: string;
  /** The next bearer token minted by this call (rotation start), shown once. */
  nextBearerToken?: string;
}

export interface ScimGroupPage {
  groups: ScimGroupRow[];
  nextCursor: string | null;
}

const connectionNotFound = () => notFound('scim_connection_not_found', 'SCIM connection could not be found in this organization.');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh bearer token with what is stored of it. */
function mintToken(): { token: string; hash: Buffer; lastFour: string } {
  const token = newSecret();
  return { token, hash: hashSecret(token), lastFour: token.slice(-4) };
}

/**
 * Stytch's `scim.connection` endpoints: one SCIM connection per
 * organization (the database's unique index settles concurrent creates),
 * bearer tokens shown once and stored hashed, rotation with two live tokens
 * until it completes, and group role assignments whose effect on members is
 * recomputed by ScimRoles.
 */
export class ScimConnectionService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly connections: ScimConnectionRepository,
    private readonly roles: ScimRoles,
    private readonly changes: ChangeEvents,
  ) {}

  async create(project: ProjectContext, organizationRef: string, input: CreateScimConnectionInput): Promise<ScimConnectionRecord> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const minted = mintToken();
    return this.knex.transaction(async (trx) => {
      // A concurrent create fails on the unique index: nothing else changes the connection this organization shows.
      const before = await this.organizations.byId(trx, project, organization.id);
      // A second connection fails on scim_connections__organization_id__unique (scim_connection_already_exists).
      const connection = await this.connections.insert(trx, {
        id: uuidv7(),
        project_id: project.id,
        organization_id: organization.id,
        display_name: input.display_name ?? '',
        identity_provider: input.identity_provider ?? 'generic',
        bearer_token_hash: minted.hash,
        bearer_token_last_four: minted.lastFour,
      });
      const record: ScimConnectionRecord = { connection, assignments: [] };
      await this.changes.scimConnection(trx, project, 'CREATE', record);
      await this.organizations.recordIfChanged(trx, project, before);
      return { ...record, bearerToken: minted.token };
    });
  }

  /** The organization's connection, or undefined when it has none (Stytch answers 200 without one). */
  async get(project: ProjectContext, organizationRef: string): Promise<ScimConnectionRecord | undefined> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const connection = await this.connections.findByOrganization(this.knex, project.id, organization.id);
    return connection && { connection, assignments: await this.connections.roleAssignments(this.knex, connection.id) };
  }

  async update(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    input: UpdateScimConnectionInput,
  ): Promise<ScimConnectionRecord> {
    return this.knex.transaction(async (trx) => {
      const { organization, connection } = await this.locked(trx, project, organizationRef, connectionRef);
      let assignmentsChanged = false;
      if (input.scim_group_implicit_role_assignments !== undefined) {
        const assignments = await this.checkAssignments(trx, project, organization, connection, input.scim_group_implicit_role_assignments);
        assignmentsChanged = await this.connections.replaceRoleAssignments(trx, connection.id, assignments);
      }
      const patch = {
        ...(input.display_name !== undefined && { display_name: input.display_name }),
        ...(input.identity_provider !== undefined && { identity_provider: input.identity_provider }),
      };
      const updated = Object.keys(patch).length > 0 ? await this.connections.update(trx, connection.id, patch) : connection;
      // Members' roles follow in the background (a group may hold 50,000 members); the outbox entry commits with the change.
      if (assignmentsChanged) await this.roles.refreshConnection(trx, project.id, connection.id);
      return this.updated(trx, project, organization, updated);
    });
  }

  /** Deletes the connection, its groups and registrations; the roles its groups granted are withdrawn in the same transaction. */
  async delete(project: ProjectContext, organizationRef: string, connectionRef: string): Promise<string> {
    return this.knex.transaction(async (trx) => {
      const { organization, connection } = await this.locked(trx, project, organizationRef, connectionRef);
      await this.connections.delete(trx, connection.id);
      await this.roles.clearConnection(trx, organization.id, connection.id);
      await this.changes.scimConnection(trx, project, 'DELETE', { connection, assignments: [] });
      await this.organizations.recordIfChanged(trx, project, organization);
      return connection.id;
    });
  }

  async groups(project: ProjectContext, organizationRef: string, connectionRef: string, input: GetScimGroupsInput): Promise<ScimGroupPage> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const connection = await this.connections.findByOrganization(this.knex, project.id, organization.id);
    if (!connection || parseId('scim-connection', project.env, connectionRef) !== connection.id) throw connectionNotFound();
    const limit = checkLimit(input.limit === undefined ? undefined : Number(input.limit));
    const rows = await this.connections.groupsAfter(this.knex, connection.id, decodeCursor(input.cursor), limit);
    const groups = rows.slice(0, limit);
    return { groups, nextCursor: rows.length > limit ? encodeCursor(groups[groups.length - 1].id) : null };
  }

  /** Mints the next bearer token; until the rotation completes or is cancelled, both tokens open the connection. */
  async rotateStart(project: ProjectContext, organizationRef: string, connectionRef: string): Promise<ScimConnectionRecord> {
    const minted = mintToken();
    const record = await this.patchLocked(project, organizationRef, connectionRef, () => ({
      next_bearer_token_hash: minted.hash,
      next_bearer_token_last_four: minted.lastFour,
      next_bearer_token_expires_at: null,
    }));
    return { ...record, nextBearerToken: minted.token };
  }

  /** The next token becomes the only one: the old one stops opening the connection with this commit. */
  async rotateComplete(project: ProjectContext, organizationRef: string, connectionRef: string): Promise<ScimConnectionRecord> {
    return this.patchLocked(project, organizationRef, connectionRef, (connection) => {
      if (!connection.next_bearer_token_hash) throw rotationNotStarted();
      return {
        bearer_token_hash: connection.next_bearer_token_hash,
        bearer_token_last_four: connection.next_bearer_token_last_four,
        bearer_token_expires_at: connection.next_bearer_token_expires_at,
        ...NO_NEXT_TOKEN,
      };
    });
  }

  /** Drops the next token: it stops opening the connection with this commit. */
  async rotateCancel(project: ProjectContext, organizationRef: string, connectionRef: string): Promise<ScimConnectionRecord> {
    return this.patchLocked(project, organizationRef, connectionRef, (connection) => {
      if (!connection.next_bearer_token_hash) throw rotationNotStarted();
      return NO_NEXT_TOKEN;
    });
  }

  private async patchLocked(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    patchOf: (connection: ScimConnectionRow) => Parameters<ScimConnectionRepository['update']>[2],
  ): Promise<ScimConnectionRecord> {
    return this.knex.transaction(async (trx) => {
      const { organization, connection } = await this.locked(trx, project, organizationRef, connectionRef);
      return this.updated(trx, project, organization, await this.connections.update(trx, connection.id, patchOf(connection)));
    });
  }

  /**
   * The connection as it is now, its update recorded as an event (token rotations included, never the tokens),
   * and its organization's when the organization's scim_active_connection changed with it.
   */
  private async updated(
    trx: Db,
    project: ProjectContext,
    before: OrganizationModel,
    connection: ScimConnectionRow,
  ): Promise<ScimConnectionRecord> {
    const record = { connection, assignments: await this.connections.roleAssignments(trx, connection.id) };
    await this.changes.scimConnection(trx, project, 'UPDATE', record);
    await this.organizations.recordIfChanged(trx, project, before);
    return record;
  }

  /**
   * The connection named by the request, locked, and its organization as it shows the connection before this
   * change (read after the lock, so a concurrent write of the connection is not taken for this one's);
   * another organization's connection is not found.
   */
  private async locked(
    trx: Db,
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
  ): Promise<{ organization: OrganizationModel; connection: ScimConnectionRow }> {
    const resolved = await this.organizations.resolve(trx, project, organizationRef);
    const id = parseId('scim-connection', project.env, connectionRef);
    const connection = id && (await this.connections.findForUpdate(trx, project.id, resolved.id, id));
    if (!connection) throw connectionNotFound();
    return { organization: await this.organizations.byId(trx, project, resolved.id), connection };
  }

  /** Each group must be one of this connection's, each role one this organization's members may hold. */
  private async checkAssignments(
    trx: Db,
    project: ProjectContext,
    organization: OrganizationModel,
    connection: ScimConnectionRow,
    assignments: { group_id: string; role_id: string }[],
  ): Promise<{ group_id: string; role_id: string }[]> {
    const groupIds = [...new Set(assignments.map((a) => a.group_id))];
    const known = await this.connections.existingGroupIds(
      trx,
      connection.id,
      groupIds.filter((id) => UUID.test(id)),
    );
    const unknownGroup = groupIds.find((id) => !known.has(id));
    if (unknownGroup !== undefined) {
      throw badRequest('scim_group_not_found', `Group "${unknownGroup}" is not a group of this SCIM connection.`);
    }
    const roleIds = [...new Set(assignments.map((a) => a.role_id))];
    const assignable = assignableRoleIds(await this.organizations.definedRoleIds(trx, project.id, organization, roleIds));
    const unknownRole = roleIds.find((id) => !assignable.has(id));
    if (unknownRole !== undefined) {
      throw badRequest('invalid_rbac_role_id', `Role "${unknownRole}" is not defined for this organization.`);
    }
    return assignments.map(({ group_id, role_id }) => ({ group_id, role_id }));
  }
}

const NO_NEXT_TOKEN = { next_bearer_token_hash: null, next_bearer_token_last_four: '', next_bearer_token_expires_at: null };

const rotationNotStarted = () =>
  badRequest('scim_token_rotation_not_started', 'No bearer token rotation is in progress for this SCIM connection: start one first.');
