// One HTTP POST that knows how far it got. fetch() reports a timeout or a cut connection the same way whether the
// request had left or not; a send with no idempotency key has to know the difference, so this uses node:http and
// watches the request itself: a failure before the whole request was handed to a connected socket means the server
// cannot have acted on it, a failure after it means nobody knows.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export type PostResult =
  /** The server answered (any status). `body` is its JSON, or null when it was not JSON or was cut off. */
  | { answered: true; status: number; body: unknown }
  /**
   * No answer. `written`: the whole request had been handed to a connected socket, so the server may have acted on
   * it. `timedOut`: our time limit ended it (else the connection failed: `code` says how, e.g. ECONNREFUSED).
   */
  | { answered: false; written: boolean; timedOut: boolean; code: string | null };

/** Answers longer than this are not read further (Whatspie's are a few hundred bytes). */
const MAX_ANSWER_BYTES = 64 * 1024;

export function postJson(url: URL, headers: Record<string, string>, json: string, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    const secure = url.protocol === 'https:';
    const payload = Buffer.from(json);
    let connected = false;
    let finished = false;
    let timedOut = false;
    let settled = false;
    let gotResponse = false;
    const settle = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    // A fresh connection for every send: a kept-alive socket that the server closed in the meantime fails only after
    // the request was written into it, which would turn a send that never arrived into one whose fate is unknown.
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(payload.length) },
      agent: false,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy();
    }, timeoutMs);
    request.on('socket', (socket: Socket) => {
      // For TLS the request can only be read once the handshake is done.
      socket.once(secure ? 'secureConnect' : 'connect', () => (connected = true));
    });
    // 'finish': the last byte of the request was handed to the operating system for sending.
    request.on('finish', () => (finished = true));
    request.on('response', (response) => {
      gotResponse = true;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const answered = (complete: boolean) => {
        let body: unknown = null;
        if (complete) {
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // An answer that is not JSON still has a status.
          }
        }
        settle({ answered: true, status: response.statusCode ?? 0, body });
      };
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      response.on('end', () => answered(bytes <= MAX_ANSWER_BYTES));
      // The status arrived, so the server did answer; only the body is missing.
      response.on('error', () => answered(false));
      response.on('close', () => answered(response.complete && bytes <= MAX_ANSWER_BYTES));
    });
    // Once the status is in, the response's own events settle it, whatever happens to the connection after.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (gotResponse) return;
      settle({ answered: false, written: connected && finished, timedOut, code: timedOut ? null : (error.code ?? null) });
    });
    request.on('close', () => {
      if (!gotResponse) settle({ answered: false, written: connected && finished, timedOut, code: null });
    });
    request.end(payload);
  });
}
