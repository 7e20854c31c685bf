import type { ProjectEnv } from '../ids';

/** The authenticated caller: every service call is scoped to it. */
export interface ProjectContext {
  id: string;
  publicId: string;
  env: ProjectEnv;
}
