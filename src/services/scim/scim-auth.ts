import type { Knex } from 'knex';
import { formatId, parseId } from '../../ids';
import type { ScimConnectionRepository, ScimConnectionWithProject } from '../../repositories/scim-connection.repository';
import { hashSecret } from '../../secrets';
import type { ProjectContext } from '../project-context';
import { ScimError } from './scim-error';

/** Who a SCIM request acts as: one connection of one organization, in its project. */
export interface ScimContext {
  project: ProjectContext;
  connection: ScimConnectionWithProject;
}

const refused = () => new ScimError(401, undefined, 'A valid bearer token for this SCIM connection is required.');

/**
 * Opens a connection's SCIM endpoints: only a bearer token of that very
 * connection does (a token of another connection, even of the same
 * organization, is refused like a wrong one, so tokens reveal nothing).
 */
export class ScimAuthenticator {
  constructor(
    private readonly knex: Knex,
    private readonly connections: ScimConnectionRepository,
  ) {}

  async authenticate(connectionRef: string, authorization: string | undefined): Promise<ScimContext> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw refused();
    const connection = await this.connections.findByTokenHash(this.knex, hashSecret(token));
    if (!connection || parseId('scim-connection', connection.project_env, connectionRef) !== connection.id) throw refused();
    const project: ProjectContext = {
      id: connection.project_id,
      env: connection.project_env,
      publicId: formatId('project', connection.project_env, connection.project_id),
      actor: { source: 'SCIM', type: 'scim_connection', id: connectionRef },
    };
    return { project, connection };
  }
}
