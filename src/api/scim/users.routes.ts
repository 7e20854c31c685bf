import { SCIM_BASE } from '../../contracts/scim-common';
import { scimResourceRoot } from '../presenters/scim-connection.presenter';
import type { Router } from 'express';
import {
  createScimUserContract,
  deleteScimUserContract,
  getScimUserContract,
  listScimUsersContract,
  patchScimUserContract,
  replaceScimUserContract,
} from '../../contracts/scim-users';
import { listResponse } from '../../services/scim/paging';
import type { ScimContext } from '../../services/scim/scim-auth';
import type { ScimUserService } from '../../services/scim/scim-user.service';
import { scimRoute, scimRouterAt } from './scim-route';
import { presentScimUser } from './user.presenter';

/** /Users of a connection's SCIM server (RFC 7644 §3); `publicUrl` roots the resources' locations. */
export function scimUserRoutes(users: ScimUserService, publicUrl: string): Router {
  const router = scimRouterAt(SCIM_BASE);
  const baseUrlOf = ({ scim }: { scim: ScimContext }) => scimResourceRoot(publicUrl, scim.project.env, scim.connection.id);

  scimRoute(router, createScimUserContract, async (req) => {
    const body = presentScimUser(baseUrlOf(req), await users.create(req.scim, req.body));
    return { status: 201, body, headers: { Location: body.meta.location } };
  });

  scimRoute(router, getScimUserContract, async (req) => {
    return { body: presentScimUser(baseUrlOf(req), await users.get(req.scim, req.params.user_id)) };
  });

  scimRoute(router, listScimUsersContract, async (req) => {
    const page = await users.list(req.scim, req.query);
    const baseUrl = baseUrlOf(req);
    const resources = page.users.map((user) => presentScimUser(baseUrl, user));
    return { body: listResponse(resources, page.totalResults, page.startIndex) };
  });

  scimRoute(router, replaceScimUserContract, async (req) => {
    return { body: presentScimUser(baseUrlOf(req), await users.replace(req.scim, req.params.user_id, req.body)) };
  });

  scimRoute(router, patchScimUserContract, async (req) => {
    return { body: presentScimUser(baseUrlOf(req), await users.patch(req.scim, req.params.user_id, req.body)) };
  });

  scimRoute(router, deleteScimUserContract, async (req) => {
    await users.delete(req.scim, req.params.user_id);
    return {};
  });

  return router;
}
