// Where the CPU goes: CPU time per request of the server, the fake LLM and the load generator, read from /proc
// during the same load, for the relay, the relay through this bot's LLM client, and this bot.
// Run: npm run bench:cpu
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './load.js';
import { START_COMMAND, startProcess } from './processes.js';

const SECRET = 'bench-secret-0123456789';
const TICK_MS = 1000 / 100; // USER_HZ on Linux

function cpuMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
}

const work = mkdtempSync(join(tmpdir(), 'whatsbot-cpu-'));
const llm = await startProcess('fake-llm', 'test/fake-openai.ts', {}, ['--port', '0', '--latency', '0']);
const targets = {
  'relay (Hono + fetch)': ['bench/servers/relay.ts', '/webhook'],
  "relay via the bot's LLM client + tools": ['bench/servers/client-relay.ts', '/webhook'],
  'this bot': [START_COMMAND, `/webhook?token=${SECRET}`],
} as const;
console.log('µs of CPU per request (user + system), 50 connections, instant fake LLM, 10 s after a 2 s warm-up\n');
console.log(['server', 'req/s', 'server', '(of it system)', 'fake LLM', 'load generator'].join('\t'));
try {
  for (const [name, [entry, path]] of Object.entries(targets)) {
    const server = await startProcess(name, entry, {
      OPENAI_BASE_URL: `${llm.url}/v1`,
      DATABASE_PATH: join(work, `${Date.now()}.db`),
      WEBHOOK_SECRET: SECRET,
      RATE_LIMIT_PER_MINUTE: '1000',
    });
    const url = `${server.url}${path}`;
    await runLoad({ url, connections: 50, durationSeconds: 2 });
    const [s0, l0, g0] = [cpuMs(server.child.pid!), cpuMs(llm.child.pid!), process.cpuUsage()];
    const result = await runLoad({ url, connections: 50, durationSeconds: 10 });
    const [s1, l1, g1] = [cpuMs(server.child.pid!), cpuMs(llm.child.pid!), process.cpuUsage(g0)];
    const per = (ms: number) => Math.round((ms * 1000) / result.total);
    const serverMs = s1.user - s0.user + s1.system - s0.system;
    console.log(
      [name, Math.round(result.requestsPerSecond), per(serverMs), per(s1.system - s0.system), per(l1.user - l0.user + l1.system - l0.system), per((g1.user + g1.system) / 1000)].join('\t'),
    );
    await server.stop();
  }
} finally {
  await llm.stop();
  rmSync(work, { recursive: true, force: true });
}
