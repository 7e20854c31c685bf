import type { Router } from 'express';
import { getJwks } from '../../contracts/sessions';
import type { ProjectService } from '../../services/project.service';
import type { SessionService } from '../../services/sessions/session.service';
import { route, routerAt } from '../route';

/**
 * `GET /v1/b2b/sessions/jwks/:project_id`: public keys only, and unauthenticated,
 * because JWT libraries (the SDK's local verification among them) fetch it bare.
 */
export function jwksRoutes(projects: ProjectService, sessions: SessionService): Router {
  const router = routerAt('');
  route(router, getJwks, async (req, res) => {
    const project = await projects.find(req.params.project_id);
    res.setHeader('Cache-Control', 'public, max-age=60');
    return { keys: await sessions.jwks(project.id) };
  });
  return router;
}
