import type { JobSweeper } from '../../services/job-sweeper';
import type { OrganizationService } from '../../services/organization.service';
import { dispatch } from './dispatch';

export function maintenanceProcessor(organizations: OrganizationService, sweeper: JobSweeper) {
  return dispatch<'maintenance'>({
    'organizations.purge-deleted': async () => ({ purged: await organizations.purgeDeleted() }),
    'jobs.sweep': () => sweeper.sweep(),
  });
}
