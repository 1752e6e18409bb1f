import dns from 'node:dns';
import net, { BlockList } from 'node:net';

/**
 * Where a webhook may not point unless OMNI360_WEBHOOK_ALLOW_PRIVATE is set: loopback, private,
 * carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unspecified, multicast and reserved
 * ranges, in IPv4 and IPv6 (IPv4-mapped IPv6 addresses are checked as IPv4).
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
  ['100::', 64],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/** True when an IP address is one a webhook may not reach (without OMNI360_WEBHOOK_ALLOW_PRIVATE). */
export function isForbiddenAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return FORBIDDEN.check(mapped[1], 'ipv4');
  // The same in hex, as URL parsing writes it: ::ffff:7f00:1 is 127.0.0.1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return FORBIDDEN.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return FORBIDDEN.check(address, 'ipv6');
}

export class WebhookUrlError extends Error {}

/**
 * Checks a webhook URL when it is saved: http(s) only, no credentials in it, and (unless private targets
 * are allowed) a host that is no forbidden address literal and whose every resolved address is allowed.
 * The same check runs again at connect time (guardedLookup), because DNS may answer differently later.
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('url is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlError('url must use https or http');
  if (url.username || url.password) throw new WebhookUrlError('url must not carry credentials');
  if (raw.length > 2048) throw new WebhookUrlError('url is longer than 2048 characters');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    if (isForbiddenAddress(host)) throw new WebhookUrlError('url points to a private, loopback or link-local address');
    return url;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) throw new WebhookUrlError('url points to a private, loopback or link-local address');
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true });
  } catch {
    throw new WebhookUrlError(`url's host ${host} does not resolve`);
  }
  if (addresses.some((entry) => isForbiddenAddress(entry.address))) throw new WebhookUrlError('url resolves to a private, loopback or link-local address');
  return url;
}

/**
 * A `lookup` for http.request that resolves the host at connect time and refuses the connection when
 * any address it resolves to is forbidden: a name that resolved to a public address when the webhook
 * was saved cannot be re-pointed at the metadata service or the database later (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      if (!allowPrivate && list.some((entry) => isForbiddenAddress(entry.address))) {
        const refused = Object.assign(new Error(`refused: ${hostname} resolves to a private, loopback or link-local address`), { code: 'EWEBHOOKPRIVATE' });
        return callback(refused, '', 0);
      }
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
