// Small helpers shared by the command-line tools.
import { existsSync } from 'node:fs';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** "7d", "12h", "30m", or a date/time such as 2026-11-01 or 2026-11-01T09:00; returns Unix milliseconds. */
export function parseSince(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)\s*([mhdw])$/i.exec(value.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'];
    return now - Number(relative[1]) * unit;
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--since: "${value}" is neither a date (2026-11-01) nor a duration (7d, 12h, 30m)`);
  return time;
}

/** People type numbers as +62 856-123-456; Whatspie stores 62856123456. Group ids are kept as they are. */
export function normaliseNumber(value: string): string {
  return /^[+\d\s().-]+$/.test(value) ? value.replace(/\D/g, '') : value.trim();
}

export function requireDatabase(path: string): void {
  if (!existsSync(path)) {
    throw new UsageError(`no database at ${path}: start the server once, or point DATABASE_PATH / --db at the right file`);
  }
}

/** Loads .env like the server does, so the tools find the same database and token. */
export function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}
