import type { Logger } from '../logger';
import type { ProjectContext } from '../services/project-context';
import type { ScimContext } from '../services/scim/scim-auth';

declare global {
  namespace Express {
    interface Request {
      requestId: string;
      log: Logger;
      /** Set by the authentication middleware on /v1/b2b routes. */
      project: ProjectContext;
      /** Set on requests under a SCIM connection's base URL, once its bearer token is checked. */
      scim: ScimContext;
    }
  }
}
