// DATABASE_CONNECT_TIMEOUT_MS bounds how long the server waits for a PostgreSQL connection. A server that accepts the
// connection and never answers stands for a database that is overloaded or far away; the test's clock is fake, so what
// is checked is which bound applies, not how fast anything runs.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStorage } from '../src/compose.js';
import { loadConfig, type Config } from '../src/config.js';
import { silentLogger } from '../src/logger.js';

let silent: Server;
const sockets: Socket[] = [];
let connected: Promise<void>;

beforeEach(async () => {
  let arrived!: () => void;
  connected = new Promise((resolve) => (arrived = resolve));
  silent = createServer((socket) => {
    sockets.push(socket);
    arrived();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(async () => {
  vi.useRealTimers();
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const settings = (env: Record<string, string>) =>
  loadConfig({ env: { DATABASE_URL: `postgres://bot:pw@127.0.0.1:${(silent.address() as AddressInfo).port}/bot`, ...env }, envFile: null }).config as Config;

/** Opens the storage and says whether it has failed after each step of the fake clock. */
async function failedAfter(config: Config, steps: number[]) {
  let failure: unknown;
  const opening = openStorage(config, silentLogger).then(
    (storage) => storage.close(),
    (error: unknown) => void (failure = error),
  );
  // The clock runs only once the connection is being opened (after the config is read and pg is loaded).
  await connected;
  const seen: boolean[] = [];
  for (const ms of steps) {
    await vi.advanceTimersByTimeAsync(ms);
    seen.push(failure !== undefined);
  }
  await opening;
  return { seen, failure };
}

describe('DATABASE_CONNECT_TIMEOUT_MS', () => {
  it('gives up on a database that does not answer after the time it sets, naming the database without its password', async () => {
    const { seen, failure } = await failedAfter(settings({ DATABASE_CONNECT_TIMEOUT_MS: '10000' }), [9_000, 2_000]);
    expect(seen).toEqual([false, true]);
    expect(String(failure)).toMatch(/cannot open the database .*127\.0\.0\.1.*: no answer within 10000 ms \(the server waits DATABASE_CONNECT_TIMEOUT_MS/);
    expect(String(failure)).not.toContain('pw');
  });

  it('is 3 s unless set: inside Whatspie\'s 5-s window', async () => {
    const { seen } = await failedAfter(settings({}), [2_500, 1_000]);
    expect(seen).toEqual([false, true]);
  });
});
