import type { Contract } from './contract';
import { deduplicationContracts } from './deduplication';
import { emailContracts } from './emails';
import { healthContracts } from './health';
import { inviteContracts } from './invites';
import { jobContracts } from './jobs';
import { magicLinkContracts } from './magic-links';
import { memberContracts } from './members';
import { migrationContracts } from './migrations';
import { organizationContracts } from './organizations';
import { sessionContracts } from './sessions';

export * from './contract';

/** Every endpoint Roster serves: routes are declared from these, and the OpenAPI document is generated from them. */
export const contracts: Contract[] = [
  ...healthContracts,
  ...organizationContracts,
  ...memberContracts,
  ...sessionContracts,
  ...magicLinkContracts,
  ...inviteContracts,
  ...jobContracts,
  ...migrationContracts,
  ...deduplicationContracts,
  ...emailContracts,
];
