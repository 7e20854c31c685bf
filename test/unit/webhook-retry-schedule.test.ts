import { MAX_RETRY_AFTER_MS, nextRetryDelayMs, parseRetryAfter } from '../../src/services/webhooks/retry-schedule';

const STANDARD = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

describe('webhook retry schedule', () => {
  it('waits the next step of the schedule after each failed attempt, then gives up', () => {
    const middle = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 7].map((made) => nextRetryDelayMs(STANDARD, made, undefined, middle))).toEqual(STANDARD.slice(1));
    expect(nextRetryDelayMs(STANDARD, 8, undefined, middle)).toBeUndefined();
  });

  it('jitters each delay by at most a fifth either way', () => {
    expect(nextRetryDelayMs(STANDARD, 2, undefined, () => 0)).toBe(240_000);
    expect(nextRetryDelayMs(STANDARD, 2, undefined, () => 1)).toBe(360_000);
  });

  it("lets a receiver's Retry-After push the next attempt later, never sooner", () => {
    expect(nextRetryDelayMs(STANDARD, 1, 60_000, () => 0.5)).toBe(60_000);
    expect(nextRetryDelayMs(STANDARD, 3, 60_000, () => 0.5)).toBe(1_800_000);
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-12-02T12:00:00Z');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 02 Dec 2026 12:10:00 GMT', now)).toBe(600_000);
  });

  it('caps it at a day, treats a past date as now, and ignores what it cannot read', () => {
    expect(parseRetryAfter(String(7 * 24 * 3600), now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Wed, 02 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
