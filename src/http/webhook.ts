// POST /webhook?token=…: authenticate, validate, and answer with the agent's reply.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Responder } from '../agent/responder.js';
import { parseInbound } from '../whatspie/inbound.js';
import { jsonError } from './errors.js';
import { tokenMatches } from './webhook-auth.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export function webhookRoutes(deps: { responder: Responder; secret: string; now: () => number }) {
  return new Hono<{ Variables: { receivedAt: number } }>().post(
    '/webhook',
    async (c, next) => {
      // The deadline counts from here, before anything else is read.
      c.set('receivedAt', deps.now());
      if (!tokenMatches(c.req.query('token'), deps.secret)) {
        return jsonError(c, 401, 'unauthorized', 'missing or wrong ?token= (see WEBHOOK_SECRET)');
      }
      await next();
    },
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, 'payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return jsonError(c, 400, 'invalid_json', 'the body is not valid JSON');
      }
      const parsed = parseInbound(body);
      if (!parsed.ok) return jsonError(c, 400, 'invalid_payload', `not a Whatspie message: ${parsed.problem}`);
      const reply = await deps.responder.respond(parsed.message, c.get('receivedAt'));
      return c.json(reply, 200);
    },
  );
}
