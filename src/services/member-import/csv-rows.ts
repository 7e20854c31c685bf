import { badRequest } from '../../errors';
import { EXTERNAL_ID_MAX_LENGTH, EXTERNAL_ID_PATTERN, MEMBER_NAME_MAX_LENGTH, PHONE_PATTERN, SLUG_PATTERN } from '../../formats';
import { parseId, ProjectEnv } from '../../ids';
import type { MemberStatus } from '../../models/member.model';
import {
  controlCharacterProblem,
  describeUnstorable,
  findUnstorableText,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
  unstorableText,
} from '../../text-rules';
import { cleanEmail, emailProblem, normalizeEmail } from '../../email-rules';
import { METADATA_MAX_BYTES } from '../organization-rules';
import { MEMBER_ROLE } from '../roles';
import type { RowError, StagedRow } from '../../repositories/member-import/staging';

/**
 * Turns CSV records of a member import into staging rows: everything
 * that can be checked on one row alone is checked here, as the file streams
 * in; what needs the database (organizations, roles, duplicates) is checked
 * set-based by the worker afterwards.
 */
export const IMPORT_COLUMNS = [
  'organization_id',
  'organization_slug',
  'email_address',
  'name',
  'roles',
  'trusted_metadata',
  'untrusted_metadata',
  'external_id',
  'is_breakglass',
  'status',
  'mfa_phone_number',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export interface CsvHeader {
  /** Where each known column is in a record. */
  index: Partial<Record<ImportColumn, number>>;
  /** How many fields every record must have. */
  width: number;
  /** Columns Roster does not know; their values are ignored. */
  ignored: string[];
}

export function readHeader(fields: string[]): CsvHeader {
  const index: CsvHeader['index'] = {};
  const ignored: string[] = [];
  fields.forEach((raw, position) => {
    // Unknown column names are kept on the job: they must be storable text.
    const problem = unstorableText(raw);
    if (problem) throw badRequest('invalid_character', `Header cell ${position + 1} contains ${problem}.`);
    const name = raw.trim().toLowerCase() as ImportColumn;
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
      ignored.push(raw.trim());
      return;
    }
    if (index[name] !== undefined) throw badRequest('duplicate_column', `The header names column "${name}" twice.`);
    index[name] = position;
  });
  if (index.email_address === undefined) {
    throw badRequest(
      'missing_required_column',
      `The header row has no email_address column. Columns found: ${fields.join(', ') || '(none)'}.`,
    );
  }
  return { index, width: fields.length, ignored };
}

const PHONE = new RegExp(PHONE_PATTERN);
const EXTERNAL_ID = new RegExp(EXTERNAL_ID_PATTERN);
const SLUG = new RegExp(SLUG_PATTERN);
const ROLE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };
const STATUSES: MemberStatus[] = ['active', 'invited', 'pending'];

class RowRejected extends Error {
  constructor(readonly rowError: RowError) {
    super(rowError.message);
  }
}

const reject = (type: string, column: ImportColumn | null, value: string | null, message: string): never => {
  throw new RowRejected({ type, column, value, message });
};

function metadata(column: ImportColumn, text: string): string | null {
  if (text.trim() === '') return null;
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    reject('invalid_json', column, null, `${column} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return reject('invalid_json', column, text, `${column} is not valid JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject('invalid_json', column, text, `${column} must be a JSON object.`);
  }
  // "\u0000" and "\ud800" escapes parse fine but jsonb refuses them: the whole COPY would fail.
  const unstorable = findUnstorableText(parsed, column);
  if (unstorable) reject('invalid_json', column, text, describeUnstorable(unstorable, column));
  const json = JSON.stringify(parsed);
  if (Buffer.byteLength(json) > METADATA_MAX_BYTES) {
    reject('metadata_too_large', column, null, `${column} must be at most ${METADATA_MAX_BYTES} bytes as JSON.`);
  }
  return json;
}

export interface StageContext {
  header: CsvHeader;
  env: ProjectEnv;
  /** The organization for rows that name none (the `organization_id` option), as a uuid. */
  defaultOrganizationId: string | null;
}

function emptyRow(line: number): StagedRow {
  return {
    line,
    organization_id: null,
    organization_slug: null,
    email: null,
    email_normalized: null,
    name: null,
    roles: null,
    trusted_metadata: null,
    untrusted_metadata: null,
    external_id: null,
    is_breakglass: null,
    status: null,
    mfa_phone_number: null,
    error: null,
  };
}

/** Validates one record; never throws for bad data, which becomes the row's error. */
export function stageRecord(ctx: StageContext, fields: string[], line: number): StagedRow {
  const row = emptyRow(line);
  try {
    fillRow(ctx, fields, row);
  } catch (err) {
    if (!(err instanceof RowRejected)) throw err;
    row.error = err.rowError;
  }
  return row;
}

function fillRow({ header, env, defaultOrganizationId }: StageContext, fields: string[], row: StagedRow): void {
  if (fields.length !== header.width) {
    reject('wrong_column_count', null, null, `The row has ${fields.length} fields; the header has ${header.width}.`);
  }
  const cell = (column: ImportColumn): string | undefined => {
    const position = header.index[column];
    if (position === undefined) return undefined;
    const value = fields[position];
    // csv-parse decodes invalid UTF-8 to U+FFFD; Postgres text cannot hold U+0000.
    if (value.includes('\uFFFD')) reject('invalid_utf8', column, null, `${column} is not valid UTF-8.`);
    const problem = unstorableText(value);
    if (problem) reject('invalid_character', column, null, `${column} contains ${problem}.`);
    return value;
  };

  const email = cell('email_address') ?? '';
  if (email.trim() === '') reject('invalid_email', 'email_address', email, 'email_address is empty.');
  const problem = emailProblem(email);
  if (problem) reject('invalid_email', 'email_address', email, `email_address ${problem}.`);
  row.email = cleanEmail(email);
  row.email_normalized = normalizeEmail(email);

  const organizationId = cell('organization_id')?.trim();
  const organizationSlug = cell('organization_slug')?.trim();
  if (organizationId) {
    row.organization_id =
      parseId('organization', env, organizationId) ??
      reject('unknown_organization', 'organization_id', organizationId, 'organization_id is not an organization of this project.');
  } else if (organizationSlug) {
    if (!SLUG.test(organizationSlug)) {
      reject('invalid_organization_slug', 'organization_slug', organizationSlug, 'organization_slug is not a valid slug.');
    }
    row.organization_slug = organizationSlug;
  } else if (defaultOrganizationId) {
    row.organization_id = defaultOrganizationId;
  } else {
    reject('unknown_organization', null, null, 'The row names no organization and the migration has no default organization_id.');
  }

  const name = cell('name')?.trim();
  if (name) {
    if (name.length > MEMBER_NAME_MAX_LENGTH)
      reject('invalid_name', 'name', name, `name is longer than ${MEMBER_NAME_MAX_LENGTH} characters.`);
    const problem = controlCharacterProblem(name);
    if (problem) reject('invalid_name', 'name', name, `name ${problem}.`);
    row.name = name;
  }

  const roles = cell('roles');
  if (roles !== undefined && roles.trim() !== '') {
    const ids = [
      ...new Set(
        roles
          .split(';')
          .map((r) => r.trim())
          .filter((r) => r !== ''),
      ),
    ];
    const bad = ids.find((r) => !ROLE_ID.test(r));
    if (bad !== undefined) reject('unknown_role', 'roles', roles, `"${bad}" is not a role id.`);
    // Every member holds stytch_member implicitly; exports often list it anyway.
    row.roles = ids.filter((r) => r !== MEMBER_ROLE);
  }

  const trusted = cell('trusted_metadata');
  if (trusted !== undefined) row.trusted_metadata = metadata('trusted_metadata', trusted);
  const untrusted = cell('untrusted_metadata');
  if (untrusted !== undefined) row.untrusted_metadata = metadata('untrusted_metadata', untrusted);

  const externalId = cell('external_id')?.trim();
  if (externalId) {
    if (externalId.length > EXTERNAL_ID_MAX_LENGTH || !EXTERNAL_ID.test(externalId)) {
      reject('invalid_external_id', 'external_id', externalId, 'external_id may hold up to 128 letters, digits, ".", "_", "-" or "|".');
    }
    row.external_id = externalId;
  }

  const breakglass = cell('is_breakglass')?.trim().toLowerCase();
  if (breakglass) {
    row.is_breakglass =
      BOOLEANS[breakglass] ?? reject('invalid_boolean', 'is_breakglass', breakglass, 'is_breakglass must be true or false.');
  }

  const status = cell('status')?.trim().toLowerCase();
  if (status) {
    if (!STATUSES.includes(status as MemberStatus)) {
      reject('invalid_status', 'status', status, 'status must be active, invited or pending.');
    }
    row.status = status as MemberStatus;
  }

  const phone = cell('mfa_phone_number')?.trim();
  if (phone) {
    if (!PHONE.test(phone))
      reject('invalid_phone_number', 'mfa_phone_number', phone, 'mfa_phone_number must be in E.164 format (+15555550123).');
    row.mfa_phone_number = phone;
  }
}
