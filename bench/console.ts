// The console scenario of `npm run bench`: the inbox and a 200-message conversation rendered with 10 000 contacts and
// 1 000 000 messages in the database (server time, p50/p99, over loopback), and the webhook's throughput with 20
// consoles open on live updates against none (target: it falls by no more than 10%); the consoles run in a process of
// their own, as browsers on other machines would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../src/console/password.js';
import { openDatabase } from '../src/store/db.js';
import { runLoad } from './load.js';
import type { Running } from './processes.js';
import { seededPhone, seedHistory } from './seed-history.js';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Seeds 10 000 contacts × 100 messages, then 100 more for the first contact (a 200-message conversation), and an operator. */
export async function seedConsoleDatabase(path: string): Promise<{ seedSeconds: number; phone: string }> {
  const started = performance.now();
  seedHistory(path, { contacts: 10_000, perContact: 100 });
  const db = openDatabase(path);
  const sqlite = db.$client;
  const phone = seededPhone(0);
  const contact = sqlite.prepare('SELECT id FROM contacts WHERE phone = ?').get(phone) as { id: number };
  const insert = sqlite.prepare('INSERT INTO messages (contact_id, direction, wa_message_id, in_reply_to, kind, text, reply_json, fell_back, fallback_reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  sqlite.transaction(() => {
    let inbound = 0;
    for (let m = 0; m < 100; m++) {
      const text = `extra ${m}: where is my order?`;
      if (m % 2 === 0) inbound = Number(insert.run(contact.id, 'in', `extra-${m}`, null, 'text', text, null, null, null, Date.now() - 60_000 + m).lastInsertRowid);
      else insert.run(contact.id, 'out', null, inbound, 'text', text, JSON.stringify({ type: 'chat', body: text }), m % 10 === 1 ? 1 : 0, m % 10 === 1 ? 'llm_error' : null, Date.now() - 60_000 + m);
    }
    sqlite.prepare('INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?)').run('bench', '', Date.now());
  })();
  sqlite.prepare('UPDATE operators SET password_hash = ? WHERE name = ?').run(await hashPassword('bench-password-123'), 'bench');
  sqlite.close();
  return { seedSeconds: (performance.now() - started) / 1000, phone };
}

async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=bench&password=bench-password-123&next=/console',
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 303 || !cookie) throw new Error(`bench sign-in failed: HTTP ${response.status}`);
  return cookie;
}

async function timePage(url: string, cookie: string, times: number): Promise<{ p50: number; p99: number; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    bytes = (await response.text()).length;
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    ms.push(performance.now() - started);
  }
  return { p50: Math.round(percentile(ms, 50)), p99: Math.round(percentile(ms, 99)), bytes };
}

/**
 * A console as the browser runs it (src/console/assets.ts): listens to /console/live and fetches the inbox again on a
 * change, one at a time, at most once every two seconds.
 */
function openConsole(url: string, cookie: string): { close: () => void; refreshes: () => number } {
  const controller = new AbortController();
  let refreshes = 0;
  let busy = false;
  let last = 0;
  void (async () => {
    try {
      const response = await fetch(`${url}/console/live`, { headers: { cookie }, signal: controller.signal });
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        if (!decoder.decode(chunk as Uint8Array, { stream: true }).includes('event: change') || busy) continue;
        busy = true;
        const wait = last + 2000 - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        last = Date.now();
        void fetch(`${url}/console`, { headers: { cookie }, signal: controller.signal })
          .then((r) => r.text())
          .then(() => (refreshes += 1))
          .catch(() => {})
          .finally(() => (busy = false));
      }
    } catch {
      // Closed by the bench.
    }
  })();
  return { close: () => controller.abort(), refreshes: () => refreshes };
}

/**
 * `count` consoles in a process of their own, as browsers elsewhere would be: their fetching and reading is not done in
 * the load generator's event loop, which would charge it to the webhook's throughput. Resolves when all listen.
 */
async function openConsoles(url: string, cookie: string, count: number): Promise<{ close: () => Promise<number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'consoles', url, cookie, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => (output.includes('open') ? resolve() : undefined);
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`the consoles' process exited with ${code}`)));
  });
  return {
    close: () =>
      new Promise<number>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve(Number(/refreshes (\d+)/.exec(output)?.[1] ?? 0)));
        child.kill('SIGTERM');
      }),
  };
}

// Run as the consoles' process: node --import tsx bench/console.ts consoles URL COOKIE COUNT
if (process.argv[2] === 'consoles') {
  const [url, cookie, count] = process.argv.slice(3) as [string, string, string];
  const consoles = Array.from({ length: Number(count) }, () => openConsole(url, cookie));
  console.log('open');
  process.once('SIGTERM', () => {
    for (const c of consoles) c.close();
    // Written before the exit: a pipe's writes are asynchronous.
    process.stdout.write(`refreshes ${consoles.reduce((n, c) => n + c.refreshes(), 0)}\n`, () => process.exit(0));
  });
}

export async function consoleScenario(input: { work: string; start: (dbPath: string) => Promise<Running>; secret: string; durationSeconds: number; runs: number }) {
  const dbPath = join(input.work, 'console.db');
  const seeded = await seedConsoleDatabase(dbPath);
  const server = await input.start(dbPath);
  try {
    const cookie = await signIn(server.url);
    await timePage(`${server.url}/console`, cookie, 5); // warm-up
    const inbox = await timePage(`${server.url}/console`, cookie, 100);
    const conversation = await timePage(`${server.url}/console/c/${seeded.phone}`, cookie, 100);
    const webhook = `${server.url}/webhook?token=${input.secret}`;
    const without: number[] = [];
    const withConsoles: number[] = [];
    let refreshes = 0;
    await runLoad({ url: webhook, connections: 50, durationSeconds: 2 });
    // Interleaved, the order turned every run, so that a slow moment of the machine (or its warming up) hits both alike.
    const measureWithout = async () => without.push((await runLoad({ url: webhook, connections: 50, durationSeconds: input.durationSeconds })).requestsPerSecond);
    const measureWith = async () => {
      const consoles = await openConsoles(server.url, cookie, 20);
      withConsoles.push((await runLoad({ url: webhook, connections: 50, durationSeconds: input.durationSeconds })).requestsPerSecond);
      refreshes += await consoles.close();
    };
    for (let run = 0; run < input.runs; run++) {
      if (run % 2 === 0) {
        await measureWithout();
        await measureWith();
      } else {
        await measureWith();
        await measureWithout();
      }
      console.error(`  console run ${run + 1}/${input.runs}: ${Math.round(without.at(-1)!)} req/s without consoles, ${Math.round(withConsoles.at(-1)!)} with 20`);
    }
    const median = (values: number[]) => percentile(values, 50);
    // Each run's two figures were measured side by side: the ratio is taken run by run, and its median reported.
    const ratios = without.map((w, i) => withConsoles[i]! / w);
    const ratio = median(ratios);
    return {
      contacts: 10_000,
      messages: 1_000_100,
      seedSeconds: Math.round(seeded.seedSeconds * 10) / 10,
      inboxMs: inbox,
      conversation200Ms: conversation,
      webhookReqPerSecWithout: Math.round(median(without)),
      webhookReqPerSecWith20Consoles: Math.round(median(withConsoles)),
      inboxRefreshesByConsoles: refreshes,
      ratio: Math.round(ratio * 1000) / 1000,
      ratios: ratios.map((r) => Math.round(r * 1000) / 1000),
      met: ratio >= 0.9,
    };
  } finally {
    await server.stop();
  }
}
