// What a call of an operator's tool is and what it answered: the words the model reads, and the record kept with the
// reply. The caller is an interface so that `npm run eval` can answer from a test file instead of over HTTP.
import { redactSecrets } from '../secrets.js';
import type { ToolDefinition } from './tool-file.js';

/** How a call ended, as metrics count it. */
export type ToolOutcome = 'ok' | 'not_json' | 'client_error' | 'server_error' | 'timeout' | 'refused' | 'unreachable' | 'invalid_arguments';

/** One call, as the model's arguments asked it (checked), for the customer of this conversation. */
export interface ToolCallRequest {
  tool: ToolDefinition;
  /** The model's arguments, checked against the tool's parameters (customer.* never among them). */
  args: Record<string, string | number | boolean | undefined>;
  customer: { number: string; name: string | null };
  signal: AbortSignal;
  /** The time the call may take: the tool's timeout_ms, or less when the reply's deadline comes first. */
  timeoutMs: number;
}

/** What came back, before it is cut for the model. */
export interface ToolAnswer {
  /** The HTTP status; null when there was no answer (timeout, refused address, unreachable). */
  status: number | null;
  /** The answer's body as text (a redirect, a refusal or a timeout: why, in words). */
  body: string;
  outcome: ToolOutcome;
  ms: number;
}

export interface ToolCaller {
  call(request: ToolCallRequest): Promise<ToolAnswer>;
}

/** A call as it is kept with the reply it served (messages.tool_calls), shown by `transcripts show`, exported. */
export interface ToolCallRecord {
  tool: string;
  arguments: Record<string, unknown>;
  status: number | null;
  outcome: ToolOutcome;
  ms: number;
  /** The start of the answer, as the model read it. */
  answer: string;
}

/** How much of the answer the record keeps. */
const RECORD_CHARS = 300;

/** The outcome a status and a body make: a 2xx that is not JSON is told as such (an error page, a login form). */
export function outcomeOf(status: number, body: string): ToolOutcome {
  if (status >= 500) return 'server_error';
  if (status >= 300) return 'client_error';
  try {
    JSON.parse(body);
    return 'ok';
  } catch {
    return 'not_json';
  }
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)} […cut: ${text.length} characters in all]`);

/**
 * The tool's answer in words the model can use: the status and the body (cut to max_result_chars) when the system
 * answered, and what to do when it did not. Secrets the process holds are taken out (an error page may echo a header).
 */
export function resultForModel(tool: ToolDefinition, answer: ToolAnswer): string {
  const body = cut(redactSecrets(answer.body, Object.values(tool.variables)), tool.maxResultChars);
  switch (answer.outcome) {
    case 'ok':
      return `HTTP ${answer.status}\n${body}`;
    case 'not_json':
      return `HTTP ${answer.status}, but the answer is not JSON (it may be an error page, not what was asked): ${body}`;
    case 'client_error':
      return `HTTP ${answer.status}: the system did not find or did not accept what was asked. ${body}\nTell the customer in your own words; do not invent an answer.`;
    case 'server_error':
      return `The lookup failed: the system answered HTTP ${answer.status} (an error on its side). Tell the customer it cannot be looked up right now, and offer a person if it matters.`;
    case 'timeout':
      return `The lookup failed: the system did not answer in time. Tell the customer it cannot be looked up right now, and offer a person if it matters.`;
    case 'invalid_arguments':
      return `The call was not made: ${body}. Ask the customer for what is missing, or call the tool again with valid arguments.`;
    default:
      return `The lookup failed: the system could not be reached (${body}). Tell the customer it cannot be looked up right now, and offer a person if it matters.`;
  }
}

export function callRecord(tool: ToolDefinition, args: Record<string, unknown>, answer: ToolAnswer): ToolCallRecord {
  const shown = redactSecrets(answer.body, Object.values(tool.variables));
  return { tool: tool.name, arguments: args, status: answer.status, outcome: answer.outcome, ms: Math.round(answer.ms), answer: cut(shown, RECORD_CHARS) };
}

/**
 * A caller that answers from recorded answers by tool name, without HTTP (for `npm run eval`'s `tools:`); a tool
 * without one goes to `otherwise`, or without it is told to the model as unreachable.
 */
export function recordedAnswers(answers: Readonly<Record<string, { status: number; body: unknown }>>, otherwise?: ToolCaller): ToolCaller {
  return {
    async call(request) {
      const recorded = answers[request.tool.name];
      if (!recorded) {
        // A tool the case gives no answer for is asked as on the server (or, without a caller, is unreachable).
        if (otherwise) return otherwise.call(request);
        return { status: null, body: 'no recorded answer for this tool', outcome: 'unreachable', ms: 0 };
      }
      const body = typeof recorded.body === 'string' ? recorded.body : JSON.stringify(recorded.body);
      return { status: recorded.status, body, outcome: outcomeOf(recorded.status, body), ms: 0 };
    },
  };
}
