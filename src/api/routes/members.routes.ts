import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/members';
import type { MemberRecord, MemberService } from '../../services/member.service';
import type { ProjectContext } from '../../services/project-context';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { route, routerAt } from '../route';

/** The body most member endpoints answer with. */
function memberBody(project: ProjectContext, record: MemberRecord) {
  const member = presentMember(project.env, record);
  return { member_id: member.member_id, member, organization: presentOrganization(project.env, record.organization) };
}

/** Stytch's `organizations.members` endpoints. */
export function memberRoutes(members: MemberService): Router {
  const router = routerAt(B2B);

  route(router, api.searchMembers, async (req) => {
    const page = await members.search(req.project, req.body);
    return {
      members: page.members.map((m) => presentMember(req.project.env, m)),
      organizations: Object.fromEntries(
        page.organizations.map((o) => {
          const organization = presentOrganization(req.project.env, o);
          return [organization.organization_id, organization];
        }),
      ),
      results_metadata: { total: page.total, next_cursor: page.nextCursor ?? undefined },
    };
  });

  route(router, api.dangerouslyGetMember, async (req) => {
    const record = await members.dangerouslyGet(req.project, req.params.member_id, req.query.include_deleted === 'true');
    return memberBody(req.project, record);
  });

  route(router, api.createMember, async (req) => {
    const record = await members.create(req.project, req.params.organization_id, req.body);
    return memberBody(req.project, record);
  });

  route(router, api.getMember, async (req) => {
    const record = await members.get(req.project, req.params.organization_id, req.query);
    return memberBody(req.project, record);
  });

  route(router, api.updateMember, async (req) => {
    const record = await members.update(req.project, req.params.organization_id, req.params.member_id, req.body);
    return memberBody(req.project, record);
  });

  route(router, api.deleteMember, async (req) => {
    await members.delete(req.project, req.params.organization_id, req.params.member_id);
    return { member_id: req.params.member_id };
  });

  route(router, api.reactivateMember, async (req) => {
    const record = await members.reactivate(req.project, req.params.organization_id, req.params.member_id);
    return memberBody(req.project, record);
  });

  route(router, api.deleteMemberExternalId, async (req) => {
    const record = await members.deleteExternalId(req.project, req.params.organization_id, req.params.member_id);
    return memberBody(req.project, record);
  });

  return router;
}
