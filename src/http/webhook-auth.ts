// The webhook's shared secret, carried in ?token= because Whatspie's webhook settings take only a URL.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SettingsStore } from '../store/storage.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time comparison; hashing first makes the time independent of the lengths too. */
export function tokenMatches(given: string | undefined, secret: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(secret));
}

/** The configured secret, or one generated on first start and kept in the database across restarts. */
export async function resolveWebhookSecret(settings: SettingsStore, configured: string | undefined): Promise<{ secret: string; generated: boolean }> {
  if (configured) return { secret: configured, generated: false };
  // Hex, not base64url: a secret starting with "-" reads as an option to command-line tools (--token -abc).
  const candidate = randomBytes(24).toString('hex');
  const secret = await settings.init('webhook_secret', candidate);
  return { secret, generated: secret === candidate };
}
