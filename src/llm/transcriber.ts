// Voice notes to text through the OpenAI-compatible /audio/transcriptions endpoint (OpenAI, Groq, a local
// whisper server). Kept apart from the chat client: many chat providers have no audio endpoint.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { LlmError, redactProviderText } from './client.js';
import { createOpenAIClient, secretsOf, type LlmConnection } from './connection.js';

export interface Transcriber {
  readonly model: string;
  /** The words of an audio file; throws an LlmError. */
  transcribe(input: { path: string; contentType: string | null; signal: AbortSignal; timeoutMs: number }): Promise<string>;
}

/**
 * WhatsApp voice notes are Ogg/Opus named .oga, an extension some APIs refuse: they are sent as voice-note.ogg,
 * audio/ogg. Other audio keeps its own extension.
 */
function uploadName(path: string, contentType: string | null): { name: string; type: string } {
  const ext = extname(path).toLowerCase();
  if (['.oga', '.ogg', '.opus', '.bin', ''].includes(ext) || contentType === 'audio/ogg') return { name: 'voice-note.ogg', type: 'audio/ogg' };
  return { name: `voice-note${ext}`, type: contentType ?? 'application/octet-stream' };
}

/** On Azure OpenAI, `model` is the name of the speech-to-text deployment (the SDK puts it in the path). */
export function createTranscriber(options: { connection: LlmConnection; model: string }): Transcriber {
  const client = createOpenAIClient(options.connection);
  const secrets = secretsOf(options.connection);
  return {
    model: options.model,
    async transcribe({ path, contentType, signal, timeoutMs }) {
      const { name, type } = uploadName(path, contentType);
      try {
        const file = await toFile(await readFile(path), name, { type });
        const result = await client.audio.transcriptions.create({ file, model: options.model }, { signal, timeout: Math.max(1, timeoutMs), maxRetries: 0 });
        const text = typeof result === 'string' ? result : (result as { text?: unknown }).text;
        if (typeof text !== 'string') throw new LlmError('bad_response', 'the transcription answer has no text');
        return text.trim();
      } catch (error) {
        if (error instanceof LlmError) throw error;
        if (error instanceof OpenAI.APIUserAbortError || error instanceof OpenAI.APIConnectionTimeoutError) throw new LlmError('timeout', 'no transcription in time');
        // Provider error texts sometimes echo the key: never into the logs.
        const message = redactProviderText((error as Error).message, secrets);
        if (error instanceof OpenAI.APIError && error.status !== undefined) throw new LlmError(error.status >= 500 ? 'server_error' : 'client_error', message);
        throw new LlmError('connection_error', message);
      }
    },
  };
}
