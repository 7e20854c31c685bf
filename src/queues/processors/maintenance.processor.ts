import type { JobSweeper } from '../../services/job-sweeper';
import type { EventRetention } from '../../services/events/event-retention';
import type { CredentialExpiry } from '../../services/maintenance/credential-expiry';
import type { OrganizationService } from '../../services/organization.service';
import type { SigningKeys } from '../../services/sessions/signing-keys';
import type { SamlMetadataRefresh } from '../../services/sso/connections/saml-metadata-refresh';
import type { WebhookDelivery } from '../../services/webhooks/webhook-delivery';
import type { OutboxRelay } from '../outbox-relay';
import { dispatch } from './dispatch';

export function maintenanceProcessor(
  organizations: OrganizationService,
  sweeper: JobSweeper,
  keys: SigningKeys,
  expiry: CredentialExpiry,
  relay: OutboxRelay,
  samlMetadata: SamlMetadataRefresh,
  eventRetention: EventRetention,
  webhookDelivery: WebhookDelivery,
) {
  return dispatch<'maintenance'>({
    'organizations.purge-deleted': async () => ({ purged: await organizations.purgeDeleted() }),
    'jobs.sweep': () => sweeper.sweep(),
    'signing-keys.rotate': () => keys.rotate(),
    'invites.expire': () => expiry.expireInvites(),
    'intermediate-sessions.purge': () => expiry.purgeIntermediateSessions(),
    'tokens.purge': () => expiry.purgeTokens(),
    // The same pass every process's relay runs on its timer: SKIP LOCKED keeps the two from colliding.
    'outbox.sweep': async () => ({ relayed: await relay.drain() }),
    'sso.saml-metadata-refresh': () => samlMetadata.refresh(),
    'events.purge': () => eventRetention.purge(),
    'webhooks.sweep': () => webhookDelivery.sweep(),
  });
}
