// Where the CPU goes: CPU time per request of the server (its main thread apart from its helper threads: garbage
// collection, compilation), the fake LLM and the load generator, read from /proc during the same load, for the
// relay, the SDK relay, the relay through this bot's LLM client, and this bot.
// Run: npm run bench:cpu. BENCH_RATE=150 offers a fixed rate instead of as much as each server takes: CPU per request
// grows when a server is slower (fewer writes share a commit, fewer answers a socket write), so servers of unequal
// speed are compared at one rate; on a shared machine that is also the steadier figure.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './load.js';
import { START_COMMAND, startProcess } from './processes.js';

const SECRET = 'bench-secret-0123456789';
const TICK_MS = 1000 / 100; // USER_HZ on Linux
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;

/** CPU milliseconds (user + system) of a process: all its threads, and its main thread (whose id is the pid). */
function cpuMs(pid: number): { all: number; main: number; system: number } {
  const read = (path: string) => readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  const fields = read(`/proc/${pid}/stat`);
  const main = read(`/proc/${pid}/task/${pid}/stat`);
  return {
    all: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
    main: (Number(main[11]) + Number(main[12])) * TICK_MS,
    system: Number(fields[12]) * TICK_MS,
  };
}


const work = mkdtempSync(join(tmpdir(), 'whatsbot-cpu-'));
const llm = await startProcess('fake-llm', 'test/fake-openai.ts', {}, ['--port', '0', '--latency', '0']);
const targets = {
  'relay (Hono + fetch)': ['bench/servers/relay.ts', '/webhook'],
  'SDK relay (Hono + openai SDK + p-timeout)': ['bench/servers/sdk-relay.ts', '/webhook'],
  "relay via the bot's LLM client + tools": ['bench/servers/client-relay.ts', '/webhook'],
  'this bot': [START_COMMAND, `/webhook?token=${SECRET}`],
} as const;
console.log(`µs of CPU per request (user + system), 50 connections, instant fake LLM, ${RATE ? `${RATE} requests/s offered` : 'as fast as answered'}, 10 s after a 2 s warm-up\n`);
console.log(['server', 'req/s', 'server', 'main thread', 'other threads', '(system)', 'fake LLM', 'load generator'].join('\t'));
try {
  for (const [name, [entry, path]] of Object.entries(targets)) {
    const server = await startProcess(name, entry, {
      OPENAI_BASE_URL: `${llm.url}/v1`,
      DATABASE_PATH: join(work, `${Date.now()}.db`),
      WEBHOOK_SECRET: SECRET,
      RATE_LIMIT_PER_MINUTE: '1000',
    });
    const url = `${server.url}${path}`;
    await runLoad({ url, connections: 50, durationSeconds: 2, rate: RATE });
    const [s0, l0, g0] = [cpuMs(server.child.pid!), cpuMs(llm.child.pid!), process.cpuUsage()];
    const result = await runLoad({ url, connections: 50, durationSeconds: 10, rate: RATE });
    const [s1, l1, g1] = [cpuMs(server.child.pid!), cpuMs(llm.child.pid!), process.cpuUsage(g0)];
    const per = (ms: number) => Math.round((ms * 1000) / result.total);
    console.log(
      [name, Math.round(result.requestsPerSecond), per(s1.all - s0.all), per(s1.main - s0.main), per(s1.all - s0.all - (s1.main - s0.main)), per(s1.system - s0.system), per(l1.all - l0.all), per((g1.user + g1.system) / 1000)].join('\t'),
    );
    await server.stop();
  }
} finally {
  await llm.stop();
  rmSync(work, { recursive: true, force: true });
}
