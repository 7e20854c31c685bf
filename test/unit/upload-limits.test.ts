import { PassThrough } from 'node:stream';
import { UploadIdleError, UploadSlots, watchIdle } from '../../src/services/member-import/upload-limits';
import { appError } from '../helpers/assertions';

describe('UploadSlots', () => {
  it('refuses a project over its own limit with 429 while another project still gets a slot', () => {
    const slots = new UploadSlots({ perProject: 2, total: 8 });
    slots.acquire('a');
    slots.acquire('a');
    const refused = appError(() => slots.acquire('a'));
    expect(refused).toMatchObject({ errorType: 'too_many_requests', statusCode: 429 });
    expect(refused.message).toMatch(/this project already has 2 uploads/i);
    expect(() => slots.acquire('b')).not.toThrow();
  });

  it('refuses every project once the total is reached, and admits again once a slot is given back', () => {
    const slots = new UploadSlots({ perProject: 2, total: 3 });
    const releaseA = slots.acquire('a');
    slots.acquire('a');
    slots.acquire('b');
    expect(appError(() => slots.acquire('c')).message).toMatch(/the server is receiving 3 uploads/i);
    releaseA();
    expect(() => slots.acquire('c')).not.toThrow();
  });

  it('gives a slot back once however often its release is called', () => {
    const slots = new UploadSlots({ perProject: 1, total: 2 });
    const release = slots.acquire('a');
    release();
    release();
    slots.acquire('a');
    slots.acquire('b');
    expect(appError(() => slots.acquire('c')).statusCode).toBe(429);
  });
});

describe('watchIdle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires once no data came for the idle time, and not while data keeps coming', () => {
    const body = new PassThrough();
    const onIdle = jest.fn();
    watchIdle(body, 1000, onIdle);
    body.resume();
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(900);
      body.write('x');
    }
    expect(onIdle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(onIdle.mock.calls[0][0]).toBeInstanceOf(UploadIdleError);
  });

  it('does not count time the reader keeps the body paused', () => {
    const body = new PassThrough();
    const onIdle = jest.fn();
    watchIdle(body, 1000, onIdle);
    body.pause();
    jest.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
    body.resume();
    jest.advanceTimersByTime(1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('stops watching once the body has ended, however long the rest takes', async () => {
    const body = new PassThrough();
    const onIdle = jest.fn();
    watchIdle(body, 1000, onIdle);
    body.resume();
    body.end('x');
    await jest.advanceTimersByTimeAsync(5000);
    expect(body.readableEnded).toBe(true);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('stops watching when told to', () => {
    const body = new PassThrough();
    const onIdle = jest.fn();
    const stop = watchIdle(body, 1000, onIdle);
    stop();
    jest.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
