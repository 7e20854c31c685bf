import { loadConfig } from '../../src/config';
import { cached, within } from '../../src/metrics/cached';

describe('a shared read of the metrics', () => {
  const counting = () => {
    const read = { calls: 0, fail: false };
    const fn = async () => {
      read.calls++;
      if (read.fail) throw new Error('Redis is away');
      return read.calls;
    };
    return { read, fn };
  };

  it('is made once for the scrapes within its time to live, concurrent ones included, and again after', async () => {
    const { read, fn } = counting();
    const shared = cached(fn, 50);
    expect(await Promise.all([shared(), shared(), shared()])).toEqual([1, 1, 1]);
    expect(await shared()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await shared()).toBe(2);
    expect(read.calls).toBe(2);
  });

  it('is not kept when it fails: the next scrape reads again', async () => {
    const { read, fn } = counting();
    const shared = cached(fn, 60_000);
    read.fail = true;
    await expect(shared()).rejects.toThrow('Redis is away');
    read.fail = false;
    expect(await shared()).toBe(2);
  });

  it('gives up on a store that does not answer in time', async () => {
    await expect(within(20, 'Redis', new Promise(() => undefined))).rejects.toThrow('Redis did not answer within 20 ms');
    expect(await within(1000, 'Redis', Promise.resolve('ok'))).toBe('ok');
  });
});

describe('METRICS_TOKEN', () => {
  it('is unset by default: GET /metrics is open', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });

  it('takes a token of 16 or more printable characters, and refuses a short one or one with spaces', () => {
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).metricsToken).toBe('x'.repeat(16));
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 printable characters/);
    expect(() => loadConfig({ METRICS_TOKEN: 'sixteen chars or more' })).toThrow(/METRICS_TOKEN/);
  });
});
