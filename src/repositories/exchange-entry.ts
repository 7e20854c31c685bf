import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import type { SessionRow } from './session.repository';
import { type MemberSsoRegistrationRow, registrationsFromJson, registrationsJson } from './sso-sign-in.repository';

/**
 * The factors that travel from one organization to another
 * (transfersAcrossOrganizations), in SQL over `prior.authentication_factors`,
 * in their order.
 */
export const TRAVELLING_FACTORS = `coalesce((
  SELECT jsonb_agg(t.f ORDER BY t.n) FROM jsonb_array_elements(prior.authentication_factors) WITH ORDINALITY AS t(f, n)
   WHERE t.f->>'type' IN ('magic_link', 'oauth') OR (t.f->>'type' = 'otp' AND t.f->>'delivery_method' = 'email')), '[]'::jsonb)`;

/**
 * An exchange's common case, decided in SQL so that one statement can read
 * and grant: another member's proof (not the member's own) enters an active
 * member with a verified address, whom no MFA requirement binds, with an email
 * factor (magic link, email OTP) the organization accepts. Over the aliases
 * `prior`, `o` and `m`.
 *
 * It is a strict subset of what the TypeScript policy grants a crossing
 * (MembershipEntry.entersAsIs holds, and decideAuthentication gives the
 * travelling factors a session), which stays the one authority: whatever this
 * refuses, the caller decides there. test/integration/exchange-grant-sql.test.ts
 * holds the two together over every combination of policy, member and factors.
 */
export const GRANTS_CROSSING = `(
  m.status = 'active' AND m.email_address_verified AND m.id IS DISTINCT FROM prior.member_id
  AND o.mfa_policy <> 'REQUIRED_FOR_ALL' AND NOT m.mfa_enrolled
  AND EXISTS (
    SELECT 1 FROM jsonb_array_elements(prior.authentication_factors) AS t(f),
           LATERAL (SELECT CASE WHEN t.f->>'type' = 'magic_link' THEN 'magic_link'
                                WHEN t.f->>'type' = 'otp' AND t.f->>'delivery_method' = 'email' THEN 'email_otp' END AS method) p
     WHERE p.method IS NOT NULL AND (o.auth_methods <> 'RESTRICTED' OR m.is_breakglass OR p.method = ANY (o.allowed_auth_methods))))`;

/** Parts of an exchange's statement its repositories supply. */
export interface EntryStatement {
  /** A one-row SELECT of the prior ($1 project, $2 its key) with email_normalized, member_id and authentication_factors columns. */
  prior: string;
  /** Spends the prior when the grant is made (a statement over `entered`), for a single-use prior. */
  spend?: string;
  /** The INSERT … SELECT of the granted session from `from` (entered's grant_* columns), RETURNING the session. */
  grant: (from: string) => string;
}

/**
 * One statement for an exchange: reads the prior with the live organization
 * $3 names in the project $1 and the live member there holding the prior's
 * address (with its SSO registrations, for the answer) and, when
 * GRANTS_CROSSING holds, spends the prior if it is single-use and inserts the
 * session the travelling factors earn, all at once. Anything else is read and
 * left for the caller to decide, having written nothing.
 */
export const enterAndGrant = ({ prior, spend, grant }: EntryStatement): string =>
  `WITH prior AS (${prior}),
   entered AS (
     SELECT prior.*, row_to_json(o) AS entered_organization, row_to_json(m) AS entered_member,
            ${registrationsJson('m.id')} AS entered_sso_registrations,
            o.id AS grant_organization_id, m.id AS grant_member_id,
            coalesce(${GRANTS_CROSSING}, false) AS grant_allowed, ${TRAVELLING_FACTORS} AS grant_factors
       FROM prior
       LEFT JOIN organizations o ON o.id = $3 AND o.project_id = $1 AND o.deleted_at IS NULL
       LEFT JOIN members m ON m.organization_id = o.id AND m.email_normalized = prior.email_normalized AND m.status <> 'deleted'),
   spent AS (${spend ?? 'SELECT 1'}),
   granted AS (${grant('entered, spent WHERE entered.grant_allowed')})
   SELECT entered.*, (SELECT row_to_json(granted) FROM granted) AS granted FROM entered`;

/** What an exchange enters, as enterAndGrant read it. */
export interface Entered {
  organization: OrganizationModel | undefined;
  member: MemberModel | undefined;
  /** The member's SSO registrations (none without a member). */
  ssoRegistrations: MemberSsoRegistrationRow[];
}

/** enterAndGrant's own columns, beside the prior's. */
export interface EnteredRow {
  entered_organization: OrganizationModel | null;
  entered_member: MemberModel | null;
  entered_sso_registrations: MemberSsoRegistrationRow[];
  grant_organization_id: string | null;
  grant_member_id: string | null;
  grant_allowed: boolean;
  grant_factors: unknown;
  /** The inserted session as JSON (timestamps as text: see sessionFromJson), when the statement granted one. */
  granted: SessionRow | null;
}

/** Rows of row_to_json carry timestamps as text; callers expect Dates. */
const withDates = <T extends { created_at: Date; updated_at: Date }>(row: T): T => ({
  ...row,
  created_at: new Date(row.created_at),
  updated_at: new Date(row.updated_at),
});

/** Splits an enterAndGrant row into the prior's own columns, what it enters, and the grant made, if any. */
export function enteredOf<T extends EnteredRow>(
  row: T,
): { prior: Omit<T, keyof EnteredRow>; entered: Entered; granted: SessionRow | null } {
  const {
    entered_organization,
    entered_member,
    entered_sso_registrations,
    grant_organization_id: _organization,
    grant_member_id: _member,
    grant_allowed: _allowed,
    grant_factors: _factors,
    granted,
    ...prior
  } = row;
  return {
    prior,
    entered: {
      organization: entered_organization ? withDates(entered_organization) : undefined,
      member: entered_member ? withDates(entered_member) : undefined,
      ssoRegistrations: registrationsFromJson(entered_sso_registrations),
    },
    granted,
  };
}
