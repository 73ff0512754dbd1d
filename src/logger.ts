// Structured JSON logs. Secrets never reach them: the redact list is the last line of defence.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['apiKey', 'secret', 'token', '*.apiKey', '*.secret', '*.token'], censor: '[redacted]' },
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
