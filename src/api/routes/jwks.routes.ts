import { Router } from 'express';
import { notFound } from '../../errors';
import { parseProjectId } from '../../ids';
import type { SessionService } from '../../services/sessions/session.service';
import { respond } from '../respond';
import { jwksParams } from '../schemas/session.schemas';
import { validate } from '../validation';

/**
 * `GET /v1/b2b/sessions/jwks/:project_id`: public keys only, and unauthenticated,
 * because JWT libraries (the SDK's local verification among them) fetch it bare.
 */
export function jwksRoutes(sessions: SessionService): Router {
  const router = Router();
  router.get('/v1/b2b/sessions/jwks/:project_id', validate({ params: jwksParams }), async (req, res) => {
    const project = parseProjectId(req.params.project_id as string);
    if (!project) throw notFound('project_not_found', 'Project could not be found.');
    res.setHeader('Cache-Control', 'public, max-age=60');
    respond(req, res, 200, { keys: await sessions.jwks(project.uuid) });
  });
  return router;
}
