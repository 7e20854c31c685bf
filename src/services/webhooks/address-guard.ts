import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard of webhook delivery: an endpoint URL may only reach the
 * public internet. Only global unicast passes, so every special range is
 * refused (private, loopback, link-local, unique-local, CGNAT, multicast,
 * unspecified, reserved, NAT64 and 6to4 translations of them); an
 * IPv4-mapped IPv6 address is judged as the IPv4 address inside it.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() unwraps ::ffff:a.b.c.d, so ::ffff:127.0.0.1 is judged as 127.0.0.1.
  return ipaddr.process(address).range() === 'unicast';
}

/** The error of an attempt the guard stopped: no request was sent. */
export class RefusedAddressError extends Error {
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)`);
    this.name = 'RefusedAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that resolves the host and refuses it unless
 * every address is public. The socket connects to exactly the addresses this
 * returns, so a DNS answer that changes between a check and the connection
 * (rebinding) cannot slip a private address past it.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) return callback(new RefusedAddressError(refused.address), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/** An IP literal in a URL never meets `lookup`: it is checked here before connecting. */
export function refusedLiteral(hostname: string): RefusedAddressError | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 && !isPublicAddress(bare) ? new RefusedAddressError(bare) : undefined;
}
