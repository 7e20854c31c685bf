import type { EventObjects } from '../../services/events/event-objects';
import { presentJob } from './job.presenter';
import { presentMember } from './member.presenter';
import { presentOrganization } from './organization.presenter';
import { presentScimConnection } from './scim-connection.presenter';
import { presentOidcConnection, presentSamlConnection } from './sso-connection.presenter';

/** Events carry the API's own objects: the presenters, handed to the services' EventLog by the composition root. */
export function presenterEventObjects(publicUrl: string): EventObjects {
  return {
    member: presentMember,
    organization: presentOrganization,
    ssoConnection: (record) =>
      record.connection.kind === 'oidc' ? presentOidcConnection(publicUrl, record) : presentSamlConnection(publicUrl, record),
    // Without the bearer tokens a create or rotation shows once: presentScimConnection never includes them.
    scimConnection: (env, record) => presentScimConnection(publicUrl, env, record),
    job: presentJob,
  };
}
