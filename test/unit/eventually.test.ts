import { eventually, eventuallyValue } from '../helpers/eventually';

describe('eventually', () => {
  it('returns the first truthy value the check gives', async () => {
    const values = [0, '', null, 'ready'];
    let calls = 0;
    const value = await eventually(() => values[calls++], { what: 'a value', intervalMs: 1 });
    expect([value, calls]).toEqual(['ready', 4]);
  });

  it('keeps polling while the check throws, then returns its value', async () => {
    let calls = 0;
    const value = await eventually(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return { calls };
      },
      { what: 'a value', intervalMs: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('fails at the timeout naming what was awaited and the last error', async () => {
    let calls = 0;
    const failure = eventually(
      () => {
        calls += 1;
        throw new Error(`still pending after ${calls} checks`);
      },
      { what: 'the job to finish', timeoutMs: 30, intervalMs: 5 },
    );
    await expect(failure).rejects.toThrow(
      new RegExp(`^the job to finish: not reached within 30 ms \\(last: still pending after \\d+ checks\\)$`),
    );
    expect(calls).toBeGreaterThan(1);
  });

  it('reports the last falsy value when the check never throws', async () => {
    await expect(eventually(() => false, { what: 'a flag', timeoutMs: 10, intervalMs: 1 })).rejects.toThrow(
      'a flag: not reached within 10 ms (last: the check returned false)',
    );
  });

  it('checks once even when no time is allowed', async () => {
    await expect(eventually(() => 'now', { what: 'a value', timeoutMs: 0 })).resolves.toBe('now');
  });
});

describe('eventuallyValue', () => {
  it('returns the first value that satisfies the condition, even a falsy one', async () => {
    const values = [3, 2, 1, 0];
    let calls = 0;
    await expect(
      eventuallyValue(
        async () => values[calls++],
        (n) => n === 0,
        { what: 'zero', intervalMs: 1 },
      ),
    ).resolves.toBe(0);
  });

  it('fails at the timeout showing the last value read', async () => {
    await expect(
      eventuallyValue(
        async () => ({ status: 'running' }),
        (job) => job.status === 'completed',
        { what: 'the job', timeoutMs: 10, intervalMs: 1 },
      ),
    ).rejects.toThrow('the job: not reached within 10 ms (last: still {"status":"running"})');
  });
});
