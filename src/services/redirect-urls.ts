import type { Knex } from 'knex';
import { badRequest } from '../errors';
import type { ProjectRepository } from '../repositories/project.repository';
import type { ProjectContext } from './project-context';

/** Which redirect a link carries; Stytch names its errors after it. */
export type RedirectKind = 'invite' | 'login' | 'signup' | 'discovery';

/** The project's allowlist of redirect URLs, shared by every kind of link. */
export class RedirectUrls {
  constructor(
    private readonly knex: Knex,
    private readonly projects: ProjectRepository,
  ) {}

  /**
   * The redirect URL to use: one given must be on the project's allowlist;
   * none means the first allowed. `sso`: for the SSO start URL, whose
   * off-list refusal Stytch names on its own.
   */
  async resolve(project: ProjectContext, kind: RedirectKind, given: string | undefined, { sso = false } = {}): Promise<string> {
    const allowed = (await this.projects.findById(this.knex, project.id))?.redirect_urls ?? [];
    if (given === undefined) {
      if (allowed.length === 0) {
        throw badRequest(
          `no_${kind}_redirect_urls_set`,
          `The project has no redirect URLs; pass ${kind}_redirect_url, after adding it to the allowlist.`,
        );
      }
      return allowed[0];
    }
    if (!allowed.includes(given)) {
      const message = `${given} is not on the project's list of redirect URLs.`;
      throw sso ? badRequest('no_match_for_provided_sso_url', message) : badRequest(`invalid_${kind}_redirect_url`, message);
    }
    return given;
  }
}
