// Where the LLM is and how to reach it: one openai SDK client, for an OpenAI-compatible server or for Azure OpenAI.
import OpenAI, { AzureOpenAI } from 'openai';
import { printableUrl } from '../secrets.js';

const OPENAI_URL = 'https://api.openai.com/v1';

export type LlmConnection =
  | {
      kind: 'openai';
      /** Unset for a local server (llama.cpp, Ollama, vLLM) that needs no key: no Authorization header is sent. */
      apiKey?: string;
      baseURL?: string;
      /** Extra headers a gateway or proxy wants on every request (OPENAI_DEFAULT_HEADERS). */
      defaultHeaders?: Record<string, string>;
    }
  | {
      kind: 'azure';
      endpoint: string;
      apiKey: string;
      apiVersion: string;
      defaultHeaders?: Record<string, string>;
    };

/**
 * The SDK client. Every option the SDK would otherwise read from the environment is given here (only config.ts
 * reads it); its own logging is off, since at debug level it prints request headers, gateway keys included.
 * No retries and no default timeout: each call says how long it may take, and a retry would push a reply past
 * Whatspie's window.
 */
export function createOpenAIClient(connection: LlmConnection): OpenAI {
  const common = { maxRetries: 0, logLevel: 'off' as const, organization: null, project: null, adminAPIKey: null, webhookSecret: null };
  if (connection.kind === 'azure') {
    return new AzureOpenAI({
      ...common,
      // The endpoint's URL as the SDK builds it from `endpoint`, given as `baseURL` so that it reads no OPENAI_BASE_URL.
      baseURL: `${connection.endpoint.replace(/\/+$/, '')}/openai`,
      apiKey: connection.apiKey,
      apiVersion: connection.apiVersion,
      ...(connection.defaultHeaders && { defaultHeaders: connection.defaultHeaders }),
    });
  }
  return new OpenAI({
    ...common,
    baseURL: connection.baseURL ?? OPENAI_URL,
    // The SDK insists on a key; a null Authorization header tells it to send none.
    apiKey: connection.apiKey ?? 'no-key',
    defaultHeaders: { ...connection.defaultHeaders, ...(connection.apiKey === undefined && { Authorization: null }) },
  });
}

/** The texts that must never appear in a log or an error: the key and every gateway header's value. */
export function secretsOf(connection: LlmConnection): string[] {
  return [connection.apiKey, ...Object.values(connection.defaultHeaders ?? {})].filter((value): value is string => value !== undefined && value.length >= 4);
}

/** The server the chat goes to, as the startup log names it: a wrong OPENAI_BASE_URL shows there, not only as fallbacks. */
export function addressOf(connection: LlmConnection): string {
  return printableUrl(connection.kind === 'azure' ? connection.endpoint : (connection.baseURL ?? OPENAI_URL));
}
