import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as api from '../../contracts/otps-sms';
import type { MemberFactorsService } from '../../services/member-factors.service';
import type { MemberRecord } from '../../services/member.service';
import type { SmsListing } from '../../services/mfa/sms/sms-listing';
import type { SmsOtpService } from '../../services/mfa/sms/sms-otp.service';
import type { ProjectContext } from '../../services/project-context';
import { presentMfaAuthentication } from '../presenters/authentication.presenter';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { presentSms } from '../presenters/sms.presenter';
import { route, routerAt } from '../route';

function memberBody(project: ProjectContext, record: MemberRecord) {
  const member = presentMember(project.env, record);
  return { member_id: member.member_id, member, organization: presentOrganization(project.env, record.organization) };
}

/** Stytch's `otps.sms` endpoints, the member factor clean-ups, and Roster's SMS outbox listing. */
export function smsOtpRoutes(sms: SmsOtpService, memberFactors: MemberFactorsService, listing: SmsListing): Router {
  const router = routerAt(B2B);

  route(router, api.sendSms, async (req) => memberBody(req.project, await sms.send(req.project, req.body)));

  route(router, api.authenticateSms, async (req) => {
    return presentMfaAuthentication(req.project.env, await sms.authenticate(req.project, req.body));
  });

  route(router, api.deleteMfaPhoneNumber, async (req) =>
    memberBody(req.project, await memberFactors.deleteMfaPhoneNumber(req.project, req.params.organization_id, req.params.member_id)),
  );

  route(router, api.unlinkRetiredEmail, async (req) => {
    const record = await memberFactors.unlinkRetiredEmail(req.project, req.params.organization_id, req.params.member_id, req.body);
    const body = memberBody(req.project, record);
    return { ...body, organization_id: body.member.organization_id };
  });

  route(router, api.listSms, async (req) => {
    const page = await listing.list(req.project, req.query);
    return {
      sms_messages: page.messages.map((m) => presentSms(req.project.env, m)),
      results_metadata: { total: page.total, next_cursor: page.nextCursor },
    };
  });

  return router;
}
