import type { Router } from 'express';
import { B2B } from '../../contracts/common';
import * as recovery from '../../contracts/recovery-codes';
import * as api from '../../contracts/totps';
import type { MemberRecord } from '../../services/member.service';
import type { RecoveryCodes } from '../../services/mfa/recovery-codes.service';
import type { TotpService } from '../../services/mfa/totp.service';
import type { ProjectContext } from '../../services/project-context';
import { presentMfaAuthentication } from '../presenters/authentication.presenter';
import { presentMember } from '../presenters/member.presenter';
import { presentOrganization } from '../presenters/organization.presenter';
import { route, routerAt } from '../route';

function memberBody(project: ProjectContext, record: MemberRecord) {
  const member = presentMember(project.env, record);
  return { member_id: member.member_id, member, organization: presentOrganization(project.env, record.organization) };
}

/** Stytch's `totps` and `recovery_codes` endpoints, and organizations.members.deleteTOTP. */
export function totpRoutes(totps: TotpService, recoveryCodes: RecoveryCodes): Router {
  const router = routerAt(B2B);

  route(router, api.createTotp, async (req) => {
    const created = await totps.create(req.project, req.body);
    return {
      ...memberBody(req.project, created.record),
      totp_registration_id: created.registrationId,
      secret: created.secret,
      qr_code: created.qrCode,
      recovery_codes: created.recoveryCodes,
    };
  });

  route(router, api.authenticateTotp, async (req) =>
    presentMfaAuthentication(req.project.env, await totps.authenticate(req.project, req.body)),
  );

  route(router, api.migrateTotp, async (req) => {
    const migrated = await totps.migrate(req.project, req.body);
    return {
      ...memberBody(req.project, migrated.record),
      totp_registration_id: migrated.registrationId,
      recovery_codes: migrated.recoveryCodes,
    };
  });

  route(router, api.deleteMemberTotp, async (req) =>
    memberBody(req.project, await totps.deleteForMember(req.project, req.params.organization_id, req.params.member_id)),
  );

  route(router, recovery.recoverWithCode, async (req) => {
    const recovered = await recoveryCodes.recover(req.project, req.body);
    return { ...presentMfaAuthentication(req.project.env, recovered), recovery_codes_remaining: recovered.remaining };
  });

  route(router, recovery.getRecoveryCodes, async (req) => {
    const { record, codes } = await recoveryCodes.get(req.project, req.params);
    return { ...memberBody(req.project, record), recovery_codes: codes };
  });

  route(router, recovery.rotateRecoveryCodes, async (req) => {
    const { record, codes } = await recoveryCodes.rotate(req.project, req.body);
    return { ...memberBody(req.project, record), recovery_codes: codes };
  });

  return router;
}
