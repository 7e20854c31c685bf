import { normalizeEmail } from '../../../email-rules';
import { badRequest } from '../../../errors';
import type { SnapshotRow } from '../../../repositories/scim-reconcile.repository';
import { ScimError } from '../scim-error';
import { canonicalize, USER_SCHEMAS } from '../schemas';
import { scimUserFields } from '../scim-user-mapping';

/** A CSV snapshot's columns; `userName` is the only one required (email falls back to it, as in SCIM). */
export const SNAPSHOT_COLUMNS = ['userName', 'email', 'externalId', 'givenName', 'familyName', 'displayName', 'active'] as const;
type SnapshotColumn = (typeof SNAPSHOT_COLUMNS)[number];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A snapshot entry as a SCIM User resource: a full resource is taken as it
 * is; the flat form ({userName, email, givenName, …}) is first written as one.
 */
function asResource(entry: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(entry.schemas) || isRecord(entry.name) || Array.isArray(entry.emails)) return entry;
  const { email, givenName, familyName, ...rest } = entry;
  return {
    ...rest,
    ...(email === undefined || email === null || email === '' ? {} : { emails: [{ value: email, primary: true }] }),
    ...(givenName || familyName ? { name: { givenName: givenName || undefined, familyName: familyName || undefined } } : {}),
  };
}

/**
 * One snapshot user read through the same mapping as SCIM's `POST /Users`
 * (src/services/scim/scim-user-mapping.ts), so that a snapshot and a push
 * agree on every member field. A user that mapping refuses refuses the
 * whole snapshot: skipping it would deactivate that person.
 */
export function snapshotRow(line: number, entry: unknown): SnapshotRow {
  if (!isRecord(entry)) throw badRequest('invalid_scim_snapshot', `users[${line - 1}] is not an object.`);
  try {
    const fields = scimUserFields(canonicalize(asResource(entry), USER_SCHEMAS));
    return {
      line,
      user_name: fields.userName,
      external_id: fields.externalId,
      email: fields.email,
      email_normalized: normalizeEmail(fields.email),
      name: fields.name ?? null,
      member_external_id: fields.memberExternalId,
      active: fields.active,
      attributes: fields.attributes,
    };
  } catch (err) {
    if (!(err instanceof ScimError)) throw err;
    throw badRequest('invalid_scim_snapshot', `User ${line} of the snapshot: ${err.message} Nothing was changed.`);
  }
}

/** The column positions of a CSV snapshot's header; refuses unknown or missing columns. */
export function readSnapshotHeader(header: string[]): Partial<Record<SnapshotColumn, number>> {
  const index: Partial<Record<SnapshotColumn, number>> = {};
  header.forEach((raw, i) => {
    const name = SNAPSHOT_COLUMNS.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
    if (!name) throw badRequest('invalid_scim_snapshot', `Unknown column "${raw}": the columns are ${SNAPSHOT_COLUMNS.join(', ')}.`);
    if (index[name] !== undefined) throw badRequest('duplicate_column', `The column ${name} appears twice.`);
    index[name] = i;
  });
  if (index.userName === undefined) throw badRequest('missing_required_column', 'The header needs a userName column.');
  return index;
}

/** A CSV record as a flat snapshot entry; empty cells are absent values. */
export function csvEntry(index: Partial<Record<SnapshotColumn, number>>, record: string[]): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const column of SNAPSHOT_COLUMNS) {
    const at = index[column];
    const value = at === undefined ? '' : (record[at] ?? '').trim();
    if (value !== '') entry[column] = value;
  }
  return entry;
}
