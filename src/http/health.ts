import { Hono } from 'hono';
import type { ConversationStore } from '../store/conversation-store.js';
import { jsonError } from './errors.js';

export function healthRoutes(deps: { store: ConversationStore }) {
  return new Hono().get('/healthz', async (c) =>
    (await deps.store.healthy()) ? c.json({ status: 'ok' }) : jsonError(c, 503, 'unavailable', 'the database does not answer'),
  );
}
