// The one error shape every non-200 answer uses: {"error": {"code", "message"}}. Messages are safe to show.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ErrorCode = 'unauthorized' | 'invalid_json' | 'invalid_payload' | 'payload_too_large' | 'not_found' | 'internal_error' | 'unavailable' | 'forbidden';

export function jsonError(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string) {
  return c.json({ error: { code, message } }, status);
}
