import { SignInLimiter } from '../../src/services/console/sign-in-limiter';

describe('console sign-in limiter', () => {
  let now = 1_000_000;
  const limiter = () => new SignInLimiter(3, 60_000, () => now);

  it('locks a key after its failures within the window, and lets it try again once the oldest ages out', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) {
      expect(l.attempt(['ip:a']).retryAfterSeconds).toBe(0);
      now += 1000;
    }
    // Failures at t0, t0+1s, t0+2s; now t0+3s: locked until t0+60s.
    expect(l.attempt(['ip:a']).retryAfterSeconds).toBe(57);
    expect(l.attempt(['ip:b']).retryAfterSeconds).toBe(0);
    now += 57_000;
    expect(l.attempt(['ip:a']).retryAfterSeconds).toBe(0);
  });

  it('locks an attempt when any one of its keys is locked, and a locked attempt does not count', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.attempt(['ip:a', 'project:p']);
    expect(l.attempt(['ip:other', 'project:p']).retryAfterSeconds).toBeGreaterThan(0);
    // The refused attempt above was not counted against ip:other.
    for (let i = 0; i < 3; i++) expect(l.attempt(['ip:other']).retryAfterSeconds).toBe(0);
  });

  it('forgets a successful attempt, so only failures count', () => {
    const l = limiter();
    for (let i = 0; i < 10; i++) {
      const attempt = l.attempt(['ip:a']);
      expect(attempt.retryAfterSeconds).toBe(0);
      attempt.succeeded();
    }
  });

  it('counts attempts still in flight: parallel guesses get no more tries than sequential ones', () => {
    const l = limiter();
    const started = Array.from({ length: 5 }, () => l.attempt(['ip:a']).retryAfterSeconds);
    expect(started).toEqual([0, 0, 0, expect.any(Number), expect.any(Number)]);
    expect(started[3]).toBeGreaterThan(0);
  });
});
