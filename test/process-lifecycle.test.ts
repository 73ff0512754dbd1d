// The server and the tools as an operator runs them: startup failures in one line, before the database is touched;
// shutdown whatever happened to stdout; tools that stop quietly when their reader goes away.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { copyPrompts, tempDir } from './helpers/app.js';
import { startServerProcess } from './helpers/server-process.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The server's output when it refuses to start. */
async function startupFailure(env: Record<string, string>, spawnOptions: { uid?: number; gid?: number } = {}): Promise<string> {
  const error = await startServerProcess({ PROMPTS_DIR: copyPrompts(), ...env }, spawnOptions).then(
    async (server) => {
      await server.stop();
      return null;
    },
    (e: Error) => e,
  );
  expect(error, 'the server should not have started').not.toBeNull();
  return error!.message;
}

/** One "Cannot start:" line that names the problem, and no stack trace. */
function expectOneLine(output: string, pattern: RegExp) {
  expect(output).toMatch(pattern);
  expect(output).not.toMatch(/^\s+at /m);
}

describe('startup failures', () => {
  it('a port in use is one line, and the database is not touched', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dbPath = join(tempDir(), 'live', 'bot.db');
    try {
      const output = await startupFailure({ PORT: String(port), DATABASE_PATH: dbPath });
      expectOneLine(output, new RegExp(`Cannot start: port ${port} is already in use`));
      expect(existsSync(dbPath)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('a HOST that is not an address of this machine is one line', async () => {
    const output = await startupFailure({ HOST: 'no-such-host.invalid', DATABASE_PATH: join(tempDir(), 'bot.db') });
    expectOneLine(output, /Cannot start: HOST=no-such-host\.invalid is not an address of this machine/);
  });

  it('a database path that is a folder is one line', async () => {
    const dir = tempDir();
    const output = await startupFailure({ DATABASE_PATH: dir });
    expectOneLine(output, /Cannot start: cannot open the database .*: it cannot be opened/);
  });

  it('a file that is not a database is one line, and the file is left as it was', async () => {
    const path = join(tempDir(), 'notes.db');
    writeFileSync(path, 'my shopping list, not a database\n'.repeat(200));
    const output = await startupFailure({ DATABASE_PATH: path });
    expectOneLine(output, /Cannot start: cannot open the database .*notes\.db: the file is not a SQLite database/);
  });

  it.runIf(process.getuid?.() === 0)('a read-only database folder is one line (run as an unprivileged user, since root may write anywhere)', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const data = join(dir, 'data');
    mkdirSync(data);
    openDatabase(join(data, 'bot.db')).$client.close();
    chmodSync(join(data, 'bot.db'), 0o444);
    chmodSync(data, 0o555);
    const prompts = copyPrompts();
    chmodSync(join(prompts, '..'), 0o755);
    const output = await startupFailure({ DATABASE_PATH: join(data, 'bot.db'), PROMPTS_DIR: prompts }, { uid: 65534, gid: 65534 });
    expectOneLine(output, /Cannot start: cannot open the database .*: the file or its folder is read-only/);
  });

  it('a bad setting is named with where its value came from', async () => {
    const output = await startupFailure({ DATABASE_PATH: join(tempDir(), 'bot.db'), REPLY_DEADLINE_MS: '9000' });
    expectOneLine(output, /Cannot start: invalid settings:\n\s+REPLY_DEADLINE_MS \(from the environment\): must be at most 5000/);
  });
});

describe('shutdown', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s ends the server even after the reader of its stdout has gone (npm start | cat, then Ctrl-C)', async (signal) => {
    const server = await startServerProcess({ DATABASE_PATH: join(tempDir(), 'bot.db'), PROMPTS_DIR: copyPrompts() });
    server.child.stdout!.destroy();
    // Each request logs a line into the broken pipe.
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const started = Date.now();
    server.child.kill(signal);
    const code = await Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 8000))]);
    if (code === 'still running') server.child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe('npm start', () => {
  // A process manager (or Docker, where npm is PID 1) signals npm alone, not its process group: npm passes the signal
  // on to its script, which must be the server itself, not a shell that dies and leaves the server running.
  it('compiles, serves, and stops when npm alone gets SIGTERM', async () => {
    const dir = tempDir();
    const child = spawn('npm', ['start'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', KEEP_MEDIA: 'false', DATABASE_PATH: join(dir, 'bot.db'), PROMPTS_DIR: copyPrompts() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not listen:\n${output}`)), 20_000);
      child.stdout.on('data', () => {
        const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    await exited;
    // The server is gone with npm: its port refuses connections.
    await expect.poll(() => fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'up', () => 'down'), { timeout: 5000 }).toBe('down');
    expect(output).toContain('"msg":"stopped"');
  }, 30_000);
});

describe('command-line tools', () => {
  it('transcripts list | head -2 exits quietly when head stops reading', async () => {
    const dbPath = join(tempDir(), 'bot.db');
    const db = openDatabase(dbPath);
    const insert = db.$client.prepare('insert into contacts (phone, jid, display_name, first_seen_at, last_seen_at) values (?, ?, ?, 0, 0)');
    db.$client.transaction(() => {
      for (let i = 0; i < 5000; i += 1) insert.run(`62800${i}`, `62800${i}@s.whatsapp.net`, `Customer number ${i} with a long enough name`);
    })();
    db.$client.close();
    const child = spawn(process.execPath, ['dist/cli/transcripts.js', 'list', '--db', dbPath], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('npm run fake-llm -- --port N listens on N', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const child = spawn('npm', ['run', '--silent', 'fake-llm', '--', '--port', String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out);
        });
        child.once('exit', () => reject(new Error(`exited: ${out}`)));
      });
      expect(line).toContain(`OPENAI_BASE_URL=http://127.0.0.1:${port}/v1`);
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(404);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });
});
