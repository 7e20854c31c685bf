/** The longest a receiver's Retry-After is honoured: a day, so a typo cannot park a delivery for a year. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** Each retry moves by up to this fraction either way, so endpoints that failed together do not retry in lockstep. */
const JITTER = 0.2;

/**
 * A Retry-After header (delta-seconds or an HTTP date) as milliseconds from
 * now, capped at a day; undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now.getTime();
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/**
 * How long to wait before the next attempt of a delivery that has failed
 * `attemptsMade` times, or undefined when the schedule is spent (the
 * delivery has failed). `schedule[n]` is the delay before attempt n + 1
 * (Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h),
 * jittered; a receiver's Retry-After pushes it later, never sooner.
 */
export function nextRetryDelayMs(
  schedule: readonly number[],
  attemptsMade: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attemptsMade >= schedule.length) return undefined;
  const jittered = Math.round(schedule[attemptsMade] * (1 + JITTER * (2 * random() - 1)));
  return Math.max(jittered, retryAfterMs ?? 0);
}
