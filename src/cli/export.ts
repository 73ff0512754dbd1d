// The rows of `transcripts export`: one flat record per message, as JSON Lines or CSV.
import type { TranscriptRow } from '../store/storage.js';
import { writer } from './format.js';
import { visible } from './terminal-text.js';

const FIELDS = [
  'time', 'number', 'name', 'direction', 'kind', 'text', 'media_url', 'media_caption', 'media_file_name', 'reply_json',
  'model', 'llm_latency_ms', 'fell_back', 'fallback_reason', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'whatsapp_message_id',
  'media_path', 'media_bytes', 'media_type', 'media_sha256', 'media_error', 'transcription', 'tool_calls', 'who',
] as const;

function exportRecord(row: TranscriptRow): Record<(typeof FIELDS)[number], string | number | boolean | null> {
  return {
    time: new Date(row.createdAt).toISOString(),
    number: row.phone,
    name: row.name,
    direction: row.direction,
    kind: row.kind,
    text: row.text,
    media_url: row.mediaUrl,
    media_caption: row.mediaCaption,
    media_file_name: row.mediaFileName,
    reply_json: row.replyJson,
    model: row.model,
    llm_latency_ms: row.llmLatencyMs,
    fell_back: row.fellBack === null ? null : row.fellBack === 1,
    fallback_reason: row.fallbackReason,
    prompt_tokens: row.promptTokens,
    cached_tokens: row.cachedTokens,
    completion_tokens: row.completionTokens,
    whatsapp_message_id: row.waMessageId,
    media_path: row.mediaPath,
    media_bytes: row.mediaBytes,
    media_type: row.mediaType,
    media_sha256: row.mediaSha256,
    media_error: row.mediaError,
    transcription: row.transcription,
    // As stored: JSON of each call of an operator's tool (tool, arguments, status, outcome, ms, the answer's start).
    tool_calls: row.toolCalls,
    who: writer(row),
  };
}

// A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) sends data away).
const FORMULA_START = /^[=+\-@\t\r]/;
// Numbers stay numbers: -12.5, +62 812-3456, (021) 555-0100.
const PLAIN_NUMBER = /^[+-]?[\d(][\d\s().,-]*$/;

/** A CSV cell that a spreadsheet shows as text: formulas are prefixed with a quote, control characters made visible. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  text = visible(text);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// JSON.stringify leaves DEL, C1 controls, line separators and bidi overrides raw; as \u escapes the JSON means the
// same and no terminal that shows it can be steered by it.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function toJsonLines(rows: TranscriptRow[]): string {
  const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return rows.map((row) => `${JSON.stringify(exportRecord(row)).replace(RAW_IN_JSON, escape)}\n`).join('');
}

export function toCsv(rows: TranscriptRow[]): string {
  const lines = [FIELDS.join(','), ...rows.map(exportRecord).map((r) => FIELDS.map((f) => csvCell(r[f])).join(','))];
  return `${lines.join('\n')}\n`;
}
