// Downloads one file from a URL that came from outside, safely: http and https only, at most a few redirects, every
// address checked after DNS resolution and again after each redirect (the socket connects to the checked address, so
// a second, different DNS answer cannot slip through), the size limit counted while streaming (a missing or lying
// Content-Length changes nothing), and a time limit for the whole download.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { dirname } from 'node:path';
import { isInternalAddress } from './addresses.js';

export interface DownloadPolicy {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Whether the server may connect to this address; by default, only to public ones. */
  addressAllowed(address: string): boolean;
}

export type Downloaded = { ok: true; bytes: number; contentType: string | null; sha256: string };
export type DownloadResult = Downloaded | { ok: false; reason: string };

export const publicAddressesOnly = (address: string) => !isInternalAddress(address);

class Refused extends Error {}

/** A DNS lookup that refuses names resolving to an address the policy does not allow. */
function guardedLookup(policy: DownloadPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => !policy.addressAllowed(a.address));
      if (refused || list.length === 0) {
        return callback(new Refused(`${hostname} resolves to ${refused?.address ?? 'nothing'}, an address files are not fetched from`), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

function get(url: URL, policy: DownloadPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // A literal IP is not looked up: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$|:/.test(host) && !policy.addressAllowed(host)) {
      reject(new Refused(`${host} is an address files are not fetched from`));
      return;
    }
    const req = request(url.href, { method: 'GET', lookup: guardedLookup(policy), signal, headers: { 'user-agent': 'whatspie-support-agent', accept: '*/*' } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Downloads `url` into `path` (written whole or not at all). */
export async function download(rawUrl: string, path: string, policy: DownloadPolicy): Promise<DownloadResult> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  const temp = `${path}.part`;
  try {
    let url = new URL(rawUrl);
    let response: IncomingMessage;
    for (let redirects = 0; ; redirects += 1) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `${url.protocol} links are not fetched (only http and https)` };
      response = await get(url, policy, signal);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= policy.maxRedirects) return { ok: false, reason: `more than ${policy.maxRedirects} redirects` };
        url = new URL(response.headers.location, url);
        continue;
      }
      if (status !== 200) {
        response.resume();
        return { ok: false, reason: `HTTP ${status}${status === 403 || status === 404 || status === 410 ? ' (the link has probably expired)' : ''}` };
      }
      break;
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > policy.maxBytes) {
      response.destroy();
      return { ok: false, reason: `larger than the limit of ${policy.maxBytes} bytes (${declared} declared)` };
    }
    await mkdir(dirname(path), { recursive: true });
    const hash = createHash('sha256');
    const out = createWriteStream(temp);
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > policy.maxBytes) {
          response.destroy();
          reject(new Refused(`larger than the limit of ${policy.maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        if (!out.write(chunk)) {
          response.pause();
          out.once('drain', () => response.resume());
        }
      });
      response.on('end', () => out.end(resolve));
      response.on('error', reject);
      out.on('error', reject);
    });
    await rename(temp, path);
    const type = response.headers['content-type'];
    return { ok: true, bytes, contentType: type ? type.split(';')[0]!.trim().slice(0, 100) : null, sha256: hash.digest('hex') };
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof Refused) return { ok: false, reason: error.message };
    const e = error as NodeJS.ErrnoException;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ok: false, reason: `no complete answer within ${policy.timeoutMs} ms` };
    if (e.code === 'ERR_INVALID_URL') return { ok: false, reason: 'not a valid URL' };
    // Our own lookup's refusal arrives wrapped in the socket's error.
    return { ok: false, reason: e.message?.slice(0, 200) ?? String(error) };
  }
}
