// The environment, parsed once. Nothing else in the program reads process.env.
import { z } from 'zod';

const emptyAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUnset, z.string().trim().optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyAsUnset, z.coerce.number().int().min(min).max(max).default(fallback));

const flag = (fallback: boolean) =>
  z.preprocess(
    emptyAsUnset,
    z
      .stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'], case: 'insensitive' })
      .default(fallback),
  );

const configSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.preprocess(emptyAsUnset, z.string().default('0.0.0.0')),
  DATABASE_PATH: z.preprocess(emptyAsUnset, z.string().default('data/bot.db')),
  PROMPTS_DIR: z.preprocess(emptyAsUnset, z.string().default('prompts')),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
  OPENAI_MODEL: z.preprocess(emptyAsUnset, z.string().default('gpt-4.1-mini')),
  WEBHOOK_SECRET: z.preprocess(
    emptyAsUnset,
    z.string().min(16, 'must be at least 16 characters, so that it cannot be guessed').optional(),
  ),
  PUBLIC_URL: z.preprocess(emptyAsUnset, z.url({ protocol: /^https?$/ }).optional()),
  REPLY_DEADLINE_MS: int(4500, 100, 60_000),
  HISTORY_LIMIT: int(20, 0, 500),
  HANDOFF_HOURS: z.preprocess(emptyAsUnset, z.coerce.number().positive().max(24 * 365).default(24)),
  SESSION_IDLE_HOURS: z.preprocess(emptyAsUnset, z.coerce.number().positive().max(24 * 365).default(24)),
  RATE_LIMIT_PER_MINUTE: int(20, 0, 10_000),
  MAX_INPUT_CHARS: int(2000, 50, 100_000),
  HISTORY_MAX_CHARS: int(16_000, 500, 1_000_000),
  ANSWER_GROUPS: flag(false),
  ANSWER_BROADCASTS: flag(false),
  METRICS_ENABLED: flag(false),
  SHOW_WEBHOOK_URL: flag(false),
  LOG_LEVEL: z.preprocess(
    emptyAsUnset,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError that names every offending variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid settings in the environment (.env):\n${problems.join('\n')}`);
}

export function llmConfigured(config: Config): boolean {
  return config.OPENAI_API_KEY !== undefined || config.OPENAI_BASE_URL !== undefined;
}
