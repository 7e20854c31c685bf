/**
 * What `roster` exits with. Scripts branch on these, so they are part of the
 * CLI's interface: listed in `roster --help` and the README, never renumbered.
 */
export const EXIT = {
  OK: 0,
  /** The server (or the database) answered with an error. */
  FAILED: 1,
  /** Bad command line or settings: nothing was sent. */
  USAGE: 2,
  /** The server or the database could not be reached at all. */
  UNREACHABLE: 3,
  /** `import` / `jobs watch`: the job ended failed or cancelled. */
  JOB_NOT_COMPLETED: 4,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success (an import or watched job completed, even with rejected rows)
  1  the server answered with an error (status, error_type and message shown)
  2  usage error: unknown command, bad option or setting
  3  cannot reach the server (for projects commands: the database)
  4  the imported or watched job ended failed or cancelled`;

/** A command line or setting the CLI refuses before sending anything. */
export class UsageError extends Error {}

/** Nothing answered at `url`: says where, why, and which setting points there. */
export class UnreachableError extends Error {
  constructor(url: string, cause: string, hint: string) {
    super(`cannot reach ${url} (${cause}) — ${hint}`);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The most specific reason inside a failed connection: fetch wraps the socket's
 * error in `cause`, and a host with several addresses fails with an AggregateError.
 */
export function networkCause(err: unknown): string {
  const inner = (err as { cause?: unknown }).cause ?? err;
  const { code, errors, message } = inner as { code?: string; errors?: { code?: string }[]; message?: string };
  return code ?? errors?.find((e) => e.code)?.code ?? message ?? String(inner);
}

/** Whether an error is a failure to connect at all, rather than an answer. */
export function isNetworkFailure(err: unknown): boolean {
  return NETWORK_CODES.has(networkCause(err));
}

/** A URL fit to print: without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
