import type { MemberModel } from '../models/member.model';
import type { OrganizationModel } from '../models/organization.model';
import { withDates } from './db';
import type { SessionRow } from './session.repository';
import { type MemberSsoRegistrationRow, registrationsFromJson, registrationsJson } from './sso-sign-in.repository';

/**
 * The factors that travel from one organization to another
 * (transfersAcrossOrganizations), in SQL over `prior.authentication_factors`,
 * in their order.
 */
export const TRAVELLING_FACTORS = `jsonb_path_query_array(prior.authentication_factors,
  '$[*] ? (@.type == "magic_link" || @.type == "oauth" || (@.type == "otp" && @.delivery_method == "email"))')`;

/** Whether the organization `o` accepts the primary method `method` from the member `m` (decideAuthentication's rule). */
const accepts = (method: string) => `(o.auth_methods <> 'RESTRICTED' OR m.is_breakglass OR '${method}' = ANY (o.allowed_auth_methods))`;

/**
 * An exchange's common case, decided in SQL so that one statement can read
 * and grant: another member's proof (not the member's own) enters an active
 * member with a verified address, whom no MFA requirement binds, with an email
 * factor (magic link, email OTP) the organization accepts. Over the aliases
 * `prior`, `o` and `m`; jsonpath tests, not subqueries, keep the plan small
 * (an exchange pays for every plan node at each execution).
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
  AND ((${accepts('magic_link')} AND prior.authentication_factors @? '$[*] ? (@.type == "magic_link")')
    OR (${accepts('email_otp')} AND prior.authentication_factors @? '$[*] ? (@.type == "otp" && @.delivery_method == "email")')))`;

/** Where a granted session's values come from, as SQL: a FROM clause and expressions over it. */
export interface GrantSource {
  from: string;
  organizationId: string;
  memberId: string;
  /** The factors that travel (TRAVELLING_FACTORS). */
  factors: string;
}

/** Parts of an exchange's statement its repositories supply. */
export interface EntryStatement {
  /** A one-row SELECT of the prior ($1 project, $2 its key) with email_normalized, member_id and authentication_factors columns. */
  prior: string;
  /** Spends the prior when the grant is made (a statement over `entered`), for a single-use prior. */
  spend?: string;
  /** The INSERT … SELECT of the granted session from `source`, RETURNING the session. */
  grant: (source: GrantSource) => string;
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
            ${registrationsJson('m.id')} AS entered_sso_registrations, o.id AS entered_organization_id, m.id AS entered_member_id,
            coalesce(${GRANTS_CROSSING}, false) AS grant_allowed
       FROM prior
       LEFT JOIN organizations o ON o.id = $3 AND o.project_id = $1 AND o.deleted_at IS NULL
       LEFT JOIN members m ON m.organization_id = o.id AND m.email_normalized = prior.email_normalized AND m.status <> 'deleted'),
   ${spend ? `spent AS (${spend}),` : ''}
   granted AS (${grant({
     // entered has the prior's columns, which TRAVELLING_FACTORS reads as prior.*; the answer needs no more columns.
     from: `entered AS prior${spend ? ', spent' : ''} WHERE prior.grant_allowed`,
     organizationId: 'prior.entered_organization_id',
     memberId: 'prior.entered_member_id',
     factors: TRAVELLING_FACTORS,
   })})
   -- Two JSON columns, not a column per field: the driver parses a row's description on every execution.
   SELECT row_to_json(entered) AS entered, (SELECT row_to_json(granted) FROM granted) AS granted FROM entered`;

/** What an exchange enters, as enterAndGrant read it. */
export interface Entered {
  organization: OrganizationModel | undefined;
  member: MemberModel | undefined;
  /** The member's SSO registrations (none without a member). */
  ssoRegistrations: MemberSsoRegistrationRow[];
}

/** A session row read as JSON (row_to_json): its timestamps as Dates. */
const sessionFromJson = (row: SessionRow): SessionRow => ({
  ...row,
  started_at: new Date(row.started_at),
  last_accessed_at: new Date(row.last_accessed_at),
  expires_at: new Date(row.expires_at),
  revoked_at: row.revoked_at && new Date(row.revoked_at),
});

/** enterAndGrant's own fields in its `entered` object, beside the prior's. */
interface EnteredFields {
  entered_organization: OrganizationModel | null;
  entered_member: MemberModel | null;
  entered_sso_registrations: MemberSsoRegistrationRow[];
  entered_organization_id: string | null;
  entered_member_id: string | null;
  grant_allowed: boolean;
}

/** enterAndGrant's row: the prior's columns `P` with what it enters, and the inserted session if it granted one. */
export interface EnteredRow<P> {
  entered: P & EnteredFields;
  /** The inserted session as JSON (timestamps as text). */
  granted: SessionRow | null;
}

/** Splits an enterAndGrant row into the prior's own columns, what it enters, and the grant made, if any. */
export function enteredOf<P>({ entered: row, granted }: EnteredRow<P>): { prior: P; entered: Entered; granted: SessionRow | undefined } {
  const {
    entered_organization,
    entered_member,
    entered_sso_registrations,
    entered_organization_id: _organizationId,
    entered_member_id: _memberId,
    grant_allowed: _allowed,
    ...prior
  } = row;
  return {
    prior: prior as P,
    entered: {
      organization: entered_organization ? withDates(entered_organization) : undefined,
      member: entered_member ? withDates(entered_member) : undefined,
      ssoRegistrations: registrationsFromJson(entered_sso_registrations),
    },
    granted: granted ? sessionFromJson(granted) : undefined,
  };
}
