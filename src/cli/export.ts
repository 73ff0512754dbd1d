// The rows of `transcripts export`: one flat record per message, as JSON Lines or CSV.
import type { TranscriptRow } from '../store/transcripts.js';

const FIELDS = [
  'time', 'number', 'name', 'direction', 'kind', 'text', 'media_url', 'media_caption', 'media_file_name', 'reply_json',
  'model', 'llm_latency_ms', 'fell_back', 'fallback_reason', 'prompt_tokens', 'completion_tokens', 'whatsapp_message_id',
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
    completion_tokens: row.completionTokens,
    whatsapp_message_id: row.waMessageId,
  };
}

const csvCell = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function toJsonLines(rows: TranscriptRow[]): string {
  return rows.map((row) => `${JSON.stringify(exportRecord(row))}\n`).join('');
}

export function toCsv(rows: TranscriptRow[]): string {
  const lines = [FIELDS.join(','), ...rows.map(exportRecord).map((r) => FIELDS.map((f) => csvCell(r[f])).join(','))];
  return `${lines.join('\n')}\n`;
}
