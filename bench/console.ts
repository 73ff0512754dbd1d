// The console scenario of `npm run bench`: the inbox and a 200-message conversation rendered with 10 000 contacts and
// 1 000 000 messages in the database (server time, p50/p99, over loopback), and the webhook's throughput with 20
// consoles open on live updates against none (target: it falls by no more than 10%).
import { join } from 'node:path';
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
    // Interleaved, so that a slow moment of the machine hits both alike.
    for (let run = 0; run < input.runs; run++) {
      without.push((await runLoad({ url: webhook, connections: 50, durationSeconds: input.durationSeconds })).requestsPerSecond);
      const consoles = Array.from({ length: 20 }, () => openConsole(server.url, cookie));
      withConsoles.push((await runLoad({ url: webhook, connections: 50, durationSeconds: input.durationSeconds })).requestsPerSecond);
      refreshes += consoles.reduce((n, c) => n + c.refreshes(), 0);
      for (const c of consoles) c.close();
      console.error(`  console run ${run + 1}/${input.runs}: ${Math.round(without.at(-1)!)} req/s without consoles, ${Math.round(withConsoles.at(-1)!)} with 20`);
    }
    const median = (values: number[]) => percentile(values, 50);
    const ratio = median(withConsoles) / median(without);
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
      met: ratio >= 0.9,
    };
  } finally {
    await server.stop();
  }
}
