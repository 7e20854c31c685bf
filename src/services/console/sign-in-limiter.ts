/**
 * Console sign-in attempts, counted per key (the client's address, the
 * project id tried) in this process's memory: `maxFailures` within `windowMs`
 * lock the key until the window's oldest failure ages out. An attempt counts
 * from the moment it starts (parallel guesses get no more tries than
 * sequential ones) and is forgotten if it succeeds. Several `web` processes
 * each count their own, so the limit holds per process.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts an attempt against every key, unless one of them is locked: then
   * the seconds to wait. `succeeded` un-counts the attempt.
   */
  attempt(keys: string[]): { retryAfterSeconds: number; succeeded: () => void } {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.maxFailures) wait = Math.max(wait, recent[recent.length - this.maxFailures] + this.windowMs - now);
    }
    if (wait > 0) return { retryAfterSeconds: Math.ceil(wait / 1000), succeeded: () => undefined };
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    this.forgetAged(now);
    return { retryAfterSeconds: 0, succeeded: () => keys.forEach((key) => this.remove(key, now)) };
  }

  private remove(key: string, at: number): void {
    const times = this.failures.get(key) ?? [];
    const index = times.indexOf(at);
    if (index >= 0) times.splice(index, 1);
  }

  /** Bounded memory: keys whose attempts have all aged out are dropped. */
  private forgetAged(now: number): void {
    if (this.failures.size <= 10_000) return;
    for (const key of this.failures.keys()) if (this.recent(key, now).length === 0) this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.windowMs);
  }
}
