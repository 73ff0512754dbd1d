// Starts the real server (npm start's entry point, compiled by the tests' global setup) as a child process on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BUSY_MACHINE_CONNECT_MS } from './postgres.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(env: Record<string, string>, options: { uid?: number; gid?: number } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['dist/index.js'], {
    cwd: root,
    ...options,
    // No inherited OPENAI_* or .env surprises: the test names every setting it relies on.
    // KEEP_MEDIA off unless a test turns it on: the documented payloads link to hosts a test must never look up.
    // A connection to PostgreSQL gets more than the server's 3 s: beside other busy programs, a process per connection starts slowly.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', KEEP_MEDIA: 'false', DATABASE_CONNECT_TIMEOUT_MS: String(BUSY_MACHINE_CONNECT_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 45_000);
    const check = () => {
      const match = output.match(/"port":(\d+)[^\n]*"msg":"listening"/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}
