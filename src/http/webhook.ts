// POST /webhook?token=…: authenticate, validate (Whatspie's v1 payloads and v2 envelopes on the same URL), and answer
// with the agent's reply, or [] for an event that is not a message.
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import type { Answer, Responder } from '../agent/responder.js';
import { parseWebhook } from '../whatspie/inbound.js';
import { jsonError, type ErrorCode } from './errors.js';
import type { Metrics } from './metrics.js';
import { nextTurn } from '../util/turns.js';
import { tokenMatches } from './webhook-auth.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** What the request log line says about a webhook call, set by the handler. */
export type WebhookVariables = {
  receivedAt: number;
  answer?: Answer & { from: string; messageId: string; format: 'v1' | 'v2' };
  /** The type of a v2 event that was not a message. */
  whatspieEvent?: string;
  /** Why a request was refused, so the log says why Whatspie's requests fail (never the token itself). */
  rejected?: { code: ErrorCode; message: string };
};

type WebhookContext = Context<{ Variables: WebhookVariables }>;

export function webhookRoutes(deps: { responder: Responder; secret: string; now: () => number; metrics: Metrics }) {
  const reject = (c: WebhookContext, status: ContentfulStatusCode, code: ErrorCode, message: string) => {
    deps.metrics.rejected(code);
    c.set('rejected', { code, message });
    return jsonError(c, status, code, message);
  };
  const tooLarge = (c: WebhookContext) => reject(c, 413, 'payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const limitBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  return new Hono<{ Variables: WebhookVariables }>().post(
    '/webhook',
    async (c, next) => {
      // The deadline counts from here, before anything else is read.
      c.set('receivedAt', deps.now());
      if (!tokenMatches(c.req.query('token'), deps.secret)) {
        const given = c.req.query('token') === undefined ? 'missing' : 'wrong';
        return reject(c, 401, 'unauthorized', `${given} ?token= (see WEBHOOK_SECRET)`);
      }
      await next();
    },
    async (c, next) => {
      // A body that states its length is judged by it (Node's parser never reads past it), without bodyLimit's
      // stream wrapper, whose web Request and stream cost more than the rest of reading the body (profiled);
      // a chunked body is counted as it arrives.
      const length = c.req.header('content-length');
      if (length === undefined || c.req.header('transfer-encoding') !== undefined) return limitBody(c, next);
      if (Number(length) > MAX_BODY_BYTES) return tooLarge(c);
      await next();
    },
    async (c) => {
      const text = await c.req.text();
      await nextTurn();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return reject(c, 400, 'invalid_json', 'the body is not valid JSON');
      }
      const parsed = parseWebhook(body, text);
      if (!parsed.ok) return reject(c, 400, 'invalid_payload', `not a Whatspie message: ${parsed.problem}`);
      if (parsed.event.kind === 'status') {
        // v2 events other than a message: kept, counted, and answered with silence (nothing to send).
        await deps.responder.note(parsed.event.event);
        deps.metrics.whatspieEvent(parsed.event.event.type);
        c.set('whatspieEvent', parsed.event.event.type);
        return c.json([], 200);
      }
      const message = parsed.event.message;
      const answer = await deps.responder.respond(message, c.get('receivedAt'));
      c.set('answer', { ...answer, from: message.from, messageId: message.messageId, format: parsed.event.format });
      deps.metrics.answered(answer, (deps.now() - c.get('receivedAt')) / 1000);
      if (answer.replyJson !== undefined) return c.body(answer.replyJson, 200, { 'content-type': 'application/json' });
      return c.json(answer.reply, 200);
    },
  );
}
