import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/deduplication';
import type { DeduplicationService } from '../../services/deduplication.service';
import { presentJob } from '../presenters/job.presenter';
import { route, routerAt } from '../route';

/** Roster's deduplication: email-variant rules, duplicate scans and merges (both as jobs). */
export function deduplicationRoutes(deduplication: DeduplicationService): Router {
  const router = routerAt(B2B);

  route(router, api.getDeduplicationRules, async (req) => ({ rules: await deduplication.rules(req.project) }));

  route(router, api.setDeduplicationRules, async (req) => ({ rules: await deduplication.setRules(req.project, req.body.rules) }));

  route(router, api.scanDuplicates, async (req) => {
    const job = await deduplication.requestScan(req.project, req.params.organization_id, req.body);
    return { job: presentJob(req.project.env, job) };
  });

  route(router, api.mergeMembers, async (req) => {
    const job = await deduplication.requestMerge(req.project, req.params.organization_id, req.body);
    return { job: presentJob(req.project.env, job) };
  });

  return router;
}
