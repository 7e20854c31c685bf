import { SCIM_BASE } from '../../contracts/scim-common';
import { scimResourceRoot } from '../presenters/scim-connection.presenter';
import type { Router } from 'express';
import {
  createScimGroupContract,
  deleteScimGroupContract,
  getScimGroupContract,
  listScimGroupsContract,
  patchScimGroupContract,
  replaceScimGroupContract,
  SCIM_GROUP_SCHEMA_URN,
} from '../../contracts/scim-groups';
import { listResponse, pageParams } from '../../services/scim/paging';
import type { ScimContext } from '../../services/scim/scim-auth';
import type { ScimGroupService } from '../../services/scim/scim-group.service';
import { groupLocation, presentGroup, projectionOf } from './group.presenter';
import { scimRoute, scimRouterAt } from './scim-route';

/** /Groups of a connection's SCIM server (RFC 7644 §3); `publicUrl` roots the resources' locations. */
export function scimGroupRoutes(groups: ScimGroupService, publicUrl: string): Router {
  const router = scimRouterAt(SCIM_BASE);
  const baseUrlOf = ({ scim }: { scim: ScimContext }) => scimResourceRoot(publicUrl, scim.project.env, scim.connection.id);

  scimRoute(router, createScimGroupContract, async (req) => {
    const wanted = projectionOf(req.query, SCIM_GROUP_SCHEMA_URN);
    const record = await groups.create(req.scim, req.body, wanted('members'));
    const baseUrl = baseUrlOf(req);
    return { status: 201, body: presentGroup(record, baseUrl, wanted), headers: { Location: groupLocation(baseUrl, record.group.id) } };
  });

  scimRoute(router, getScimGroupContract, async (req) => {
    const wanted = projectionOf(req.query, SCIM_GROUP_SCHEMA_URN);
    return { body: presentGroup(await groups.get(req.scim, req.params.group_id, wanted('members')), baseUrlOf(req), wanted) };
  });

  scimRoute(router, listScimGroupsContract, async (req) => {
    const wanted = projectionOf(req.query, SCIM_GROUP_SCHEMA_URN);
    const { startIndex, count } = pageParams(req.query);
    const { records, total } = await groups.list(req.scim, req.query.filter, startIndex, count, wanted('members'));
    const baseUrl = baseUrlOf(req);
    return {
      body: listResponse(
        records.map((record) => presentGroup(record, baseUrl, wanted)),
        total,
        startIndex,
      ),
    };
  });

  scimRoute(router, replaceScimGroupContract, async (req) => {
    const wanted = projectionOf(req.query, SCIM_GROUP_SCHEMA_URN);
    return { body: presentGroup(await groups.replace(req.scim, req.params.group_id, req.body, wanted('members')), baseUrlOf(req), wanted) };
  });

  // RFC 7644 §3.5.2 allows 200 with the resource or 204: 204 keeps a PATCH of a 50,000-member group from echoing them all.
  scimRoute(router, patchScimGroupContract, async (req) => {
    await groups.patch(req.scim, req.params.group_id, req.body);
    return {};
  });

  scimRoute(router, deleteScimGroupContract, async (req) => {
    await groups.delete(req.scim, req.params.group_id);
    return {};
  });

  return router;
}
