import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/scim-connections';
import { formatId } from '../../ids';
import type { ScimConnectionService } from '../../services/scim/scim-connection.service';
import { presentScimConnection, presentScimGroup } from '../presenters/scim-connection.presenter';
import { route, routerAt } from '../route';

/** Stytch's `scim.connection` endpoints: an organization's SCIM connection and its bearer tokens. */
export function scimConnectionRoutes(connections: ScimConnectionService, publicUrl: string): Router {
  const router = routerAt(B2B);

  route(router, api.createScimConnection, async (req) => {
    const record = await connections.create(req.project, req.params.organization_id, req.body);
    const {
      next_bearer_token_last_four: _,
      next_bearer_token_expires_at: __,
      ...connection
    } = presentScimConnection(publicUrl, req.project.env, record);
    return { connection: { ...connection, bearer_token: record.bearerToken! } };
  });

  route(router, api.getScimConnection, async (req) => {
    const record = await connections.get(req.project, req.params.organization_id);
    return { connection: record && presentScimConnection(publicUrl, req.project.env, record) };
  });

  route(router, api.updateScimConnection, async (req) => {
    const { organization_id, connection_id } = req.params;
    const record = await connections.update(req.project, organization_id, connection_id, req.body);
    return { connection: presentScimConnection(publicUrl, req.project.env, record) };
  });

  route(router, api.deleteScimConnection, async (req) => {
    const id = await connections.delete(req.project, req.params.organization_id, req.params.connection_id);
    return { connection_id: formatId('scim-connection', req.project.env, id) };
  });

  route(router, api.getScimGroups, async (req) => {
    const page = await connections.groups(req.project, req.params.organization_id, req.params.connection_id, req.query);
    return { scim_groups: page.groups.map((g) => presentScimGroup(req.project.env, g)), next_cursor: page.nextCursor ?? undefined };
  });

  route(router, api.rotateStart, async (req) => {
    const record = await connections.rotateStart(req.project, req.params.organization_id, req.params.connection_id);
    const { next_bearer_token_last_four: _, ...connection } = presentScimConnection(publicUrl, req.project.env, record);
    return { connection: { ...connection, next_bearer_token: record.nextBearerToken! } };
  });

  route(router, api.rotateComplete, async (req) => ({
    connection: presentScimConnection(
      publicUrl,
      req.project.env,
      await connections.rotateComplete(req.project, req.params.organization_id, req.params.connection_id),
    ),
  }));

  route(router, api.rotateCancel, async (req) => ({
    connection: presentScimConnection(
      publicUrl,
      req.project.env,
      await connections.rotateCancel(req.project, req.params.organization_id, req.params.connection_id),
    ),
  }));

  return router;
}
