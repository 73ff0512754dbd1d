import { Hono } from 'hono';
import type { Db } from '../store/db.js';
import { databaseAnswers } from '../store/queries.js';
import { jsonError } from './errors.js';

export function healthRoutes(deps: { db: Db }) {
  return new Hono().get('/healthz', (c) =>
    databaseAnswers(deps.db) ? c.json({ status: 'ok' }) : jsonError(c, 503, 'unavailable', 'the database does not answer'),
  );
}
