// POST /webhook?token=…: authenticate, validate, and answer with the agent's reply.
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import type { Answer, Responder } from '../agent/responder.js';
import { parseInbound } from '../whatspie/inbound.js';
import { jsonError, type ErrorCode } from './errors.js';
import type { Metrics } from './metrics.js';
import { nextTurn } from '../util/turns.js';
import { tokenMatches } from './webhook-auth.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** What the request log line says about a webhook call, set by the handler. */
export type WebhookVariables = {
  receivedAt: number;
  answer?: Answer & { from: string; messageId: string };
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
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => reject(c, 413, 'payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const text = await c.req.text();
      await nextTurn();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return reject(c, 400, 'invalid_json', 'the body is not valid JSON');
      }
      const parsed = parseInbound(body, text);
      if (!parsed.ok) return reject(c, 400, 'invalid_payload', `not a Whatspie message: ${parsed.problem}`);
      const answer = await deps.responder.respond(parsed.message, c.get('receivedAt'));
      c.set('answer', { ...answer, from: parsed.message.from, messageId: parsed.message.messageId });
      deps.metrics.answered(answer, (deps.now() - c.get('receivedAt')) / 1000);
      return c.json(answer.reply, 200);
    },
  );
}
