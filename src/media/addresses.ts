// Which addresses a file URL from a webhook may make the server connect to. The URL comes from the request body, so a
// forged request could aim the download at the server's own network (a database, a cloud metadata service).
import { BlockList, isIP } from 'node:net';

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, and the cloud metadata service at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 3], // multicast and reserved, up to 255.255.255.255
] as const) {
  internal.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local, including AWS's fd00:ec2::254 metadata address
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4 address, internal ones included
] as const) {
  internal.addSubnet(net, bits, 'ipv6');
}

/** True for loopback, private, link-local, metadata and other addresses no customer's file is served from. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // ::ffff:10.0.0.1 is 10.0.0.1.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1]!, 'ipv4');
  return internal.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
linkLocal.addAddress('fd00:ec2::254', 'ipv6');

/**
 * Link-local addresses and the cloud metadata services (169.254.169.254, AWS's fd00:ec2::254): never a shop's system,
 * always the cloud's credentials. Refused even where private addresses are allowed (a tool's allow_private_network).
 */
export function isMetadataAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return linkLocal.check(mapped[1]!, 'ipv4');
  return linkLocal.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
