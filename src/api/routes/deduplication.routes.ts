import { Router } from 'express';
import type { DeduplicationService } from '../../services/deduplication.service';
import { presentJob } from '../presenters/job.presenter';
import { respond } from '../respond';
import { organizationRefParams } from '../schemas/common.schemas';
import { mergeBody, MergeInput, scanBody, ScanInput, setRulesBody, SetRulesInput } from '../schemas/deduplication.schemas';
import { validate } from '../validation';

/** Roster's deduplication: email-variant rules, duplicate scans and merges (both as jobs). */
export function deduplicationRoutes(deduplication: DeduplicationService): Router {
  const router = Router();

  router.get('/deduplication/rules', async (req, res) => {
    respond(req, res, 200, { rules: await deduplication.rules(req.project) });
  });

  router.put('/deduplication/rules', validate({ body: setRulesBody }), async (req, res) => {
    const rules = await deduplication.setRules(req.project, (req.body as SetRulesInput).rules);
    respond(req, res, 200, { rules });
  });

  router.post(
    '/organizations/:organization_id/members/duplicates/scan',
    validate({ params: organizationRefParams, body: scanBody }),
    async (req, res) => {
      const job = await deduplication.requestScan(req.project, req.params.organization_id as string, req.body as ScanInput);
      respond(req, res, 202, { job: presentJob(req.project.env, job) });
    },
  );

  router.post(
    '/organizations/:organization_id/members/merge',
    validate({ params: organizationRefParams, body: mergeBody }),
    async (req, res) => {
      const job = await deduplication.requestMerge(req.project, req.params.organization_id as string, req.body as MergeInput);
      respond(req, res, 202, { job: presentJob(req.project.env, job) });
    },
  );

  return router;
}
