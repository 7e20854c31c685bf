import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { CreateOrganizationInput, SearchOrganizationsInput, UpdateOrganizationInput } from '../contracts/organizations';
import { organizationNotFound } from '../errors';
import { formatId, looksLikeId, parseId, uuidv7 } from '../ids';
import type { OrganizationModel, OrganizationSettings } from '../models/organization.model';
import type { Db } from '../repositories/db';
import { ORGANIZATION_FILTERS, OrganizationRepository } from '../repositories/organization.repository';
import { checkOrganizationSettings, checkReferencesAreNotIds, mergeMetadata, normalizeDomains } from './organization-rules';
import type { ChangeEvents } from './events/change-events';
import { inTransaction } from './events/in-transaction';
import type { ProjectContext } from './project-context';
import { assignableRoleIds, type ProjectRoles } from './roles';
import { checkLimit, decodeCursor, encodeCursor, parseSearchQuery } from './search-query';

/** Stytch's defaults for a new organization (the wire tests pin them independently). */
export const DEFAULT_SETTINGS: Omit<OrganizationSettings, 'name' | 'slug'> = {
  logo_url: '',
  external_id: null,
  trusted_metadata: {},
  email_allowed_domains: [],
  email_jit_provisioning: 'NOT_ALLOWED',
  email_invites: 'ALL_ALLOWED',
  auth_methods: 'ALL_ALLOWED',
  allowed_auth_methods: [],
  mfa_policy: 'OPTIONAL',
  mfa_methods: 'ALL_ALLOWED',
  allowed_mfa_methods: [],
  sso_jit_provisioning: 'ALL_ALLOWED',
  sso_jit_provisioning_allowed_connections: [],
  sso_default_connection_id: null,
  rbac_email_implicit_role_assignments: [],
  oauth_tenant_jit_provisioning: 'NOT_ALLOWED',
  allowed_oauth_tenants: {},
  claimed_email_domains: [],
  first_party_connected_apps_allowed_type: 'ALL_ALLOWED',
  allowed_first_party_connected_apps: [],
  third_party_connected_apps_allowed_type: 'ALL_ALLOWED',
  allowed_third_party_connected_apps: [],
};

/** The settings a request sets, renamed to columns and normalized; metadata is handled by the caller. */
function settingsFrom(input: UpdateOrganizationInput): Partial<OrganizationSettings> {
  const patch: Partial<OrganizationSettings> = {};
  const copy = <K extends keyof OrganizationSettings>(column: K, value: OrganizationSettings[K] | undefined) => {
    if (value !== undefined) patch[column] = value;
  };
  copy('name', input.organization_name?.trim());
  copy('slug', input.organization_slug);
  copy('logo_url', input.organization_logo_url?.trim());
  copy('external_id', input.organization_external_id === '' ? null : input.organization_external_id);
  copy('email_allowed_domains', input.email_allowed_domains && normalizeDomains('email_allowed_domains', input.email_allowed_domains));
  copy('claimed_email_domains', input.claimed_email_domains && normalizeDomains('claimed_email_domains', input.claimed_email_domains));
  copy('email_jit_provisioning', input.email_jit_provisioning);
  copy('email_invites', input.email_invites);
  copy('auth_methods', input.auth_methods);
  copy('allowed_auth_methods', input.allowed_auth_methods as string[] | undefined);
  copy('mfa_policy', input.mfa_policy);
  copy('mfa_methods', input.mfa_methods);
  copy('allowed_mfa_methods', input.allowed_mfa_methods as string[] | undefined);
  copy('sso_jit_provisioning', input.sso_jit_provisioning);
  copy('sso_jit_provisioning_allowed_connections', input.sso_jit_provisioning_allowed_connections);
  copy('sso_default_connection_id', input.sso_default_connection_id === '' ? null : input.sso_default_connection_id);
  copy(
    'rbac_email_implicit_role_assignments',
    input.rbac_email_implicit_role_assignments?.map((a) => ({ domain: a.domain.trim().toLowerCase(), role_id: a.role_id })),
  );
  copy('oauth_tenant_jit_provisioning', input.oauth_tenant_jit_provisioning);
  copy('allowed_oauth_tenants', input.allowed_oauth_tenants as Record<string, string[]> | undefined);
  copy('first_party_connected_apps_allowed_type', input.first_party_connected_apps_allowed_type);
  copy('allowed_first_party_connected_apps', input.allowed_first_party_connected_apps);
  copy('third_party_connected_apps_allowed_type', input.third_party_connected_apps_allowed_type);
  copy('allowed_third_party_connected_apps', input.allowed_third_party_connected_apps);
  return patch;
}

/** A slug for an organization created without one: its name in slug characters (never an id's shape). */
function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
  return /[a-z0-9]/.test(base) && base.length >= 2 && !looksLikeId('organization', base) ? base : `org-${randomBytes(4).toString('hex')}`;
}

export interface OrganizationPage {
  organizations: OrganizationModel[];
  total: number;
  nextCursor: string | null;
}

export class OrganizationService {
  constructor(
    private readonly knex: Knex,
    private readonly organizations: OrganizationRepository,
    private readonly projectRoles: ProjectRoles,
    private readonly changes: ChangeEvents,
  ) {}

  /**
   * The roles this organization's members may be given besides Stytch's
   * defaults: the project RBAC policy's and the organization's own. `named`
   * are the roles about to be checked: the project's policy is read only
   * when one of them is neither a default nor the organization's own.
   */
  async definedRoleIds(
    db: Db,
    projectId: string,
    organization: Pick<OrganizationModel, 'custom_roles'>,
    named: readonly string[],
  ): Promise<string[]> {
    const own = organization.custom_roles.map((r) => r.role_id);
    const known = assignableRoleIds(own);
    if (named.every((r) => known.has(r))) return own;
    return [...own, ...(await this.projectRoles.roleIds(db, projectId))];
  }

  private implicitRoleIds(
    db: Db,
    projectId: string,
    settings: Pick<OrganizationModel, 'custom_roles' | 'rbac_email_implicit_role_assignments'>,
  ) {
    return this.definedRoleIds(
      db,
      projectId,
      settings,
      settings.rbac_email_implicit_role_assignments.map((a) => a.role_id),
    );
  }

  /**
   * An organization of the caller's project by id, slug or external id (Stytch
   * accepts all three wherever it takes an organization_id), tried in that
   * order. Anything else, including another project's organization, is "not
   * found". The order never decides between two organizations: no slug or
   * external id has an id's shape, and no slug equals another organization's
   * external id (ignoring case), as the database enforces.
   */
  async resolve(db: Db, project: ProjectContext, ref: string): Promise<OrganizationModel> {
    const id = parseId('organization', project.env, ref);
    let organization: OrganizationModel | undefined;
    if (id) organization = await this.organizations.findById(db, project.id, id);
    else if (!looksLikeId('organization', ref)) {
      organization =
        (await this.organizations.findBySlug(db, project.id, ref)) ?? (await this.organizations.findByExternalId(db, project.id, ref));
    }
    if (!organization) throw organizationNotFound();
    return organization;
  }

  get(project: ProjectContext, ref: string): Promise<OrganizationModel> {
    return this.resolve(this.knex, project, ref);
  }

  /** `db` lets another service create the organization inside its own transaction (discovery's create). */
  async create(project: ProjectContext, input: CreateOrganizationInput, db: Db = this.knex): Promise<OrganizationModel> {
    const given = settingsFrom(input);
    // Stytch: with no auth settings given, invites are allowed; once some are
    // given, email_invites must be opted into explicitly.
    const authSettingsGiven = input.sso_jit_provisioning !== undefined || input.email_jit_provisioning !== undefined;
    const settings: OrganizationSettings = {
      ...DEFAULT_SETTINGS,
      email_invites: authSettingsGiven ? 'NOT_ALLOWED' : 'ALL_ALLOWED',
      ...given,
      name: given.name!,
      slug: given.slug ?? slugFromName(given.name!),
      trusted_metadata: input.trusted_metadata ?? {},
    };
    checkOrganizationSettings(settings, await this.implicitRoleIds(db, project.id, { ...settings, custom_roles: [] }));
    checkReferencesAreNotIds(given);
    if (input.organization_slug === undefined && (await this.organizations.isReferenceTaken(db, project.id, settings.slug))) {
      settings.slug = `${settings.slug.slice(0, 119)}-${randomBytes(4).toString('hex')}`;
    }
    // A slug or external id taken meanwhile fails on its constraint (see repositories/constraint-errors).
    return inTransaction(db, async (trx) => {
      const organization = await this.organizations.insert(trx, { ...settings, id: uuidv7(), project_id: project.id });
      await this.changes.organization(trx, project, 'CREATE', organization);
      return organization;
    });
  }

  async update(project: ProjectContext, ref: string, input: UpdateOrganizationInput): Promise<OrganizationModel> {
    return this.knex.transaction(async (trx) => {
      // Lock, then read: concurrent updates (metadata merges) apply one after the other.
      const resolved = await this.resolve(trx, project, ref);
      const current = await this.organizations.findByIdForUpdate(trx, project.id, resolved.id);
      if (!current) throw organizationNotFound();
      const patch = settingsFrom(input);
      if (input.trusted_metadata !== undefined) {
        patch.trusted_metadata = mergeMetadata(current.trusted_metadata, input.trusted_metadata);
      }
      const next = { ...current, ...patch };
      const ssoConnectionIds = (await this.organizations.ssoConnections(trx, current.id)).map((c) =>
        formatId(c.kind === 'oidc' ? 'oidc-connection' : 'saml-connection', project.env, c.id),
      );
      checkOrganizationSettings(next, await this.implicitRoleIds(trx, project.id, next), ssoConnectionIds);
      checkReferencesAreNotIds(patch);
      if (Object.keys(patch).length === 0) return current;
      return this.updated(trx, project, await this.organizations.update(trx, project.id, current.id, patch));
    });
  }

  async deleteExternalId(project: ProjectContext, ref: string): Promise<OrganizationModel> {
    return this.knex.transaction(async (trx) => {
      const current = await this.resolve(trx, project, ref);
      return this.updated(trx, project, await this.organizations.update(trx, project.id, current.id, { external_id: null }));
    });
  }

  /** The organization by bare id as the API shows it (with its connections), locked for the rest of trx if asked. */
  async byId(db: Db, project: ProjectContext, id: string, forUpdate = false): Promise<OrganizationModel> {
    const organization = forUpdate
      ? await this.organizations.findByIdForUpdate(db, project.id, id)
      : await this.organizations.findById(db, project.id, id);
    if (!organization) throw organizationNotFound();
    return organization;
  }

  /**
   * Records an update of the organization when a change to something it shows (its SSO and SCIM connections)
   * changed the Organization object: `before` is the organization as trx read it before the change.
   */
  async recordIfChanged(trx: Db, project: ProjectContext, before: OrganizationModel): Promise<void> {
    const after = await this.organizations.findById(trx, project.id, before.id);
    if (after) await this.changes.organizationIfChanged(trx, project, before, after);
  }

  /** Records an organization's update as its event (callers changing it elsewhere, like its RBAC policy, too). */
  async updated(trx: Db, project: ProjectContext, organization: OrganizationModel): Promise<OrganizationModel> {
    await this.changes.organization(trx, project, 'UPDATE', organization);
    return organization;
  }

  /** The organization disappears at once; its members are purged by the maintenance job. */
  async delete(project: ProjectContext, ref: string): Promise<string> {
    const organization = await this.resolve(this.knex, project, ref);
    await this.knex.transaction(async (trx) => {
      if (!(await this.organizations.markDeleted(trx, project.id, organization.id))) throw organizationNotFound();
      await this.changes.organization(trx, project, 'DELETE', organization);
    });
    return organization.id;
  }

  async metrics(project: ProjectContext, ref: string): Promise<{ member_count: number }> {
    const organization = await this.resolve(this.knex, project, ref);
    return { member_count: await this.organizations.memberCount(this.knex, organization.id) };
  }

  async search(project: ProjectContext, input: SearchOrganizationsInput): Promise<OrganizationPage> {
    const query = parseSearchQuery(input.query, ORGANIZATION_FILTERS, 'organization_search');
    for (const filter of query.filters) {
      if (filter.name === 'organization_ids') {
        filter.value = (filter.value as string[]).flatMap((ref) => parseId('organization', project.env, ref) ?? []);
      }
    }
    const page = await this.organizations.search(this.knex, project.id, query, decodeCursor(input.cursor), checkLimit(input.limit));
    return { organizations: page.rows, total: page.total, nextCursor: encodeCursor(page.nextAfterId) };
  }

  /**
   * Removes the members of deleted organizations in batches (short
   * transactions, so a huge organization never holds long locks), then the
   * organizations themselves. Safe to run concurrently and to re-run.
   */
  async purgeDeleted(batchSize = 5000, maxOrganizations = 100): Promise<number> {
    const deleted = await this.organizations.findDeleted(this.knex, maxOrganizations);
    for (const { id } of deleted) {
      while ((await this.organizations.purgeMembersBatch(this.knex, id, batchSize)) > 0) {
        // keep going until the organization is empty
      }
      await this.organizations.deletePurged(this.knex, id);
    }
    return deleted.length;
  }
}
