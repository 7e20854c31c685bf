import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import { migrateMembers } from '../../contracts/migrations';
import { AppError } from '../../errors';
import type { MemberImportUploads } from '../../services/member-import/upload';
import { presentJob } from '../presenters/job.presenter';
import { route, routerAt } from '../route';

/** Roster's member CSV import (at /migrations/members): a streamed CSV in, a job out. Mounted before the JSON body parser. */
export function memberImportRoutes(uploads: MemberImportUploads): Router {
  const router = routerAt(B2B);
  route(router, migrateMembers, async (req) => {
    if (!req.is(['text/csv', 'application/csv'])) {
      throw new AppError('unsupported_content_type', 415, 'Send the member file as text/csv.');
    }
    const { query } = req;
    const job = await uploads.upload(req.project, req, {
      organization_id: query.organization_id,
      on_conflict: query.on_conflict ?? 'skip',
      create_organizations: query.create_organizations === 'true',
      dry_run: query.dry_run === 'true',
    });
    return { job: presentJob(req.project.env, job) };
  });
  return router;
}
