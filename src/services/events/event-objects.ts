import type { ProjectEnv } from '../../ids';
import type { JobModel } from '../../models/job.model';
import type { OrganizationModel } from '../../models/organization.model';
import type { MemberRecord } from '../member.service';
import type { ScimConnectionRecord } from '../scim/scim-connection.service';
import type { SsoConnectionRecord } from '../sso/connections/sso-connection.service';

/**
 * The objects events carry, exactly as the API answers them. The API's presenters make them; services may
 * not import the API, so the composition root hands its presenters in through this interface.
 */
export interface EventObjects {
  member(env: ProjectEnv, record: MemberRecord): unknown;
  organization(env: ProjectEnv, organization: OrganizationModel): unknown;
  /** A SAML or OIDC connection, by its kind. */
  ssoConnection(record: SsoConnectionRecord): unknown;
  scimConnection(env: ProjectEnv, record: ScimConnectionRecord): unknown;
  /** The job as GET /v1/b2b/jobs/:job_id answers it. */
  job(env: ProjectEnv, job: JobModel): unknown;
}
