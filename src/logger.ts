// Structured JSON logs on stdout. Secrets never reach them: each text from outside is scrubbed where it comes in,
// and every line again on its way out (the last line of defence), of every secret the process holds (secrets.ts).
import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { redactSecrets } from './secrets.js';

export type Logger = PinoLogger;

let stdoutClosed = false;
let watching = false;

/**
 * Log lines go through process.stdout rather than pino's own file-descriptor writer: when the reader of a pipe goes
 * away (`npm start | cat` and Ctrl-C), that writer retries the broken pipe forever inside Atomics.wait, so the
 * process ignores every signal. Here a broken pipe just ends logging, and shutdown goes on.
 */
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.on('exit', flush);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
    else throw error;
  });
}

/**
 * Lines are gathered and written once per turn of the event loop: a write to a pipe is a system call, synchronous on
 * Linux, and one per log line was 4% of the server's CPU under load (profiled). Nothing waits for it, and what is
 * pending is written at exit, also after a fatal error.
 */
let pending = '';
let flushScheduled = false;

/** Straight to file descriptor 1 while that works: process.stdout's stream machinery cost as much as the write. */
let direct = true;

function flush(): void {
  flushScheduled = false;
  const text = pending;
  pending = '';
  if (text === '' || stdoutClosed) return;
  if (!direct) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(1, bytes, offset);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') {
      stdoutClosed = true;
      return;
    }
    // A pipe that is full and does not block: the stream queues the rest, and every later line after it, in order.
    direct = false;
    process.stdout.write(bytes.subarray(offset));
  }
}

const stdoutDestination: DestinationStream = {
  write(line: string) {
    if (stdoutClosed) return;
    pending += line;
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  },
};

export function createLogger(level: string, destination: DestinationStream = stdoutDestination): Logger {
  if (destination === stdoutDestination) watchStdout();
  return pino(
    {
      level,
      redact: { paths: ['apiKey', 'secret', 'token', '*.apiKey', '*.secret', '*.token'], censor: '[redacted]' },
      // The whole line, whatever field or message a secret hides in (an error text, a URL, a nested object).
      hooks: { streamWrite: (line) => redactSecrets(line) },
    },
    destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
