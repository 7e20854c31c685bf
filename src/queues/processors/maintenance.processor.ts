import type { JobSweeper } from '../../services/job-sweeper';
import type { OrganizationService } from '../../services/organization.service';
import type { SigningKeys } from '../../services/sessions/signing-keys';
import { dispatch } from './dispatch';

export function maintenanceProcessor(organizations: OrganizationService, sweeper: JobSweeper, keys: SigningKeys) {
  return dispatch<'maintenance'>({
    'organizations.purge-deleted': async () => ({ purged: await organizations.purgeDeleted() }),
    'jobs.sweep': () => sweeper.sweep(),
    'signing-keys.rotate': () => keys.rotate(),
  });
}
