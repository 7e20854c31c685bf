import { Model } from 'objection';

export const MEMBER_STATUSES = ['pending', 'invited', 'active', 'deleted'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** A role a member holds through a SCIM group (members.scim_group_roles, kept by the SCIM role jobs). */
export interface ScimGroupRole {
  role_id: string;
  group_id: string;
  connection_id: string;
}

export class MemberModel extends Model {
  static override tableName = 'members';
  static override jsonAttributes = ['trusted_metadata', 'untrusted_metadata'];

  id!: string;
  project_id!: string;
  organization_id!: string;
  email!: string;
  email_normalized!: string;
  status!: MemberStatus;
  name!: string;
  is_breakglass!: boolean;
  mfa_enrolled!: boolean;
  mfa_phone_number!: string;
  mfa_phone_number_verified!: boolean;
  default_mfa_method!: string;
  /** The member's verified TOTP registration (Stytch's Member.totp_registration_id), kept by the TOTP service. */
  totp_registration_id!: string | null;
  email_address_verified!: boolean;
  external_id!: string | null;
  roles!: string[];
  /** Roles held through SCIM groups, kept by the SCIM role jobs (see ScimGroupRole). */
  scim_group_roles!: ScimGroupRole[];
  trusted_metadata!: Record<string, unknown>;
  untrusted_metadata!: Record<string, unknown>;
  created_at!: Date;
  updated_at!: Date;
}

export class MemberRetiredEmailModel extends Model {
  static override tableName = 'member_retired_emails';
  static override jsonAttributes: string[] = [];

  id!: string;
  member_id!: string;
  organization_id!: string;
  email!: string;
  email_normalized!: string;
  created_at!: Date;
}
