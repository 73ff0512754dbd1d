// The SQLite file as an operator meets it: readable by the server's user alone.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyPrompts, tempDir } from './helpers/app.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const running: ServerProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  running.push(server);
  return server;
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
      for (const file of ['bot.db', 'bot.db-wal', 'bot.db-shm']) expect([file, modeOf(join(data, file))]).toEqual([file, '600']);
    } finally {
      process.umask(before);
    }
  });
});
