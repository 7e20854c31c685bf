import { Job, UnrecoverableError } from 'bullmq';
import type { OrganizationService } from '../../services/organization.service';
import type { JobName } from '../registry';

export function maintenanceProcessor(organizations: OrganizationService) {
  const handlers: Record<JobName, () => Promise<unknown>> = {
    'organizations.purge-deleted': async () => ({ purged: await organizations.purgeDeleted() }),
  };
  return async (job: Job): Promise<unknown> => {
    const handler = handlers[job.name as JobName];
    // A job no handler knows will never succeed: fail it without retries.
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    return handler();
  };
}
