import { cleanEmail, emailProblem } from '../../email-rules';
import { EXTERNAL_ID_MAX_LENGTH, EXTERNAL_ID_PATTERN, MEMBER_NAME_MAX_LENGTH } from '../../formats';
import { controlCharacterProblem } from '../../text-rules';
import { scimBadRequest } from './scim-error';

/** What Roster keeps of a SCIM User resource (canonical attribute names): its registration and its Member's fields. */
export interface ScimUserFields {
  userName: string;
  externalId: string | null;
  active: boolean;
  /** The member's email: the primary email, else a work one, else the first, else userName when it is an address. */
  email: string;
  /** The member's name, when the resource names the person. */
  name: string | undefined;
  /** The member's external_id: the SCIM externalId when it fits Stytch's external_id format, else none. */
  memberExternalId: string | null;
  /** The resource as the directory wrote it, less what the server owns (id, meta) and what is never stored (password). */
  attributes: Record<string, unknown>;
}

/** Attributes the server owns or never keeps (RFC 7643 §3.1, §4.1.1 `password` returned "never"). */
const NOT_STORED = new Set(['id', 'meta', 'password', 'groups']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A SCIM boolean; Entra's legacy dialect writes them as "True"/"False". */
function booleanOf(value: unknown, attribute: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw scimBadRequest('invalidValue', `${attribute} must be a boolean.`);
}

function optionalString(value: unknown, attribute: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw scimBadRequest('invalidValue', `${attribute} must be a string.`);
  return value;
}

interface EmailItem {
  value?: unknown;
  type?: unknown;
  primary?: unknown;
}

/** RFC 7643 §2.4: the primary item of a multi-valued attribute is the preferred one; otherwise a work address, otherwise the first. */
function preferredEmail(emails: unknown): string | undefined {
  if (emails === undefined || emails === null) return undefined;
  if (!Array.isArray(emails)) throw scimBadRequest('invalidValue', 'emails must be an array of email objects.');
  const items = emails.filter(isRecord) as EmailItem[];
  const chosen =
    items.find((e) => e.primary === true || (typeof e.primary === 'string' && e.primary.toLowerCase() === 'true')) ??
    items.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work') ??
    items[0];
  return chosen === undefined ? undefined : optionalString(chosen.value, 'emails.value');
}

function emailOf(userName: string, emails: unknown): string {
  const preferred = preferredEmail(emails);
  if (preferred !== undefined) {
    const problem = emailProblem(preferred);
    if (problem) throw scimBadRequest('invalidValue', `emails: the primary email address "${preferred}" ${problem}.`);
    return cleanEmail(preferred);
  }
  if (emailProblem(userName) === undefined) return cleanEmail(userName);
  throw scimBadRequest(
    'invalidValue',
    'A SCIM user needs an email address: give one in emails (primary), or a userName that is an email address.',
  );
}

/** The person's name: name.formatted, else given and family names, else displayName. */
function nameOf(resource: Record<string, unknown>): string | undefined {
  const name = isRecord(resource.name) ? resource.name : {};
  const formatted = optionalString(name.formatted, 'name.formatted')?.trim();
  const parts = [optionalString(name.givenName, 'name.givenName'), optionalString(name.familyName, 'name.familyName')]
    .map((part) => part?.trim())
    .filter(Boolean);
  const chosen = formatted || parts.join(' ') || optionalString(resource.displayName, 'displayName')?.trim();
  if (!chosen) return undefined;
  const problem = controlCharacterProblem(chosen);
  if (problem) throw scimBadRequest('invalidValue', `name ${problem}.`);
  return chosen.slice(0, MEMBER_NAME_MAX_LENGTH);
}

const fitsMemberExternalId = (value: string) => value.length <= EXTERNAL_ID_MAX_LENGTH && new RegExp(EXTERNAL_ID_PATTERN).test(value);

/**
 * Reads a SCIM User resource (attribute names already canonical, see
 * canonicalize) into what Roster stores; refuses, naming the attribute, a
 * resource without a userName or without a usable email address.
 */
export function scimUserFields(resource: Record<string, unknown>): ScimUserFields {
  const userName = optionalString(resource.userName, 'userName')?.trim();
  if (!userName) throw scimBadRequest('invalidValue', 'userName is required.');
  const externalId = optionalString(resource.externalId, 'externalId')?.trim() || null;
  const active = resource.active === undefined || resource.active === null ? true : booleanOf(resource.active, 'active');
  const attributes = Object.fromEntries(Object.entries(resource).filter(([key]) => !NOT_STORED.has(key)));
  return {
    userName,
    externalId,
    active,
    email: emailOf(userName, resource.emails),
    name: nameOf(resource),
    memberExternalId: externalId !== null && fitsMemberExternalId(externalId) ? externalId : null,
    attributes: { ...attributes, userName, active, ...(externalId === null ? {} : { externalId }) },
  };
}
