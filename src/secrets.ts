import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Cryptographically random bytes, drawn from the CSPRNG 4 KiB at a time (as
 * crypto.randomUUID caches its entropy): a call into OpenSSL per token cost
 * the exchange path 2% of its CPU. Each byte is handed out once; the view
 * returned is the caller's own, but its `.buffer` is the shared pool, with
 * other callers' secrets: use the view, never its underlying ArrayBuffer.
 */
export function randomBytesPooled(size: number): Buffer {
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(Math.max(POOL_BYTES, size)));
    offset = 0;
  }
  offset += size;
  return pool.subarray(offset - size, offset);
}

/** A fresh secret or token: 32 random bytes, base64url. Shown once, stored hashed. */
export function newSecret(): string {
  return randomBytesPooled(32).toString('base64url');
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(secret);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}
