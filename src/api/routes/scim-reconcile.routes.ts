import type { NextFunction, Request, Response, Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/scim-reconcile';
import type { ScimReconcileReports } from '../../services/scim/reconcile/reconcile-report';
import type { ScimReconcileUploads } from '../../services/scim/reconcile/reconcile-uploads';
import { AppError } from '../../errors';
import { parseJsonBody, requireJsonBody } from '../middleware/input-hygiene';
import { presentJob } from '../presenters/job.presenter';
import { route, routerAt } from '../route';

/** Room for a JSON snapshot of about a hundred thousand users; larger directories send CSV, which streams. */
const JSON_SNAPSHOT_LIMIT = '64mb';
const isCsv = (req: Pick<Request, 'is'>) => Boolean(req.is(['text/csv', 'application/csv']));

/** SCIM directory snapshots (a job) and their reports. Mounted before the JSON body parser: CSV snapshots stream. */
export function scimReconcileRoutes(uploads: ScimReconcileUploads, reports: ScimReconcileReports): Router {
  const router = routerAt(B2B);
  const parseJson = parseJsonBody(JSON_SNAPSHOT_LIMIT);
  router.post(api.reconcileScimSnapshot.path.slice(B2B.length), (req: Request, res: Response, next: NextFunction) =>
    isCsv(req) ? next() : requireJsonBody(req, res, (err?: unknown) => (err ? next(err) : parseJson(req, res, next))),
  );
  route(router, api.reconcileScimSnapshot, async (req) => {
    const { organization_id, connection_id } = req.params;
    let job;
    if (isCsv(req)) {
      job = await uploads.start(req.project, organization_id, connection_id, { format: 'csv', body: req }, req.query.dry_run === 'true');
    } else {
      const body: unknown = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AppError('invalid_scim_snapshot', 400, 'Send { "users": [...], "dry_run": false } as JSON, or the users as text/csv.');
      }
      const { users, dry_run } = body as { users?: unknown; dry_run?: unknown };
      if (dry_run !== undefined && typeof dry_run !== 'boolean')
        throw new AppError('invalid_scim_snapshot', 400, 'dry_run must be a boolean.');
      job = await uploads.start(
        req.project,
        organization_id,
        connection_id,
        { format: 'json', users },
        dry_run ?? req.query.dry_run === 'true',
      );
    }
    return { job: presentJob(req.project.env, job) };
  });
  route(router, api.getScimReconcileReport, async (req) => {
    const { cursor, limit } = req.query;
    const page = await reports.page(req.project, req.params.job_id, cursor, limit === undefined ? undefined : Number(limit));
    return { changes: page.changes, results_metadata: { total: page.total, next_cursor: page.nextCursor } };
  });
  return router;
}
