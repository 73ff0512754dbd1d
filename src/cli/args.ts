// Small helpers shared by the command-line tools.
import { existsSync } from 'node:fs';

export class UsageError extends Error {
  override name = 'UsageError';
  /** @param pointToHelp false when the message itself says how to write it: then it is the one line printed. */
  constructor(message: string, readonly pointToHelp = true) {
    super(message);
  }
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

/** --limit and the like: a positive whole number in digits, or the default when not given. */
export function positiveInt(option: string, value: string | boolean | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim()) || Number(value) <= 0) {
    throw new UsageError(`--${option} must be a positive whole number, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export function requireDatabase(path: string): void {
  if (!existsSync(path)) {
    throw new UsageError(`no database at ${path}: start the server once, or point DATABASE_PATH / --db at the right file`);
  }
}

/** `npm run transcripts -- list | head -2`: when the reader goes away, stop quietly instead of printing EPIPE. */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
