// The SQLite file as an operator meets it: readable by the server's user alone, and served by one server at a time
// (while the tools go on using it).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { copyPrompts, tempDir } from './helpers/app.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const running: ServerProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  running.push(server);
  return server;
}

/** A tool's entry point as `npm run …` runs it; resolves with its exit code and everything it printed. */
function tool(script: string, args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [script, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the SQLite database file', () => {
  it('under umask 022, the folder the server creates and the database with its -wal and -shm files are its user’s alone', async () => {
    const before = process.umask(0o022);
    try {
      const data = join(tempDir(), 'data', 'live');
      const server = await start({ DATABASE_PATH: join(data, 'bot.db'), PROMPTS_DIR: copyPrompts() });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(modeOf(join(data, '..'))).toBe('700');
      expect(modeOf(data)).toBe('700');
      for (const file of ['bot.db', 'bot.db-wal', 'bot.db-shm', 'bot.db.lock']) expect([file, modeOf(join(data, file))]).toEqual([file, '600']);
    } finally {
      process.umask(before);
    }
  });

  it('a second server on the same file is refused in one line; the tools still work; after a kill -9 a new one starts', async () => {
    const dbPath = join(tempDir(), 'data', 'bot.db');
    const env = { DATABASE_PATH: dbPath, PROMPTS_DIR: copyPrompts() };
    const first = await start(env);

    const second = await startServerProcess(env).then(
      (server) => (running.push(server), null),
      (error: Error) => error.message,
    );
    expect(second, 'the second server should not have started').not.toBeNull();
    expect(second).toMatch(/Cannot start: another server is already running on .*bot\.db \(.*use PostgreSQL: set DATABASE_URL/);
    expect(second!.match(/Cannot start/g)).toHaveLength(1);
    expect(second).not.toMatch(/^\s+at /m);

    // The operator's tools open the same file while the server runs: they must not be refused.
    const chat = await tool('dist/cli/chat.js', ['--url', first.url, '--as', '628123450001', '--name', 'Dewi'], env, 'hello\n/quit\n');
    expect(chat.output).toMatch(/bot \(\d+(\.\d)? m?s\):/);
    expect(chat.code).toBe(0);
    const list = await tool('dist/cli/transcripts.js', ['list'], env);
    expect(list.output).toContain('628123450001');
    expect((await tool('dist/cli/transcripts.js', ['pause', '628123450001', 'on the phone'], env)).output).toContain('Paused');

    // Killed without a chance to clean up: the lock goes with the process.
    expect(await first.stop('SIGKILL')).toBeNull();
    const next = await start(env);
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
