import type { Knex } from 'knex';
import type { CreateSsoConnectionInput } from '../../../contracts/sso';
import { badRequest } from '../../../errors';
import { ProjectEnv, uuidv7 } from '../../../ids';
import type { OrganizationModel } from '../../../models/organization.model';
import type { Db } from '../../../repositories/db';
import type {
  NewSsoCertificate,
  NewSsoConnection,
  SsoCertificateRow,
  SsoConnectionRepository,
  SsoConnectionRow,
} from '../../../repositories/sso-connection.repository';
import type { ChangeEvents } from '../../events/change-events';
import type { OrganizationService } from '../../organization.service';
import type { ProjectContext } from '../../project-context';
import { assignableRoleIds } from '../../roles';
import { connectionPublicId, parseConnectionId, ssoConnectionNotFound } from './sso-connections';

/** A connection as its management answers it: with its certificates and its project's env (for public ids). */
export interface SsoConnectionRecord {
  connection: SsoConnectionRow;
  certificates: SsoCertificateRow[];
  env: ProjectEnv;
}

/** What a change to a locked connection does: the columns to set and the certificates to add. */
export interface SsoConnectionChange {
  patch: Parameters<SsoConnectionRepository['update']>[2];
  /** Certificates to insert (ids and connection filled in here). */
  certificates?: Omit<NewSsoCertificate, 'id' | 'connection_id'>[];
  /** Purposes whose current certificates the new ones replace. */
  replaces?: SsoCertificateRow['purpose'][];
}

/**
 * Stytch's `sso` management endpoints, shared by both kinds: listing,
 * deleting, and the locked write every create or update goes through. Each
 * write locks the organization's row first, so that its default connection
 * and JIT-provisioning list follow its connections one change at a time.
 */
export class SsoConnectionService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationService,
    private readonly connections: SsoConnectionRepository,
    private readonly changes: ChangeEvents,
  ) {}

  async list(project: ProjectContext, organizationRef: string): Promise<SsoConnectionRecord[]> {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const rows = await this.connections.listByOrganization(this.knex, project.id, organization.id);
    const certificates = await this.connections.certificatesOf(
      this.knex,
      rows.map((r) => r.id),
    );
    return rows.map((connection) => ({
      connection,
      certificates: certificates.filter((c) => c.connection_id === connection.id),
      env: project.env,
    }));
  }

  /** Creates a pending connection; `extra` lets a kind add its own settings and certificates. */
  async create(
    project: ProjectContext,
    organizationRef: string,
    kind: SsoConnectionRow['kind'],
    input: CreateSsoConnectionInput,
    extra: Pick<NewSsoConnection, 'oidc' | 'saml'> & { certificates?: SsoConnectionChange['certificates'] },
  ): Promise<SsoConnectionRecord> {
    return this.knex.transaction(async (trx) => {
      const organization = await this.organizations.resolve(trx, project, organizationRef);
      const connection = await this.connections.insert(trx, {
        id: uuidv7(),
        project_id: project.id,
        organization_id: organization.id,
        kind,
        display_name: input.display_name ?? '',
        identity_provider: input.identity_provider ?? 'generic',
        oidc: extra.oidc,
        saml: extra.saml,
      });
      await this.connections.insertCertificates(
        trx,
        (extra.certificates ?? []).map((c) => ({ ...c, id: uuidv7(), connection_id: connection.id })),
      );
      const record = await this.record(trx, project, connection);
      await this.changes.ssoConnection(trx, project, 'CREATE', record);
      return record;
    });
  }

  /** Reads the connection named by the request (no lock): what an update decides its network reads from. */
  async find(project: ProjectContext, organizationRef: string, connectionRef: string, kind: SsoConnectionRow['kind']) {
    const organization = await this.organizations.resolve(this.knex, project, organizationRef);
    const parsed = parseConnectionId(project.env, connectionRef);
    const rows = parsed?.kind === kind ? await this.connections.listByOrganization(this.knex, project.id, organization.id) : [];
    const connection = rows.find((r) => r.id === parsed?.id);
    if (!connection) throw ssoConnectionNotFound();
    return connection;
  }

  /**
   * Applies a change to a connection of this kind under the organization's
   * lock, then brings the organization's default connection in step.
   */
  async change(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    kind: SsoConnectionRow['kind'],
    changeOf: (connection: SsoConnectionRow, organization: OrganizationModel, trx: Db) => Promise<SsoConnectionChange>,
  ): Promise<SsoConnectionRecord> {
    return this.knex.transaction(async (trx) => {
      const { organization, connection } = await this.locked(trx, project, organizationRef, connectionRef, kind);
      const change = await changeOf(connection, organization, trx);
      for (const purpose of change.replaces ?? []) await this.connections.deleteCertificates(trx, connection.id, purpose);
      await this.connections.insertCertificates(
        trx,
        (change.certificates ?? []).map((c) => ({ ...c, id: uuidv7(), connection_id: connection.id })),
      );
      const updated = Object.keys(change.patch).length > 0 ? await this.connections.update(trx, connection.id, change.patch) : connection;
      await this.syncOrganization(trx, project, organization);
      const record = await this.record(trx, project, updated);
      await this.changes.ssoConnection(trx, project, 'UPDATE', record);
      return record;
    });
  }

  /** Deletes a connection; it leaves the organization's default and JIT-provisioning list in the same transaction. */
  async delete(project: ProjectContext, organizationRef: string, connectionRef: string): Promise<string> {
    return this.knex.transaction(async (trx) => {
      const parsed = parseConnectionId(project.env, connectionRef);
      const { organization, connection } = await this.locked(trx, project, organizationRef, connectionRef, parsed?.kind ?? 'oidc');
      await this.connections.delete(trx, connection.id);
      await this.syncOrganization(trx, project, organization, connectionPublicId(project.env, connection));
      await this.changes.ssoConnection(trx, project, 'DELETE', { connection, certificates: [], env: project.env });
      return connectionPublicId(project.env, connection);
    });
  }

  /** Deletes one certificate of a SAML connection; sso_connection_not_found-style 404 when it has none by that id. */
  async deleteCertificate(
    project: ProjectContext,
    organizationRef: string,
    connectionRef: string,
    purpose: 'verification' | 'encryption',
    certificateId: string,
  ): Promise<void> {
    await this.change(project, organizationRef, connectionRef, 'saml', async (connection, _organization, trx) => {
      if (!(await this.connections.deleteCertificate(trx, connection.id, purpose, certificateId))) {
        throw badRequest('sso_certificate_not_found', `The SAML connection has no ${purpose} certificate "${certificateId}".`);
      }
      // Without an IdP certificate no response can be verified: the connection goes back to pending.
      const left = await this.connections.certificates(trx, connection.id, 'verification');
      return { patch: purpose === 'verification' && left.length === 0 ? { status: 'pending' } : {} };
    });
  }

  async hasVerificationCertificate(trx: Db, connectionId: string): Promise<boolean> {
    return (await this.connections.certificates(trx, connectionId, 'verification')).length > 0;
  }

  /** Each role must be one this organization's members may hold. */
  async checkRoles(trx: Db, project: ProjectContext, organization: OrganizationModel, roleIds: string[]): Promise<void> {
    const named = [...new Set(roleIds)];
    const assignable = assignableRoleIds(await this.organizations.definedRoleIds(trx, project.id, organization, named));
    const unknown = named.find((id) => !assignable.has(id));
    if (unknown !== undefined) throw badRequest('invalid_rbac_role_id', `Role "${unknown}" is not defined for this organization.`);
  }

  private async locked(trx: Db, project: ProjectContext, organizationRef: string, connectionRef: string, kind: SsoConnectionRow['kind']) {
    const resolved = await this.organizations.resolve(trx, project, organizationRef);
    // Read again under the lock: the organization as it was before this change, for syncOrganization's event.
    const organization = await this.organizations.byId(trx, project, resolved.id, true);
    const parsed = parseConnectionId(project.env, connectionRef);
    const connection =
      parsed?.kind === kind ? await this.connections.findForUpdate(trx, project.id, organization.id, parsed.id) : undefined;
    if (!connection) throw ssoConnectionNotFound();
    return { organization, connection };
  }

  /**
   * The organization's default connection must be one of its active
   * connections: a deleted or no longer active default is dropped, and with
   * none, the first active connection becomes the default. A deleted
   * connection also leaves the JIT-provisioning list. The organization's
   * update is recorded when its object changed (these fields, its active
   * connections); `before` is the organization locked before the change.
   */
  private async syncOrganization(trx: Db, project: ProjectContext, before: OrganizationModel, deletedId?: string): Promise<void> {
    const organizationId = before.id;
    const current = await this.connections.lockOrganization(trx, project.id, organizationId);
    const active = (await this.connections.listByOrganization(trx, project.id, organizationId))
      .filter((c) => c.status === 'active')
      .map((c) => connectionPublicId(project.env, c));
    const keep = current.sso_default_connection_id !== null && active.includes(current.sso_default_connection_id);
    const next = {
      sso_default_connection_id: keep ? current.sso_default_connection_id : (active[0] ?? null),
      sso_jit_provisioning_allowed_connections: current.sso_jit_provisioning_allowed_connections.filter((id) => id !== deletedId),
    };
    if (
      next.sso_default_connection_id !== current.sso_default_connection_id ||
      next.sso_jit_provisioning_allowed_connections.length !== current.sso_jit_provisioning_allowed_connections.length
    ) {
      await this.connections.updateOrganizationSso(trx, organizationId, next);
    }
    await this.organizations.recordIfChanged(trx, project, before);
  }

  private async record(db: Db, project: ProjectContext, connection: SsoConnectionRow): Promise<SsoConnectionRecord> {
    return { connection, certificates: await this.connections.certificatesOf(db, [connection.id]), env: project.env };
  }
}
