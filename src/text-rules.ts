/**
 * Rules for text that hold for every input, whatever the field: the API's
 * hygiene layer and the CSV importer apply the same ones.
 */

/**
 * The deepest nesting of objects and arrays accepted in JSON input. Real
 * payloads (search queries, metadata) stay far below it; without a cap, a
 * small body nested thousands deep overflows the stack of whatever recurses
 * into it later (JSON.stringify, the metadata size check).
 */
export const MAX_JSON_DEPTH = 32;

// Unpaired UTF-16 surrogates: JSON.parse yields them from "\ud800" escapes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /\p{Cc}/u;

/** `U+000A`, for messages that must not echo the character itself. */
export function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why no column can hold this text, or undefined: Postgres text and jsonb
 * refuse U+0000, and jsonb refuses unpaired surrogates. Refused at the edge,
 * they are a 400 naming the field instead of a database error.
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'an unpaired UTF-16 surrogate';
  return undefined;
}

export interface UnstorableText {
  /** Dotted path of the value, as validation errors name fields (`invitees.3.name`); '' for a key of the value itself. */
  field: string;
  /** True when an object key, not a value, is at fault. */
  inKey: boolean;
  problem: string;
}

/**
 * The first string, object key or value, anywhere in `value` that no column
 * can hold. Recursion is bounded: callers pass only input whose depth was
 * capped when it was parsed.
 */
export function findUnstorableText(value: unknown, field: string): UnstorableText | undefined {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? { field, inKey: false, problem } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const path = field ? `${field}.${key}` : key;
    const keyProblem = unstorableText(key);
    if (keyProblem) return { field, inKey: true, problem: keyProblem };
    const found = findUnstorableText(item, path);
    if (found) return found;
  }
  return undefined;
}

/** The message for what findUnstorableText found in `whole` (what a field path of '' stands for). */
export function describeUnstorable({ field, inKey, problem }: UnstorableText, whole: string): string {
  return inKey ? `${field || whole} has a key that contains ${problem}.` : `${field || whole} contains ${problem}.`;
}

/**
 * Whether JSON text nests objects and arrays deeper than `max`, found by one
 * scan of the bytes before any parser recurses into them. Brackets inside
 * strings do not count; the text need not be valid JSON (the parser judges that).
 */
export function jsonNestsDeeperThan(json: Buffer | string, max: number): boolean {
  const bytes = typeof json === 'string' ? Buffer.from(json) : json;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // a backslash escapes the next byte, a quote included
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > max) return true;
    } else if (byte === 0x7d || byte === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Why a one-line text (a person's or an organization's name) is refused, or undefined. */
export function controlCharacterProblem(text: string): string | undefined {
  const control = CONTROL.exec(text);
  return control ? `contains a control character (${codePoint(control[0])}); line breaks and tabs are not allowed` : undefined;
}
