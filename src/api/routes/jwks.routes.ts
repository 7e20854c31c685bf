import { Router } from 'express';
import type { ProjectService } from '../../services/project.service';
import type { SessionService } from '../../services/sessions/session.service';
import { respond } from '../respond';
import { jwksParams } from '../schemas/session.schemas';
import { validate } from '../validation';

/**
 * `GET /v1/b2b/sessions/jwks/:project_id`: public keys only, and unauthenticated,
 * because JWT libraries (the SDK's local verification among them) fetch it bare.
 */
export function jwksRoutes(projects: ProjectService, sessions: SessionService): Router {
  const router = Router();
  router.get('/v1/b2b/sessions/jwks/:project_id', validate({ params: jwksParams }), async (req, res) => {
    const project = await projects.find(req.params.project_id as string);
    res.setHeader('Cache-Control', 'public, max-age=60');
    respond(req, res, 200, { keys: await sessions.jwks(project.id) });
  });
  return router;
}
