import type { MigrationService } from '../../services/migrations/migration.service';
import type { OrganizationService } from '../../services/organization.service';
import { dispatch } from './dispatch';

export function maintenanceProcessor(organizations: OrganizationService, migrations: MigrationService) {
  return dispatch<'maintenance'>({
    'organizations.purge-deleted': async () => ({ purged: await organizations.purgeDeleted() }),
    'jobs.sweep': async () => migrations.sweep(),
  });
}
