// GET /metrics in Prometheus' text format; off unless METRICS_ENABLED, and behind the webhook secret.
import { Hono } from 'hono';
import { jsonError } from './errors.js';
import type { Metrics } from './metrics.js';
import { tokenMatches } from './webhook-auth.js';

export function metricsRoutes(deps: { metrics: Metrics; secret: string; enabled: boolean }) {
  return new Hono().get('/metrics', async (c) => {
    if (!deps.enabled) return jsonError(c, 404, 'not_found', 'metrics are off (set METRICS_ENABLED=true)');
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    if (!tokenMatches(bearer ?? c.req.query('token'), deps.secret)) {
      return jsonError(c, 401, 'unauthorized', 'send the webhook secret as "Authorization: Bearer …" or ?token=');
    }
    return c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });
}
