import type { LookupAddress } from 'node:dns';
import { guardedLookup, isPublicAddress, RefusedAddressError, refusedLiteral } from '../../src/services/webhooks/address-guard';

describe('webhook SSRF guard: isPublicAddress', () => {
  it.each([
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['192.168.1.10', 'private (RFC 1918)'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'IPv6 unique-local'],
    ['fd12:3456::1', 'IPv6 unique-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['not an address', 'not an address at all'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('webhook SSRF guard: URL hosts', () => {
  it('refuses private IP literals, bracketed IPv6 included, and leaves names to the lookup', () => {
    expect(refusedLiteral('127.0.0.1')).toBeInstanceOf(RefusedAddressError);
    expect(refusedLiteral('[::1]')).toBeInstanceOf(RefusedAddressError);
    expect(refusedLiteral('[::ffff:169.254.169.254]')).toBeInstanceOf(RefusedAddressError);
    expect(refusedLiteral('8.8.8.8')).toBeUndefined();
    expect(refusedLiteral('hooks.example.com')).toBeUndefined();
  });

  const lookup = (hostname: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[] }>((resolve) =>
      guardedLookup(hostname, { all }, (err, address) => resolve({ err, address })),
    );

  it.each([false, true])('refuses a name that resolves to loopback (all: %s), so the socket never connects', async (all) => {
    const { err } = await lookup('localhost', all);
    expect(err).toBeInstanceOf(RefusedAddressError);
    expect(err!.message).toMatch(/not a public address/);
  });
});
