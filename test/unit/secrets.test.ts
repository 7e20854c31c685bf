import { newSecret, randomBytesPooled } from '../../src/secrets';

describe('pooled random bytes', () => {
  it('hands out every byte once, across refills of the pool', () => {
    const draws = Array.from({ length: 600 }, () => randomBytesPooled(16)); // 9,600 bytes: two refills of 4 KiB
    expect(new Set(draws.map((b) => b.toString('hex'))).size).toBe(600);
    // Views of one pool never overlap: changing one leaves the others as they were.
    const before = draws.map((b) => b.toString('hex'));
    draws[10].fill(0);
    expect(draws.filter((b, i) => b.toString('hex') !== before[i])).toEqual([draws[10]]);
  });

  it('serves sizes larger than the pool, and secrets of 32 bytes', () => {
    expect(randomBytesPooled(10_000)).toHaveLength(10_000);
    const secret = newSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 1000 }, newSecret)).size).toBe(1000);
  });
});
