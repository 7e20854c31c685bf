import { Router } from 'express';
import type { BulkInviteService } from '../../services/bulk-invite.service';
import { presentJob } from '../presenters/job.presenter';
import { respond } from '../respond';
import { organizationRefParams } from '../schemas/common.schemas';
import { bulkInviteBody, BulkInviteInput } from '../schemas/magic-link.schemas';
import { validate } from '../validation';

/** Roster's bulk invites: `202` and a job whose progress and per-invitee failures are visible. */
export function inviteRoutes(invites: BulkInviteService): Router {
  const router = Router();
  router.post('/organizations/:organization_id/invites', validate({ params: organizationRefParams, body: bulkInviteBody }), async (req, res) => {
    const job = await invites.request(req.project, req.params.organization_id as string, req.body as BulkInviteInput);
    respond(req, res, 202, { job: presentJob(req.project.env, job) });
  });
  return router;
}
