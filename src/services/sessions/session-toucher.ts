import type { Knex } from 'knex';
import { logger } from '../../logger';
import type { SessionRepository } from '../../repositories/session.repository';

/** How long a session's last access may wait before it is written. */
export const TOUCH_FLUSH_MS = 1000;

/**
 * Coalesces `last_accessed_at` writes off the authentication path: a session
 * authenticated a hundred times a second costs one UPDATE a second, for all
 * sessions at once. The answer already carries the new time; Postgres catches
 * up within TOUCH_FLUSH_MS (and on shutdown). A crash loses at most that much
 * of last-access history, never a session or its expiry.
 */
export class SessionToucher {
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly knex: Knex,
    private readonly sessions: SessionRepository,
  ) {}

  touch(sessionId: string, at: Date): void {
    this.pending.set(sessionId, at);
    this.timer ??= setTimeout(() => void this.flush(), TOUCH_FLUSH_MS).unref();
  }

  /** Writes every pending touch; concurrent calls run one after the other. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending].map(([id, at]) => ({ id, at }));
    this.pending = new Map();
    this.flushing = this.flushing.then(() =>
      this.sessions
        .touchMany(this.knex, batch)
        .catch((err) => logger.warn({ err, sessions: batch.length }, 'could not record session accesses')),
    );
    return this.flushing;
  }
}
