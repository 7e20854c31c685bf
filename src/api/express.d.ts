import type { Logger } from '../logger';
import type { ProjectContext } from '../services/project-context';

declare global {
  namespace Express {
    interface Request {
      requestId: string;
      log: Logger;
      /** Set by the authentication middleware on /v1/b2b routes. */
      project: ProjectContext;
    }
  }
}
