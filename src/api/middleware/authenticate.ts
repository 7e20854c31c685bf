import type { RequestHandler } from 'express';
import { logger } from '../../logger';
import type { ProjectContext } from '../../services/project-context';
import type { ProjectService } from '../../services/project.service';
import { unauthorized } from '../../services/project.service';

/** The project an `Authorization: Basic project_id:secret` header names, as Stytch's API takes it. */
export async function projectOf(projects: ProjectService, header = ''): Promise<ProjectContext> {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) throw unauthorized();
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw unauthorized();
  return projects.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
}

/** Stytch's request ids name the environment: request-id-test-<uuid>. */
export const requestIdIn = (project: ProjectContext, requestId: string) => requestId.replace(/^request-id-/, `request-id-${project.env}-`);

/** Authenticates every /v1/b2b request. */
export function authenticate(projects: ProjectService): RequestHandler {
  return async (req, res, next) => {
    const project = await projectOf(projects, req.headers.authorization);
    // A copy per request: the actor is this request's, the authenticated project may be a cached object.
    req.project = { ...project, actor: { source: 'DIRECT', type: 'api_key', id: project.publicId } };
    req.requestId = requestIdIn(req.project, req.requestId);
    req.log = logger.child({ request_id: req.requestId, project_id: req.project.publicId });
    res.setHeader('X-Request-Id', req.requestId);
    next();
  };
}
