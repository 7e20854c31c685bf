import { closeReserveMs, REPEAT_SIGNAL_MS, Shutdown } from '../../src/shutdown';

const GRACE_MS = 10_000;
const DRAIN_MS = GRACE_MS - closeReserveMs(GRACE_MS);

/** A promise settled by hand, to play a drain or a close that takes as long as a test wants. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Shutdown', () => {
  let events: string[];
  let exits: number[];
  beforeEach(() => {
    jest.useFakeTimers();
    events = [];
    exits = [];
  });
  afterEach(() => jest.useRealTimers());

  function shutdown(close: () => Promise<void> = async () => void events.push('close')): Shutdown {
    return new Shutdown({
      graceMs: GRACE_MS,
      close,
      overrun: async () => void events.push('overrun'),
      exit: (code) => void exits.push(code),
    });
  }

  it('keeps most of the grace period for the drains and at most 5 s for closing', () => {
    expect([closeReserveMs(25_000), closeReserveMs(10_000), closeReserveMs(1_000)]).toEqual([5_000, 2_000, 200]);
    expect(shutdown().drainMs).toBe(DRAIN_MS);
  });

  it('runs every drain at once, closes once all are done, and leaves the process to end by itself', async () => {
    const web = deferred();
    const workers = deferred();
    const stop = shutdown();
    stop.add(() => (events.push('web'), web.promise));
    stop.add(() => (events.push('workers'), workers.promise));
    const done = stop.signal('SIGTERM');
    expect(stop.started).toBe(true);
    expect(events).toEqual(['web', 'workers']);
    web.resolve();
    await jest.advanceTimersByTimeAsync(100);
    expect(events).toEqual(['web', 'workers']);
    workers.resolve();
    await done;
    expect(events).toEqual(['web', 'workers', 'close']);
    expect(exits).toEqual([]);
  });

  it('hands back unfinished work and exits 0 when a drain overruns its share of the grace period', async () => {
    const stop = shutdown();
    stop.add(() => new Promise<void>(() => undefined));
    const done = stop.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(DRAIN_MS - 1);
    expect(events).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(events).toEqual(['overrun']);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when closing hangs past the grace period', async () => {
    const stop = shutdown(() => new Promise<void>(() => undefined));
    stop.add(async () => undefined);
    void stop.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(exits).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([1]);
  });

  it('goes on closing when a drain fails', async () => {
    const stop = shutdown();
    stop.add(() => Promise.reject(new Error('scheduler would not close')));
    await stop.signal('SIGTERM');
    expect(events).toEqual(['close']);
    expect(exits).toEqual([]);
  });

  it('exits 1 when closing fails', async () => {
    const stop = shutdown(() => Promise.reject(new Error('pool would not close')));
    await stop.signal('SIGTERM');
    expect(exits).toEqual([1]);
  });

  it('takes a repeat of the signal within a second as the same Ctrl-C, and a later one as "exit now"', async () => {
    const stop = shutdown();
    const drain = deferred();
    let drains = 0;
    stop.add(() => (drains++, drain.promise));
    void stop.signal('SIGINT');
    await jest.advanceTimersByTimeAsync(REPEAT_SIGNAL_MS - 1);
    void stop.signal('SIGINT');
    expect([drains, exits]).toEqual([1, []]);
    await jest.advanceTimersByTimeAsync(1);
    void stop.signal('SIGINT');
    expect([drains, exits]).toEqual([1, [1]]);
  });
});
