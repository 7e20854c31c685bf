import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from './formats';
import { codePoint } from './text-rules';

const EMAIL = new RegExp(EMAIL_PATTERN);
// Controls (Cc) and invisible format characters (Cf: zero-width joiners and
// spaces, bidi overrides) make look-alikes of real addresses; angle brackets
// are markup, never part of an address anyone can receive mail at.
const CONTROL = /\p{Cc}/u;
const FORMAT = /\p{Cf}/u;
const ANGLE_BRACKET = /[<>]/;

/**
 * The email as stored and shown: trimmed, in Unicode compatibility form
 * (NFKC: fullwidth `ＡＤＡ` becomes `ADA`), case kept.
 */
export function cleanEmail(email: string): string {
  return email.trim().normalize('NFKC');
}

/** The key Members are deduplicated on within an organization: the clean email, lowercased. */
export function normalizeEmail(email: string): string {
  return cleanEmail(email).toLowerCase();
}

/**
 * Why an address is refused, or undefined. Judged on the clean form, so a
 * compatibility character cannot smuggle in what its NFKC form would be
 * refused for (a fullwidth `＜` is a `<`, a fullwidth `＠` a second `@`).
 */
export function emailProblem(email: string): string | undefined {
  const clean = cleanEmail(email);
  const control = CONTROL.exec(clean);
  if (control) return `contains a control character (${codePoint(control[0])})`;
  const format = FORMAT.exec(clean);
  if (format) return `contains an invisible formatting character (${codePoint(format[0])})`;
  if (ANGLE_BRACKET.test(clean)) return 'contains "<" or ">"';
  if (clean.length > EMAIL_MAX_LENGTH || !EMAIL.test(clean)) return 'is not a valid email address';
  return undefined;
}
