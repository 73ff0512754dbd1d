// Builds the HTTP app from its dependencies; tests call createApp() and app.request() without a port.
import { Hono } from 'hono';
import { createResponder } from './agent/responder.js';
import type { KnowledgeBase } from './knowledge/knowledge-base.js';
import type { Llm } from './llm/client.js';
import type { Logger } from './logger.js';
import type { Prompts } from './prompts/prompts.js';
import type { Db } from './store/db.js';
import { jsonError } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { webhookRoutes } from './http/webhook.js';

export interface AppDeps {
  db: Db;
  llm: Llm | null;
  prompts: Prompts;
  logger: Logger;
  secret: string;
  deadlineMs: number;
  historyLimit: number;
  knowledge: KnowledgeBase;
  handoffHours: number;
  sessionIdleHours: number;
  now?: () => number;
}

export function createApp(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  const responder = createResponder({ ...deps, now });
  const app = new Hono()
    .route('/', webhookRoutes({ responder, secret: deps.secret, now }))
    .route('/', healthRoutes({ db: deps.db }));
  app.notFound((c) => jsonError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    deps.logger.error({ err: error.message, path: c.req.path }, 'unhandled error');
    return jsonError(c, 500, 'internal_error', 'internal error');
  });
  return app;
}
