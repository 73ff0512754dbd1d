// The settings, parsed once from the environment and .env. Nothing else in the program reads process.env or .env:
// the server takes all of it, each command-line tool only the part it needs (so a typo in the LLM settings does not
// stop an operator from reading transcripts).
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { EnvFileError, parseEnvFile, shownName } from './env-file.js';
import { knownTimeZone } from './hours/zoned-time.js';
import { holdSecrets, secretsInSettings } from './secrets.js';

/** How long Whatspie waits for the webhook's answer; a deadline past it can never be met. */
const WHATSPIE_WAIT_MS = 5000;

const emptyAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUnset, z.string().trim().optional());
const text = (fallback: string) => z.preprocess(emptyAsUnset, z.string().trim().default(fallback));

// Written out rather than z.coerce.number(), which reads "0x10" as 16, "1e3" as 1000 and " " as 0.
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, 'must be a whole number written in digits')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max))
      .default(fallback),
  );

const hours = (fallback: number) =>
  z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, 'must be a number of hours written in digits, such as 24 or 0.5')
      .transform(Number)
      .pipe(z.number().positive().max(24 * 365))
      .default(fallback),
  );

const flag = (fallback: boolean) =>
  z.preprocess(
    emptyAsUnset,
    z
      .stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'], case: 'insensitive' })
      .default(fallback),
  );

// One word: a URL parser takes "https://host/v1   (a note)" and sends every request to /v1%20%20%20(a%20note).
const oneUrl = z
  .string()
  .trim()
  .regex(/^\S+$/, 'must be one URL without spaces (a comment after it starts with " #")')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL such as https://api.example.com/v1' }));
const httpUrl = z.preprocess(emptyAsUnset, oneUrl.optional());

// A key or token is one word: a space means a note or a "Bearer " came along with it.
const credential = z.preprocess(
  emptyAsUnset,
  z.string().trim().regex(/^\S+$/, 'must be the key alone, one word without spaces (no "Bearer "; a comment after it starts with " #")').optional(),
);

// An HTTP header name (RFC 9110's token) and a value that cannot end the header line early.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

/**
 * A JSON object of extra request headers for the LLM (a gateway's or proxy's). Its values may be keys: the errors
 * name the setting and the header, never a value.
 */
const headersJson = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .transform((value, ctx) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of header names and values, such as {"X-Title":"Toko Makmur"}: it is not JSON' });
        return z.NEVER;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of header names and values, such as {"X-Title":"Toko Makmur"}' });
        return z.NEVER;
      }
      for (const [name, headerValue] of Object.entries(parsed)) {
        const problem = !HEADER_NAME.test(name)
          ? `${JSON.stringify(name.slice(0, 40))} is not a valid header name`
          : typeof headerValue !== 'string'
            ? `the value of ${name} must be a string`
            : !HEADER_VALUE.test(headerValue)
              ? `the value of ${name} holds a line break`
              : null;
        if (problem) {
          ctx.addIssue({ code: 'custom', message: `must be a JSON object of header names and string values: ${problem}` });
          return z.NEVER;
        }
      }
      return parsed as Record<string, string>;
    })
    .optional(),
);

// UTC when unset, never the machine's own zone: the bot then says the same time wherever it is deployed.
const timeZone = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .trim()
    .default('UTC')
    .transform((name, ctx) => {
      const known = knownTimeZone(name);
      if (known) return known;
      ctx.addIssue({ code: 'custom', message: `"${name}" is not a time zone this system knows: write an IANA name such as Asia/Jakarta, Asia/Makassar, Asia/Jayapura or Europe/Berlin` });
      return z.NEVER;
    }),
);

const configSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: text('0.0.0.0'),
  DATABASE_PATH: text('data/bot.db'),
  // Not z.url(): a PostgreSQL URL may carry characters (a password with @ or #, a socket path) that WHATWG URLs refuse.
  DATABASE_URL: z.preprocess(
    emptyAsUnset,
    z.string().trim().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a PostgreSQL URL such as postgres://bot:secret@db.internal:5432/bot').optional(),
  ),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  DATABASE_CONNECT_TIMEOUT_MS: int(3000, 100, 120_000),
  PROMPTS_DIR: text('prompts'),
  OPENAI_API_KEY: credential,
  OPENAI_BASE_URL: httpUrl,
  OPENAI_MODEL: text('gpt-4.1-mini'),
  OPENAI_DEFAULT_HEADERS: headersJson,
  // Azure OpenAI, under the names the openai SDK reads; set, they take the place of OPENAI_BASE_URL and OPENAI_API_KEY.
  AZURE_OPENAI_ENDPOINT: httpUrl,
  AZURE_OPENAI_API_KEY: optionalString,
  OPENAI_API_VERSION: z.preprocess(
    emptyAsUnset,
    z.string().trim().regex(/^(\d{4}-\d{2}-\d{2}(-preview)?|preview|latest)$/, 'must be an Azure OpenAI API version such as 2024-10-21').optional(),
  ),
  AZURE_OPENAI_DEPLOYMENT: z.preprocess(
    emptyAsUnset,
    z.string().trim().regex(/^[A-Za-z0-9._-]+$/, "must be the name of a deployment in your Azure OpenAI resource, such as gpt-4o-mini").optional(),
  ),
  WEBHOOK_SECRET: z.preprocess(
    emptyAsUnset,
    z.string().min(16, 'must be at least 16 characters, so that it cannot be guessed').optional(),
  ),
  PUBLIC_URL: httpUrl,
  REPLY_DEADLINE_MS: int(4500, 100, 60_000).refine((ms) => ms <= WHATSPIE_WAIT_MS, {
    message: `must be at most ${WHATSPIE_WAIT_MS}: Whatspie stops waiting after ${WHATSPIE_WAIT_MS} ms`,
  }),
  HISTORY_LIMIT: int(20, 0, 500),
  TIME_ZONE: timeZone,
  HANDOFF_HOURS: hours(24),
  SESSION_IDLE_HOURS: hours(24),
  RATE_LIMIT_PER_MINUTE: int(20, 0, 10_000),
  MAX_INPUT_CHARS: int(2000, 50, 100_000),
  HISTORY_MAX_CHARS: int(16_000, 500, 1_000_000),
  ANSWER_GROUPS: flag(false),
  ANSWER_BROADCASTS: flag(false),
  METRICS_ENABLED: flag(false),
  SHOW_WEBHOOK_URL: flag(false),
  DEFAULT_COUNTRY_CODE: z.preprocess(
    emptyAsUnset,
    z.string().trim().regex(/^\+?\d{1,4}$/, 'must be a country calling code such as 62').transform((code) => code.replace('+', '')).optional(),
  ),
  WHATSPIE_API_TOKEN: credential,
  WHATSPIE_DEVICE: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .transform((value) => value.replace(/[\s+()-]/g, ''))
      .pipe(z.string().regex(/^[1-9]\d{5,15}$/, "must be the connected device's phone number with its country code, such as 6281234567890"))
      .optional(),
  ),
  WHATSPIE_API_URL: z.preprocess(emptyAsUnset, oneUrl.default('https://api.whatspie.com')),
  LATE_ANSWER_SECONDS: int(60, 0, 3600),
  TRANSCRIPTION_MODEL: optionalString,
  TRANSCRIPTION_BASE_URL: httpUrl,
  TRANSCRIPTION_API_KEY: credential,
  VISION: flag(false),
  KEEP_MEDIA: flag(true),
  MEDIA_DIR: text('data/media'),
  MEDIA_MAX_MB: int(16, 1, 100),
  MEDIA_ALLOW_PRIVATE_HOSTS: flag(false),
  // npm run eval: the model that grades `judge:` expectations (default: the chat model, OPENAI_MODEL).
  EVAL_JUDGE_MODEL: optionalString,
  // Unset: everything is kept, as before. Days, whole: messages, events and kept files older than that are deleted.
  RETENTION_DAYS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .trim()
      .regex(/^\d+$/, 'must be a whole number of days written in digits, such as 365 (unset keeps everything)')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1 day (unset keeps everything)').max(36_500))
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    emptyAsUnset,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

export type Config = z.infer<typeof configSchema> & {
  /**
   * The TOOL_ variables of the environment and .env (TOOL_SHOP_KEY=…), which prompts/tools/ files may name as
   * ${TOOL_SHOP_KEY}. Only names that begin with TOOL_: the bot's own keys can never be sent to an operator's tool.
   * Secrets, held like every other.
   */
  toolVariables?: Readonly<Record<string, string>>;
};

/** The names a tool file may read from the environment. */
const TOOL_VARIABLE = /^TOOL_[A-Z0-9_]+$/;
export type SettingName = keyof z.infer<typeof configSchema>;
export const SETTING_NAMES = Object.keys(configSchema.shape) as SettingName[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions<K extends SettingName> {
  /** The real environment; it wins over the file. */
  env?: Record<string, string | undefined>;
  /** The .env file to read when it exists; null reads none. */
  envFile?: string | null;
  /** Only these settings (the command-line tools); every setting by default. */
  only?: readonly K[];
}

export interface Loaded<C> {
  config: C;
  /** Suspicious but workable settings, for the caller to log. */
  warnings: string[];
}

/**
 * Reads the environment and .env, and validates them. Anything that cannot work throws a ConfigError naming each
 * setting and where its value came from ("from .env line 4", "from the environment").
 */
export function loadConfig<K extends SettingName = SettingName>(options: LoadOptions<K> = {}): Loaded<Pick<Config, K | 'toolVariables'>> {
  const env = options.env ?? process.env;
  const envFile = options.envFile === undefined ? '.env' : options.envFile;
  const names: readonly SettingName[] = options.only ?? SETTING_NAMES;

  const warnings: string[] = [];
  const values: Record<string, string | undefined> = {};
  const sources = new Map<string, string>();
  const toolVariables: Record<string, string> = {};
  if (envFile !== null && existsSync(envFile)) {
    let parsed: ReturnType<typeof parseEnvFile>;
    try {
      parsed = parseEnvFile(readFileSync(envFile, 'utf8'), envFile, new Set(SETTING_NAMES));
    } catch (error) {
      if (error instanceof EnvFileError) throw new ConfigError(error.message);
      throw new ConfigError(`cannot read ${envFile}: ${(error as Error).message}`);
    }
    warnings.push(...parsed.warnings);
    for (const [key, entry] of parsed.entries) {
      if (TOOL_VARIABLE.test(key)) {
        toolVariables[key] = entry.value;
        continue;
      }
      if (!(SETTING_NAMES as string[]).includes(key)) {
        const name = shownName(key, new Set());
        warnings.push(
          name
            ? `${name} (${envFile} line ${entry.line}) is not a setting of this program: a typo? .env.example lists them all`
            : `${envFile} line ${entry.line} sets a name that is not a setting of this program (not shown: it is not written like one, and may be a secret pasted alone)`,
        );
        continue;
      }
      values[key] = entry.value;
      sources.set(key, `from ${envFile} line ${entry.line}`);
    }
  }
  for (const name of SETTING_NAMES) {
    const fromEnv = env[name];
    if (fromEnv === undefined) continue;
    if (sources.has(name) && values[name] !== fromEnv && names.includes(name)) {
      warnings.push(`${name} is set in the environment and in ${envFile}: the environment's value wins`);
    }
    values[name] = fromEnv;
    sources.set(name, 'from the environment');
  }
  for (const [name, value] of Object.entries(env)) if (TOOL_VARIABLE.test(name) && value !== undefined) toolVariables[name] = value;
  // Held before anything is checked: whatever is logged or stored from now on is scrubbed of them.
  holdSecrets(secretsInSettings(values));
  holdSecrets(Object.values(toolVariables));

  const schema = configSchema.pick(Object.fromEntries(names.map((name) => [name, true])) as Record<SettingName, true>);
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      return `  ${name} (${sources.get(name) ?? 'default'}): ${issue.message}`;
    });
    throw new ConfigError(`invalid settings:\n${problems.join('\n')}`);
  }
  // The server's load (every setting) carries the tools' variables; a command-line tool gets only what it asked for.
  const config = (options.only ? parsed.data : { ...parsed.data, toolVariables }) as Pick<Config, K | 'toolVariables'>;
  holdSecrets(secretsInSettings(config));
  const api = config as Partial<Config>;
  if (api.WHATSPIE_API_TOKEN !== undefined && names.includes('WHATSPIE_DEVICE') && api.WHATSPIE_DEVICE === undefined) {
    throw new ConfigError(
      `invalid settings:\n  WHATSPIE_DEVICE (${sources.get('WHATSPIE_DEVICE') ?? 'not set'}): required with WHATSPIE_API_TOKEN (${sources.get('WHATSPIE_API_TOKEN')}): the phone number of the device in Whatspie's dashboard`,
    );
  }
  if (api.WHATSPIE_DEVICE !== undefined && names.includes('WHATSPIE_API_TOKEN') && api.WHATSPIE_API_TOKEN === undefined) {
    warnings.push('WHATSPIE_DEVICE is set but WHATSPIE_API_TOKEN is not: late answers and operator replies stay off until both are set');
  }
  azureProblems(api, names, sources, warnings);
  const deadline = (config as Partial<Config>).REPLY_DEADLINE_MS;
  if (deadline !== undefined && deadline > WHATSPIE_WAIT_MS - 300) {
    warnings.push(
      `REPLY_DEADLINE_MS=${deadline} (${sources.get('REPLY_DEADLINE_MS')}) leaves less than 300 ms for the network before Whatspie stops waiting at ${WHATSPIE_WAIT_MS} ms; 4500 is safer`,
    );
  }
  return { config, warnings };
}

const AZURE_SETTINGS = ['AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'OPENAI_API_VERSION', 'AZURE_OPENAI_DEPLOYMENT'] as const;

/** Azure OpenAI needs all four of its settings; one of them alone is a mistake worth stopping for. */
function azureProblems(config: Partial<Config>, names: readonly SettingName[], sources: Map<string, string>, warnings: string[]): void {
  if (!AZURE_SETTINGS.every((name) => names.includes(name))) return;
  const set = AZURE_SETTINGS.filter((name) => config[name] !== undefined);
  if (set.length === 0) return;
  if (set.length === 1 && set[0] === 'OPENAI_API_VERSION') {
    warnings.push('OPENAI_API_VERSION is set but AZURE_OPENAI_ENDPOINT is not: it is used only with Azure OpenAI');
    return;
  }
  const missing = AZURE_SETTINGS.filter((name) => config[name] === undefined);
  if (missing.length > 0) {
    const given = set.map((name) => `${name} (${sources.get(name)})`).join(', ');
    throw new ConfigError(`invalid settings:\n${missing.map((name) => `  ${name} (not set): required for Azure OpenAI with ${given}`).join('\n')}`);
  }
  const replaced = (['OPENAI_BASE_URL', 'OPENAI_API_KEY'] as const).filter((name) => names.includes(name) && config[name] !== undefined);
  if (replaced.length > 0) warnings.push(`${replaced.join(' and ')} ${replaced.length > 1 ? 'are' : 'is'} not used for the chat: Azure OpenAI (AZURE_OPENAI_ENDPOINT) takes ${replaced.length > 1 ? 'their' : 'its'} place`);
}

export function llmConfigured(config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'AZURE_OPENAI_ENDPOINT'>): boolean {
  return config.OPENAI_API_KEY !== undefined || config.OPENAI_BASE_URL !== undefined || config.AZURE_OPENAI_ENDPOINT !== undefined;
}
