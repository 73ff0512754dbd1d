// Builds the HTTP app from its dependencies; tests call createApp() and app.request() without a port.
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { createResponder, type ResponderDeps } from './agent/responder.js';
import { consoleRoutes, type ConsoleDeps } from './console/routes.js';
import { jsonError } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { metricsRoutes } from './http/metrics-route.js';
import { createMetrics } from './http/metrics.js';
import { webhookRoutes, type WebhookVariables } from './http/webhook.js';

export interface AppDeps extends Omit<ResponderDeps, 'now'> {
  secret: string;
  metricsEnabled: boolean;
  now?: () => number;
  /** The operators' console (/console); absent: not served. */
  console?: Omit<ConsoleDeps, 'logger' | 'now'>;
}

export function createApp(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  const { logger } = deps;
  const metrics = createMetrics();
  const responder = createResponder({ ...deps, now, toolCalled: (record) => metrics.toolCall(record) });

  const app = new Hono<{ Variables: WebhookVariables & { requestId: string } }>();
  // A proxy's X-Request-Id is kept when it is a short token of letters, digits, "-", "_" or "="; anything else a
  // client sends is replaced by our own id, so it cannot forge or flood the log.
  app.use(requestId({ limitLength: 64 }));
  // One line per request. The path is logged without its query string, which carries the webhook secret.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const answer = c.get('answer');
    const rejected = c.get('rejected');
    const whatspieEvent = c.get('whatspieEvent');
    logger.info(
      {
        reqId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        ...(answer && {
          from: answer.from,
          messageId: answer.messageId,
          outcome: answer.outcome,
          fallbackReason: answer.fallbackReason,
          llmLatencyMs: answer.llmLatencyMs,
          ...(answer.format === 'v2' && { webhookFormat: 'v2' }),
        }),
        ...(whatspieEvent && { whatspieEvent }),
        ...(rejected && { error: rejected }),
      },
      'request',
    );
  });
  app
    .route('/', webhookRoutes({ responder, secret: deps.secret, now, metrics }))
    .route('/', healthRoutes({ store: deps.store }))
    .route('/', metricsRoutes({ metrics, secret: deps.secret, enabled: deps.metricsEnabled }));
  const operatorsConsole = deps.console ? consoleRoutes({ ...deps.console, logger, now }) : null;
  if (operatorsConsole) app.route('/', operatorsConsole);
  app.notFound((c) => jsonError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    logger.error({ err: error.message, path: c.req.path }, 'unhandled error');
    return jsonError(c, 500, 'internal_error', 'internal error');
  });
  // Late answers outlive the requests that started them: a shutdown waits for them, or hands them on; `npm run eval`
  // waits for them between turns.
  return Object.assign(app, {
    finishLateAnswers: responder.finishLateAnswers,
    lateAnswersIdle: responder.lateAnswersIdle,
    consoleLive: operatorsConsole?.live ?? null,
  });
}
