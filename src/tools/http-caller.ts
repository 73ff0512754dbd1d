// Calls an operator's tool over HTTP: the URL and headers filled (parameters URL-encoded in the URL), http and https
// only, every address checked after DNS resolution and after each redirect as media downloads do (unless the tool
// allows the private network), the answer read up to a limit, all within the call's time.
import type { IncomingMessage } from 'node:http';
import { isMetadataAddress } from '../media/addresses.js';
import { guardedRequest, publicAddressesOnly, Refused } from '../media/download.js';
import { redactSecrets } from '../secrets.js';
import { fill, fillBody, type Filling } from './placeholders.js';
import { outcomeOf, type ToolAnswer, type ToolCaller, type ToolCallRequest } from './tool-call.js';

const MAX_REDIRECTS = 3;
/** More than any model should read: the answer is cut to max_result_chars anyway. */
const MAX_BODY_BYTES = 256 * 1024;

class BadRequest extends Error {}

async function readBody(response: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    const room = limit - bytes;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    bytes += Math.min(chunk.length, room);
    if (bytes >= limit) {
      response.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headersOf(request: ToolCallRequest, filling: Filling): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'whatspie-support-agent', accept: 'application/json' };
  for (const [name, template] of Object.entries(request.tool.headers)) {
    const value = fill(template, filling);
    // A value from the model or the customer's name must not end the header line and start another.
    if (/[\r\n\0]/.test(value)) throw new BadRequest(`a value for the ${name} header holds a line break`);
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

export function createHttpCaller(options: { now?: () => number } = {}): ToolCaller {
  const now = options.now ?? (() => performance.now());
  return {
    async call(request) {
      const { tool } = request;
      const started = now();
      const filling: Filling = { parameters: request.args, customer: request.customer, variables: tool.variables };
      const timeout = AbortSignal.timeout(Math.max(1, request.timeoutMs));
      const signal = AbortSignal.any([request.signal, timeout]);
      const answer = (status: number | null, body: string, outcome: ToolAnswer['outcome']): ToolAnswer => ({ status, body, outcome, ms: now() - started });
      let response: IncomingMessage | undefined;
      try {
        let url = new URL(fill(tool.url, filling, encodeURIComponent));
        let method = tool.method;
        const headers = headersOf(request, filling);
        let body = tool.method === 'POST' && tool.body !== undefined ? JSON.stringify(fillBody(tool.body, filling)) : undefined;
        if (body !== undefined) headers['content-type'] = 'application/json';
        // allow_private_network opens the local network (a shop system beside the bot), never the cloud's metadata service.
        const policy = { addressAllowed: tool.allowPrivateNetwork ? (address: string) => !isMetadataAddress(address) : publicAddressesOnly };
        for (let redirects = 0; ; redirects += 1) {
          if (url.protocol !== 'http:' && url.protocol !== 'https:') return answer(null, `a redirect to ${url.protocol} (only http and https are called)`, 'refused');
          response = await guardedRequest(url, policy, signal, { method, headers, ...(body !== undefined && { body }), refusedAs: 'an address tools do not call' });
          const status = response.statusCode ?? 0;
          const location = response.headers.location;
          if (status < 300 || status >= 400 || !location) break;
          response.resume();
          if (redirects >= MAX_REDIRECTS) return answer(status, `more than ${MAX_REDIRECTS} redirects`, 'unreachable');
          url = new URL(location, url);
          // As browsers do: 303 (and 301/302 after a POST) continue as a GET without the body.
          if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
            delete headers['content-type'];
          }
        }
        const status = response.statusCode ?? 0;
        const text = await readBody(response, MAX_BODY_BYTES);
        return answer(status, text, outcomeOf(status, text));
      } catch (error) {
        if (error instanceof Refused) return answer(null, error.message, 'refused');
        if (error instanceof BadRequest) return answer(null, error.message, 'invalid_arguments');
        if (timeout.aborted || request.signal.aborted) return answer(null, `no answer within ${request.timeoutMs} ms`, 'timeout');
        const e = error as NodeJS.ErrnoException;
        // Refused by our own lookup arrives wrapped in the socket's error.
        if (e.cause instanceof Refused) return answer(null, e.cause.message, 'refused');
        const why = e.code === 'ERR_INVALID_URL' ? 'not a valid URL' : `${e.code ?? ''} ${e.message ?? String(error)}`.trim();
        return answer(null, redactSecrets(why.slice(0, 200), Object.values(tool.variables)), 'unreachable');
      } finally {
        response?.destroy();
      }
    },
  };
}
