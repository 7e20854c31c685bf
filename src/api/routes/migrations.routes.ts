import { Router } from 'express';
import { AppError } from '../../errors';
import type { MigrationService } from '../../services/migrations/migration.service';
import { presentJob } from '../presenters/job.presenter';
import { respond } from '../respond';
import { migrateMembersQuery, MigrateMembersQuery } from '../schemas/job.schemas';
import { validate } from '../validation';

/** Roster's bulk member migrations: a streamed CSV in, a job out. Mounted before the JSON body parser. */
export function migrationRoutes(migrations: MigrationService): Router {
  const router = Router();
  router.post('/migrations/members', validate({ query: migrateMembersQuery }), async (req, res) => {
    if (!req.is(['text/csv', 'application/csv'])) {
      throw new AppError('unsupported_content_type', 415, 'Send the member file as text/csv.');
    }
    const query = req.query as MigrateMembersQuery;
    const job = await migrations.upload(req.project, req, {
      organization_id: query.organization_id,
      on_conflict: query.on_conflict ?? 'skip',
      create_organizations: query.create_organizations === 'true',
      dry_run: query.dry_run === 'true',
    });
    respond(req, res, 202, { job: presentJob(req.project.env, job) });
  });
  return router;
}
