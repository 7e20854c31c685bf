export interface EventuallyOptions {
  /** Names what is awaited; the timeout error starts with it. */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * Polls `check` until it returns a truthy value (which it returns) or the
 * timeout passes. A check that throws counts as "not yet": throwing an error
 * that describes the state seen is how a check explains a timeout, since the
 * timeout error repeats the last one.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { what, timeoutMs = 10_000, intervalMs = 50 }: EventuallyOptions,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: string;
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
      last = `the check returned ${JSON.stringify(value)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    // Checked after the attempt, so a check always runs at least once, even with no time left.
    if (Date.now() >= deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls `read` until `done` holds for the value read, and returns that value
 * (which may itself be falsy); the timeout error shows the last value read.
 */
export async function eventuallyValue<T>(read: () => Promise<T>, done: (value: T) => boolean, options: EventuallyOptions): Promise<T> {
  const { value } = await eventually(async () => {
    const value = await read();
    if (!done(value)) throw new Error(`still ${JSON.stringify(value)}`);
    return { value };
  }, options);
  return value;
}
