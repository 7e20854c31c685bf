import { AppError } from '../errors';

interface ConstraintError {
  errorType: string;
  statusCode: number;
  message: string;
}

const conflict = (errorType: string, message: string): ConstraintError => ({ errorType, statusCode: 400, message });

/**
 * The API error for each database constraint a request can violate (names
 * follow `table__cols__kind`). The database is the last word on uniqueness;
 * this table is the one place that says what its refusals mean to a caller.
 */
export const CONSTRAINT_ERRORS: Readonly<Record<string, ConstraintError>> = {
  members__organization_id_email_normalized__unique: conflict(
    'duplicate_member_email',
    'A Member with this email address already exists in this organization.',
  ),
  members__organization_id_external_id__unique: conflict(
    'duplicate_member_external_id',
    'Another Member of this organization already has this external_id.',
  ),
  scim_connections__organization_id__unique: conflict(
    'scim_connection_already_exists',
    'This organization already has a SCIM connection: update it, or delete it before creating another.',
  ),
  // Answered under a SCIM base URL as 409 `uniqueness` (scim-router maps every duplicate_* type so).
  scim_groups__connection_id_display_name__unique: conflict(
    'duplicate_scim_group_display_name',
    'Another Group of this SCIM connection already has this displayName (ignoring case).',
  ),
  scim_users__connection_id_user_name__unique: conflict(
    'duplicate_scim_user',
    'Another User of this SCIM connection already has this userName (ignoring case).',
  ),
  scim_users__connection_id_external_id__unique: conflict(
    'duplicate_scim_user',
    'Another User of this SCIM connection already has this externalId.',
  ),
  scim_users__member_id__unique: conflict('duplicate_scim_user', 'The Member with this email address is already a SCIM User.'),
  organizations__project_id_slug__unique: conflict(
    'organization_slug_already_used',
    'The provided organization_slug is already used in another organization.',
  ),
  // The trigger that keeps slugs and external ids apart (migration 20261201000001).
  organizations__slug__other_external_id: conflict(
    'organization_slug_already_used',
    "The provided organization_slug is another organization's organization_external_id (ignoring case): " +
      'an organization reference must name one organization.',
  ),
  organizations__project_id_external_id__unique: conflict(
    'organization_external_id_already_used',
    'The provided organization_external_id is already used by another organization.',
  ),
  organizations__external_id__other_slug: conflict(
    'organization_external_id_already_used',
    "The provided organization_external_id is another organization's organization_slug (ignoring case): " +
      'an organization reference must name one organization.',
  ),
};

/** The constraint a write violated (unique 23505, foreign key 23503, check 23514), from pg or Objection errors. */
export function violatedConstraint(err: unknown): string | undefined {
  const e = err as { code?: string; constraint?: string; nativeError?: { code?: string; constraint?: string } } | null;
  const native = e?.nativeError ?? e;
  return native && ['23505', '23503', '23514'].includes(native.code ?? '') ? native.constraint : undefined;
}

/** The API error a constraint violation stands for, or undefined when the table does not know it. */
export function constraintError(err: unknown): AppError | undefined {
  const constraint = violatedConstraint(err);
  const known = constraint !== undefined && Object.hasOwn(CONSTRAINT_ERRORS, constraint) ? CONSTRAINT_ERRORS[constraint] : undefined;
  return known && new AppError(known.errorType, known.statusCode, known.message);
}
