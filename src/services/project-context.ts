import type { ProjectEnv } from '../ids';
import type { EventActor } from './events/event-types';

/** The authenticated caller: every service call is scoped to it. */
export interface ProjectContext {
  id: string;
  publicId: string;
  env: ProjectEnv;
  /**
   * Who is acting, as the audit log and webhook events record it: set per request by the door it came through
   * (API key, member session, SCIM connection, console) or by the job doing the work. Absent = the system itself.
   */
  actor?: EventActor;
}
