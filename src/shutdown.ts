import { logger } from './logger';

/**
 * A repeat of the signal within this long is the same request: Ctrl-C under
 * `npm start` reaches node twice, from the terminal and forwarded by npm.
 */
export const REPEAT_SIGNAL_MS = 1000;

/** Of the grace period, what is kept for flushing and closing the pools once the drains are done. */
export function closeReserveMs(graceMs: number): number {
  return Math.min(5000, Math.floor(graceMs / 5));
}

export interface ShutdownOptions {
  /** The whole budget from the first signal to exit. */
  graceMs: number;
  /** After every drain finished: flush and close pools and connections. */
  close: () => Promise<void>;
  /**
   * When the drains overran their share of the grace period: hand back unfinished work
   * (jobs still running go back to their queues). The process exits right after.
   */
  overrun: () => Promise<void>;
  exit: (code: number) => void;
}

/**
 * A process's graceful stop. The first SIGTERM/SIGINT runs every drain at
 * once (stop taking work, finish what is in flight); when they are done the
 * pools close and the process ends by itself. Drains that overrun the grace
 * period less a reserve make unfinished work go back to where another process
 * picks it up, and the process exits; a close that hangs past the grace period
 * exits with 1, as do a failed close and a second signal.
 */
export class Shutdown {
  private readonly drains: (() => Promise<void>)[] = [];
  private stopping: Promise<void> | undefined;
  private firstSignalAt = 0;

  constructor(private readonly options: ShutdownOptions) {}

  /** How long the drains have, from the first signal: the grace period less what closing needs. */
  get drainMs(): number {
    return this.options.graceMs - closeReserveMs(this.options.graceMs);
  }

  /** Whether a stop has begun: what starts after it must stop itself at once. */
  get started(): boolean {
    return this.stopping !== undefined;
  }

  /** Registers how to stop one part of the process (an HTTP server, the workers, the scheduler). */
  add(drain: () => Promise<void>): void {
    this.drains.push(drain);
  }

  /** Begins the stop (or, on a second signal, ends the process now); resolves when the stop has run. */
  signal(name: string): Promise<void> {
    if (this.stopping) {
      if (Date.now() - this.firstSignalAt >= REPEAT_SIGNAL_MS) {
        logger.warn({ signal: name }, 'second signal: exiting now');
        this.options.exit(1);
      }
      return this.stopping;
    }
    this.firstSignalAt = Date.now();
    this.stopping = this.stop(name);
    return this.stopping;
  }

  private async stop(signal: string): Promise<void> {
    const { graceMs, close, overrun, exit } = this.options;
    logger.info({ signal, grace_ms: graceMs }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ grace_ms: graceMs }, 'shutdown did not finish within the grace period; exiting');
      exit(1);
    }, graceMs);
    deadline.unref();
    const drained = await settlesWithin(Promise.all(this.drains.map((drain) => drain())), this.drainMs);
    if (!drained) {
      // Work not handed back still comes back when its lock expires: a failure here only delays it.
      const code = await overrun().then(
        () => 0,
        (err: unknown) => {
          logger.error({ err }, 'could not hand back unfinished work');
          return 1;
        },
      );
      clearTimeout(deadline);
      exit(code);
      return;
    }
    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'error while closing');
      exit(1);
      return;
    }
    clearTimeout(deadline);
    logger.info('stopped');
  }
}

/** Whether `work` settles within `ms`; it goes on either way. A failure is logged and counts as settled. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = work.then(
    () => true,
    (err: unknown) => {
      logger.error({ err }, 'error while stopping');
      return true;
    },
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
