import type { Knex } from 'knex';
import * as createProjects from './20261128000001_create_projects';
import * as createOrganizations from './20261128000002_create_organizations';
import * as createMembers from './20261128000003_create_members';
import * as createJobs from './20261128000004_create_jobs';
import * as createUuidv7Function from './20261128000005_create_uuidv7_function';
import * as createMemberAliases from './20261128000006_create_member_aliases';
import * as createAuthAndEmail from './20261128000007_create_auth_and_email';
import * as guardOrganizationReferences from './20261201000001_guard_organization_references';
import * as normalizeEmailsNfkc from './20261202000001_normalize_emails_nfkc';
import * as certifySigningKeys from './20261203000001_certify_signing_keys';
import * as createBulkInvitees from './20261203000010_create_bulk_invitees';
import * as captureDevOutbox from './20261210000001_capture_dev_outbox';
import * as indexJobsListing from './20261210000100_index_jobs_listing';
import * as trackMigrationChunkSlices from './20261210000200_track_migration_chunk_slices';
import * as discoveryAndFactorCodes from './20261220000001_discovery_and_factor_codes';
import * as captureDevOutboxCodes from './20261220000100_capture_dev_outbox_codes';
import * as createMemberTotps from './20261220000200_create_member_totps';
import * as createSmsMessages from './20261220000300_create_sms_messages';
import * as createRbacPolicies from './20261220000400_create_rbac_policies';
import * as indexVerifiedMemberDomains from './20261220000500_index_verified_member_domains';
import * as createScim from './20261230000001_create_scim';
import * as createScimSnapshots from './20261230000100_create_scim_snapshots';
import * as createSso from './20261230000200_create_sso';
import * as createEventsWebhooks from './20261231000001_create_events_webhooks';
import * as intermediateSessionsSso from './20261231000200_intermediate_sessions_sso';
import * as createConsoleSessions from './20261231000300_create_console_sessions';
import * as indexEventsOrganization from './20261231000400_index_events_organization';
import * as trackEventDispatch from './20261231000500_track_event_dispatch';

/**
 * Migrations are listed here instead of discovered on disk so that the same
 * source works compiled (`npm start`, `release`), under ts-jest, and in a
 * bundled deployment. Append new migrations in order.
 */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '20261128000001_create_projects': createProjects,
  '20261128000002_create_organizations': createOrganizations,
  '20261128000003_create_members': createMembers,
  '20261128000004_create_jobs': createJobs,
  '20261128000005_create_uuidv7_function': createUuidv7Function,
  '20261128000006_create_member_aliases': createMemberAliases,
  '20261128000007_create_auth_and_email': createAuthAndEmail,
  '20261201000001_guard_organization_references': guardOrganizationReferences,
  '20261202000001_normalize_emails_nfkc': normalizeEmailsNfkc,
  '20261203000001_certify_signing_keys': certifySigningKeys,
  '20261203000010_create_bulk_invitees': createBulkInvitees,
  '20261210000001_capture_dev_outbox': captureDevOutbox,
  '20261210000100_index_jobs_listing': indexJobsListing,
  '20261210000200_track_migration_chunk_slices': trackMigrationChunkSlices,
  '20261220000001_discovery_and_factor_codes': discoveryAndFactorCodes,
  '20261220000100_capture_dev_outbox_codes': captureDevOutboxCodes,
  '20261220000200_create_member_totps': createMemberTotps,
  '20261220000300_create_sms_messages': createSmsMessages,
  '20261220000400_create_rbac_policies': createRbacPolicies,
  '20261220000500_index_verified_member_domains': indexVerifiedMemberDomains,
  '20261230000001_create_scim': createScim,
  '20261230000100_create_scim_snapshots': createScimSnapshots,
  '20261230000200_create_sso': createSso,
  '20261231000001_create_events_webhooks': createEventsWebhooks,
  '20261231000200_intermediate_sessions_sso': intermediateSessionsSso,
  '20261231000300_create_console_sessions': createConsoleSessions,
  '20261231000400_index_events_organization': indexEventsOrganization,
  '20261231000500_track_event_dispatch': trackEventDispatch,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};
