// One JSON POST over node:http(s) on a keep-alive connection: the LLM call's transport. fetch did the same work
// through WHATWG Request and Response objects, web streams and abort signals, a sixth of the server's CPU per
// message under load (profiled, issue 13); the call needs none of that.
import http from 'node:http';
import https from 'node:https';

export interface PostedResponse {
  status: number;
  statusText: string;
  body: string;
}

/** Why a POST failed: before an answer started (the connection), or while its body arrived (cut off). */
export class PostError extends Error {
  override name = 'PostError';
  constructor(
    readonly phase: 'connect' | 'body',
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

// Idle connections are closed after 5 s, as Node's own global agent does: a server that closes an idle connection
// first would otherwise make the next request on it fail.
const agents = { http: new http.Agent({ keepAlive: true, timeout: 5000 }), https: new https.Agent({ keepAlive: true, timeout: 5000 }) };

/**
 * POSTs `body` and reads the whole answer. No Accept-Encoding is sent, so the answer comes uncompressed (a completion
 * is a few kB); redirects are not followed (an API answers a POST where it is asked, and a 3xx is reported as such).
 */
export function postJson(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostedResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: secure ? agents.https : agents.http,
      signal,
    });
    const fail = (phase: PostError['phase']) => (error: NodeJS.ErrnoException) => reject(new PostError(phase, error.message, error.code));
    request.on('error', fail('connect'));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail('body'));
      response.on('end', () => {
        // A connection cut before the promised Content-Length ends the stream too: complete, or it failed.
        if (!response.complete) return reject(new PostError('body', 'the answer was cut off', undefined));
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('close', () => {
        if (!response.complete) reject(new PostError('body', 'the answer was cut off', undefined));
      });
    });
    request.end(body);
  });
}
