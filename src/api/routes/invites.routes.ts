import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import { bulkInvite } from '../../contracts/invites';
import type { BulkInviteService } from '../../services/bulk-invite.service';
import { presentJob } from '../presenters/job.presenter';
import { route, routerAt } from '../route';

/** Roster's bulk invites: `202` and a job whose progress and per-invitee failures are visible. */
export function inviteRoutes(invites: BulkInviteService): Router {
  const router = routerAt(B2B);
  route(router, bulkInvite, async (req) => {
    const job = await invites.request(req.project, req.params.organization_id, req.body);
    return { job: presentJob(req.project.env, job) };
  });
  return router;
}
