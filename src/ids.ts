import { randomBytesPooled } from './secrets';

/**
 * Ids at the API edge follow Stytch's shape (`member-test-<uuid>`); inside,
 * rows are keyed by bare uuids. Roster mints UUIDv7 so that ids sort by
 * creation time: cursor pagination walks them in order and bulk inserts
 * append to the right edge of the primary-key index.
 */
export type ProjectEnv = 'test' | 'live';
/** Stytch's id prefixes; longer prefixes first, so that `member-session-…` is not read as `member-…`. */
const ID_KINDS = [
  'member-registration',
  'member-session',
  'member-totp',
  'phone-number',
  'recovery-code',
  'scim-connection',
  'oidc-connection',
  'saml-connection',
  'public-token',
  'project',
  'organization',
  'member',
  'email',
  'webhook-endpoint',
  'webhook-delivery',
  'event',
  'job',
  'jwk',
  'sms',
] as const;
export type IdKind = (typeof ID_KINDS)[number];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PUBLIC_ID = new RegExp(`^(${ID_KINDS.join('|')})-(test|live)-(${UUID})$`);

// RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps ids minted in one
// millisecond in minting order, so events of one object sort as they happened.
let lastMs = -1;
let counter = 0;

export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytesPooled(16);
  if (now > lastMs) {
    lastMs = now;
    counter = bytes.readUInt16BE(6) & 0x7ff; // random start, its top bit clear so the millisecond has room to count
  } else if (now === lastMs && counter < 0xfff) {
    counter += 1;
  }
  // An explicit earlier time (a backdated record), or a millisecond's counter spent: random, as before.
  if (now === lastMs) bytes.writeUInt16BE(counter, 6);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function formatId(kind: IdKind, env: ProjectEnv, uuid: string): string {
  return `${kind}-${env}-${uuid}`;
}

/** The uuid inside a public id of this kind and env, or undefined if it is not one. */
export function parseId(kind: IdKind, env: ProjectEnv, publicId: string): string | undefined {
  const match = PUBLIC_ID.exec(publicId);
  if (!match || match[1] !== kind || match[2] !== env) return undefined;
  return match[3];
}

/** Whether a string has the shape of any Stytch-style id of this kind, whatever its env. */
export function looksLikeId(kind: IdKind, value: string): boolean {
  const match = PUBLIC_ID.exec(value);
  return match !== null && match[1] === kind;
}

export function parseProjectId(publicId: string): { env: ProjectEnv; uuid: string } | undefined {
  const match = PUBLIC_ID.exec(publicId);
  if (!match || match[1] !== 'project') return undefined;
  return { env: match[2] as ProjectEnv, uuid: match[3] };
}
