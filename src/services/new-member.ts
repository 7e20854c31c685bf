import { uuidv7 } from '../ids';
import type { MemberStatus } from '../models/member.model';
import type { NewMember } from '../repositories/member.repository';
import { cleanEmail, normalizeEmail } from '../email-rules';

/** What a new member is made of (a create request, an invite, a sign-up). */
export interface NewMemberFields {
  email_address: string;
  status: MemberStatus;
  name?: string;
  roles?: string[];
  trusted_metadata?: Record<string, unknown>;
  untrusted_metadata?: Record<string, unknown>;
  is_breakglass?: boolean;
  mfa_enrolled?: boolean;
  mfa_phone_number?: string;
  external_id?: string;
}

/**
 * The row of a new member, with Stytch's defaults for every field not given.
 * The caller has checked the roles and metadata against its organization.
 */
export function newMemberRow(projectId: string, organizationId: string, fields: NewMemberFields): NewMember {
  const email = cleanEmail(fields.email_address);
  return {
    id: uuidv7(),
    project_id: projectId,
    organization_id: organizationId,
    email,
    email_normalized: normalizeEmail(email),
    status: fields.status,
    name: fields.name?.trim() ?? '',
    is_breakglass: fields.is_breakglass ?? false,
    mfa_enrolled: fields.mfa_enrolled ?? false,
    mfa_phone_number: fields.mfa_phone_number ?? '',
    external_id: fields.external_id || null,
    roles: fields.roles ?? [],
    trusted_metadata: fields.trusted_metadata ?? {},
    untrusted_metadata: fields.untrusted_metadata ?? {},
  };
}
