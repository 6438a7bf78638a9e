import { InvalidInputError } from '@app/platform';
import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export const MAX_URL_LENGTH = 2000;
export const MAX_ALLOWED_NETWORKS = 50;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type Network = [Address, number];
/** Every public IPv6 address is in 2000::/3 (IANA's global unicast space); the rest is reserved. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** A URL a webhook may be registered with: http or https, a host, no user name or password, no fragment. */
export function checkTargetUrl(raw: string, field = 'url'): URL {
  const refuse = (message: string) => new InvalidInputError('invalid_webhook_url', message, [{ field, message }]);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(`${field} must be an absolute http or https URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse(`${field} must use http or https, not ${url.protocol.replace(':', '')}`);
  if (!url.hostname) throw refuse(`${field} must name a host`);
  if (url.username || url.password) throw refuse(`${field} must not carry a user name or password; the signature authenticates the sender`);
  if (url.hash) throw refuse(`${field} must not have a fragment`);
  // The URL is stored (and shown) as parsed: percent-encoding can make it several times longer than sent.
  if (url.toString().length > MAX_URL_LENGTH) throw refuse(`${field} must be at most ${MAX_URL_LENGTH} characters once percent-encoded`);
  return url;
}

/** Parses the admin's allow-list ("10.1.0.0/16", "127.0.0.1"): a plain address is a network of one. */
export function parseNetworks(list: readonly string[], field = 'allowedNetworks'): Network[] {
  return list.map((entry, i) => {
    try {
      const [address, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), undefined];
      // Targets are compared as IPv4 when they are IPv4-mapped (::ffff:a.b.c.d): so is a mapped network.
      if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && (bits ?? 128) >= 96)
        return [(address as ipaddr.IPv6).toIPv4Address(), (bits ?? 128) - 96] as Network;
      return [address, bits ?? (address.kind() === 'ipv4' ? 32 : 128)] as Network;
    } catch {
      const message = `${entry} is neither an IP address nor a network such as 10.1.0.0/16`;
      throw new InvalidInputError('invalid_network', message, [{ field: `${field}[${i}]`, message }]);
    }
  });
}

/** Prefixes shorter than these would open whole swathes of the internet and every private range at once. */
export const NARROWEST_ALLOWED_PREFIX = { ipv4: 8, ipv6: 16 } as const;

/** Refuses allow-list entries wider than a /8 (IPv4) or a /16 (IPv6): such a list switches the SSRF refusal off. */
export function checkNetworkWidths(networks: readonly Network[], field = 'allowedNetworks'): void {
  const problems = networks.flatMap(([address, bits], i) => {
    const narrowest = NARROWEST_ALLOWED_PREFIX[address.kind()];
    return bits < narrowest
      ? [{ field: `${field}[${i}]`, message: `${address.toString()}/${bits} is wider than a /${narrowest}: list the networks you mean` }]
      : [];
  });
  if (problems.length) throw new InvalidInputError('network_too_wide', problems[0].message, problems);
}

/**
 * Why an address may not be a webhook's target, or null if it may. Only public unicast addresses
 * are allowed, and the addresses inside a network the admin allowed: private, loopback,
 * link-local (the cloud metadata service at 169.254.169.254), unique-local, carrier-grade NAT,
 * multicast, reserved and unspecified ones are refused, also when written as IPv4-mapped IPv6.
 */
export function refusedAddress(text: string, allowed: readonly Network[]): string | null {
  let address: Address;
  try {
    address = ipaddr.process(text.replace(/^\[|\]$/g, ''));
  } catch {
    return `${text} is not an IP address`;
  }
  if (allowed.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits))) return null;
  const range = address.range();
  if (range !== 'unicast') return `${address.toString()} is a ${range} address, which webhook settings do not allow`;
  // ipaddr.js calls the rest of the IPv6 space unicast, IPv4-compatible ::a.b.c.d included; only 2000::/3 is public.
  if (address.kind() === 'ipv6' && !address.match(GLOBAL_UNICAST_V6)) return `${address.toString()} is outside the public IPv6 range 2000::/3`;
  return null;
}

export class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';
}

/**
 * A DNS lookup for outbound requests that refuses private targets. It runs when the connection is
 * made, so the address checked is the address connected to: a name that resolves to a public
 * address at registration and to a private one later (DNS rebinding) is still refused.
 */
export function guardedLookup(allowed: readonly Network[]) {
  return (hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refusals = addresses.map((a) => refusedAddress(a.address, allowed));
      const firstAllowed = addresses.findIndex((_, i) => refusals[i] === null);
      // One refused address is enough to refuse: which one a client gets is the resolver's choice.
      const refusal = refusals.find((r) => r !== null);
      if (refusal || firstAllowed < 0) return callback(new TargetRefusedError(`${hostname} resolves to ${refusal ?? 'no address'}`), []);
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[firstAllowed].address, addresses[firstAllowed].family);
    });
  };
}

/** Checks a target before it is stored: its host, or every address its name resolves to, must be allowed. */
export async function checkTarget(url: URL, allowed: readonly Network[]): Promise<string | null> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return refusedAddress(host, allowed);
  return new Promise((resolve) =>
    guardedLookup(allowed)(host, { all: true }, (err) => {
      if (err instanceof TargetRefusedError) resolve(err.message);
      else if (err) resolve(`${host} does not resolve (${err.code ?? err.message})`);
      else resolve(null);
    }),
  );
}
