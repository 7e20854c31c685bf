import type { RequestHandler } from 'express';
import { logger } from '../../logger';
import type { ProjectService } from '../../services/project.service';
import { unauthorized } from '../../services/project.service';

/** HTTP Basic `project_id:secret`, as Stytch's API takes it. */
export function authenticate(projects: ProjectService): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!match) throw unauthorized();
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw unauthorized();
    req.project = await projects.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
    // Stytch's request ids name the environment: request-id-test-<uuid>.
    req.requestId = req.requestId.replace(/^request-id-/, `request-id-${req.project.env}-`);
    req.log = logger.child({ request_id: req.requestId, project_id: req.project.publicId });
    res.setHeader('X-Request-Id', req.requestId);
    next();
  };
}
