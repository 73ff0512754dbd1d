// Downloads one file from a URL that came from outside, safely: http and https only, at most a few redirects, every
// address checked after DNS resolution and again after each redirect (the socket connects to the checked address, so
// a second, different DNS answer cannot slip through), the size limit counted while streaming (a missing or lying
// Content-Length changes nothing), and a time limit for the whole download.
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** The policy refused an address (or a name resolving to one): the message says which. */
export class Refused extends Error {}

/** Kept files are customers' data: for the server's user alone. */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** A DNS lookup that refuses names resolving to an address the policy does not allow; `what` ends the refusal's words. */
function guardedLookup(policy: Pick<DownloadPolicy, 'addressAllowed'>, what: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => !policy.addressAllowed(a.address));
      if (refused || list.length === 0) {
        return callback(new Refused(`${hostname} resolves to ${refused?.address ?? 'nothing'}, ${what}`), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** What a guarded request sends; a download sends a plain GET. */
export interface GuardedRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** How a refused address is described: "an address files are not fetched from". */
  refusedAs?: string;
}

const FILE_GET: GuardedRequest = { method: 'GET', headers: { 'user-agent': 'whatspie-support-agent', accept: '*/*' } };

/**
 * One HTTP request on a connection only to an address the policy allows: a literal IP is checked here, a name after
 * its DNS resolution (the socket connects to the checked address). Redirects are the caller's to follow, each one
 * through here again. Used by media downloads and by the operators' HTTP tools (src/tools/).
 */
export function guardedRequest(url: URL, policy: Pick<DownloadPolicy, 'addressAllowed'>, signal: AbortSignal, shape: GuardedRequest = FILE_GET): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const what = shape.refusedAs ?? 'an address files are not fetched from';
  return new Promise((resolve, reject) => {
    // A literal IP is not looked up: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (/^[\d.]+$|:/.test(host) && !policy.addressAllowed(host)) {
      reject(new Refused(`${host} is ${what}`));
      return;
    }
    const req = request(url.href, { method: shape.method, lookup: guardedLookup(policy, what), signal, headers: shape.headers }, resolve);
    req.on('error', reject);
    req.end(shape.body);
  });
}

/** What a download took that must be given back whether it succeeds or not. */
interface Holdings {
  response?: IncomingMessage;
  out?: WriteStream;
}

/**
 * Downloads `url` into `path` (written whole or not at all). Folders are created for the server's user alone (0700),
 * and the file too (0600), whatever the umask: they hold customers' data. A failed download leaves nothing behind:
 * no partial file, and no descriptor still open on one (a deleted file's disk is freed only when that closes).
 */
export async function download(rawUrl: string, path: string, policy: DownloadPolicy): Promise<DownloadResult> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  const temp = `${path}.part`;
  const held: Holdings = {};
  let body: { declared: number | null; bytes: number } | null = null;
  try {
    let url = new URL(rawUrl);
    // Before the request: once the answer's headers are in, its body is read at once (a connection cut while we
    // waited for the disk would discard what had arrived, and the reason would say nothing came).
    await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR });
    let response: IncomingMessage;
    for (let redirects = 0; ; redirects += 1) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `${url.protocol} links are not fetched (only http and https)` };
      response = await guardedRequest(url, policy, signal);
      held.response = response;
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
    const length = response.headers['content-length'];
    const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
    if (declared !== null && declared > policy.maxBytes) {
      response.destroy();
      return { ok: false, reason: `larger than the limit of ${policy.maxBytes} bytes (${declared} declared)` };
    }
    const hash = createHash('sha256');
    const received = { declared, bytes: 0 };
    body = received;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received.bytes += chunk.length;
        if (received.bytes > policy.maxBytes) return done(new Refused(`larger than the limit of ${policy.maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    held.out = createWriteStream(temp, { mode: PRIVATE_FILE });
    // pipeline destroys every stream on any failure (the limit, the time limit, a cut connection, a full disk), and
    // sees a response that closes before its end, which plain 'data'/'end' listeners wait for forever.
    await pipeline(response, counted, held.out, { signal });
    await rename(temp, path);
    const type = response.headers['content-type'];
    return { ok: true, bytes: received.bytes, contentType: type ? type.split(';')[0]!.trim().slice(0, 100) : null, sha256: hash.digest('hex') };
  } catch (error) {
    await giveBack(held);
    await rm(temp, { force: true });
    return { ok: false, reason: reasonOf(error, signal, policy, body) };
  } finally {
    held.response?.destroy();
  }
}

/** Closes what a failed download holds, and waits for the file's descriptor to be closed. */
async function giveBack({ response, out }: Holdings): Promise<void> {
  response?.destroy();
  if (!out || out.closed) return;
  const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
  out.destroy();
  await closed;
}

/** Why a download failed, in the words the README documents for `media_error`. */
function reasonOf(error: unknown, signal: AbortSignal, policy: DownloadPolicy, body: { declared: number | null; bytes: number } | null): string {
  if (error instanceof Refused) return error.message;
  // Checked before the error's own name: a time limit that ends a body mid-way surfaces as the socket's "aborted".
  if (signal.aborted) return `no complete answer within ${policy.timeoutMs} ms`;
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ERR_INVALID_URL') return 'not a valid URL';
  if (body && (e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.code === 'ECONNRESET')) {
    return `cut off after ${body.bytes}${body.declared !== null ? ` of ${body.declared}` : ''} bytes`;
  }
  // Our own lookup's refusal arrives wrapped in the socket's error.
  return e.message?.slice(0, 200) ?? String(error);
}
