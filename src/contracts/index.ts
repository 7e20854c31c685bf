import type { Contract } from './contract';
import { deduplicationContracts } from './deduplication';
import { discoveryContracts } from './discovery';
import { emailContracts } from './emails';
import { eventContracts } from './events';
import { healthContracts } from './health';
import { inviteContracts } from './invites';
import { jobContracts } from './jobs';
import { magicLinkContracts } from './magic-links';
import { memberContracts } from './members';
import { migrationContracts } from './migrations';
import { organizationContracts } from './organizations';
import { rbacContracts } from './rbac';
import { emailOtpContracts } from './otps-email';
import { sessionExchangeContracts } from './session-exchange';
import { sessionContracts } from './sessions';
import { smsContracts } from './otps-sms';
import { recoveryCodeContracts } from './recovery-codes';
import { scimDiscoveryContracts } from './scim';
import { scimConnectionContracts } from './scim-connections';
import { scimGroupContracts } from './scim-groups';
import { scimReconcileContracts } from './scim-reconcile';
import { scimUserContracts } from './scim-users';
import { totpContracts } from './totps';
import { ssoAuthenticateContracts } from './sso-authenticate';
import { ssoConnectionContracts } from './sso';
import { ssoOidcContracts } from './sso-oidc';
import { ssoSamlContracts } from './sso-saml';
import { samlAcsContracts } from './sso-saml-acs';
import { webhookEndpointContracts } from './webhook-endpoints';
import { webhookDeliveryContracts } from './webhook-deliveries';

export * from './contract';

/** Every endpoint Roster serves: routes are declared from these, and the OpenAPI document is generated from them. */
export const contracts: Contract[] = [
  ...healthContracts,
  ...organizationContracts,
  ...memberContracts,
  ...sessionContracts,
  ...rbacContracts,
  ...smsContracts,
  ...totpContracts,
  ...recoveryCodeContracts,
  ...sessionExchangeContracts,
  ...discoveryContracts,
  ...magicLinkContracts,
  ...emailOtpContracts,
  ...inviteContracts,
  ...jobContracts,
  ...migrationContracts,
  ...deduplicationContracts,
  ...emailContracts,
  ...scimConnectionContracts,
  ...scimDiscoveryContracts,
  ...scimGroupContracts,
  ...scimReconcileContracts,
  ...scimUserContracts,
  ...ssoAuthenticateContracts,
  ...ssoConnectionContracts,
  ...ssoOidcContracts,
  ...ssoSamlContracts,
  ...samlAcsContracts,
  ...webhookEndpointContracts,
  ...webhookDeliveryContracts,
  ...eventContracts,
];
