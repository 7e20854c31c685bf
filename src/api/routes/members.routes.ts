import { Router } from 'express';
import type { MemberRecord, MemberService } from '../../services/member.service';
import type { ProjectContext } from '../../services/project-context';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { respond } from '../respond';
import { organizationRefParams } from '../schemas/common.schemas';
import {
  createMemberBody,
  CreateMemberInput,
  dangerouslyGetQuery,
  getMemberQuery,
  GetMemberQuery,
  memberParams,
  searchMembersBody,
  SearchMembersInput,
  updateMemberBody,
  UpdateMemberInput,
} from '../schemas/member.schemas';
import { validate } from '../validation';

/** The body most member endpoints answer with. */
function memberBody(project: ProjectContext, record: MemberRecord) {
  const member = presentMember(project.env, record);
  return { member_id: member.member_id, member, organization: presentOrganization(project.env, record.organization) };
}

/** Stytch's `organizations.members` endpoints. */
export function memberRoutes(members: MemberService): Router {
  const router = Router();
  const byMember = validate({ params: memberParams });
  const ids = (params: Record<string, unknown>) => [params.organization_id as string, params.member_id as string] as const;

  router.post('/organizations/members/search', validate({ body: searchMembersBody }), async (req, res) => {
    const page = await members.search(req.project, req.body as SearchMembersInput);
    respond(req, res, 200, {
      members: page.members.map((m) => presentMember(req.project.env, m)),
      organizations: Object.fromEntries(
        page.organizations.map((o) => {
          const organization = presentOrganization(req.project.env, o);
          return [organization.organization_id, organization];
        }),
      ),
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    });
  });

  router.get(
    '/organizations/members/dangerously_get/:member_id',
    validate({ query: dangerouslyGetQuery }),
    async (req, res) => {
      const record = await members.dangerouslyGet(req.project, req.params.member_id as string, req.query.include_deleted === 'true');
      respond(req, res, 200, memberBody(req.project, record));
    },
  );

  router.post('/organizations/:organization_id/members', validate({ params: organizationRefParams, body: createMemberBody }), async (req, res) => {
    const record = await members.create(req.project, req.params.organization_id as string, req.body as CreateMemberInput);
    respond(req, res, 200, memberBody(req.project, record));
  });

  router.get('/organizations/:organization_id/member', validate({ params: organizationRefParams, query: getMemberQuery }), async (req, res) => {
    const record = await members.get(req.project, req.params.organization_id as string, req.query as GetMemberQuery);
    respond(req, res, 200, memberBody(req.project, record));
  });

  router.put('/organizations/:organization_id/members/:member_id', validate({ params: memberParams, body: updateMemberBody }), async (req, res) => {
    const record = await members.update(req.project, ...ids(req.params), req.body as UpdateMemberInput);
    respond(req, res, 200, memberBody(req.project, record));
  });

  router.delete('/organizations/:organization_id/members/:member_id', byMember, async (req, res) => {
    await members.delete(req.project, ...ids(req.params));
    respond(req, res, 200, { member_id: req.params.member_id });
  });

  router.put('/organizations/:organization_id/members/:member_id/reactivate', byMember, async (req, res) => {
    const record = await members.reactivate(req.project, ...ids(req.params));
    respond(req, res, 200, memberBody(req.project, record));
  });

  router.delete('/organizations/:organization_id/members/:member_id/external_id', byMember, async (req, res) => {
    const record = await members.deleteExternalId(req.project, ...ids(req.params));
    respond(req, res, 200, memberBody(req.project, record));
  });

  return router;
}
