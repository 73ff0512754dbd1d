// npm run operators: accounts created, listed, changed and removed from a script or a terminal, passwords kept only
// as salted hashes, and a removed operator's sessions ended at once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { operatorOfSession, signIn } from '../src/console/accounts.js';
import { verifyPassword } from '../src/console/password.js';
import { runOperators } from '../src/cli/operators.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import type { Storage } from '../src/store/storage.js';
import { copyPrompts, SECRET, tempDir } from './helpers/app.js';
import { startServerProcess } from './helpers/server-process.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const PASSWORD = 'correct horse battery';

const opened: Storage[] = [];
afterAll(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

/** Runs `npm run operators`'s entry point with `stdin` piped in (not a terminal); resolves with its exit code and output. */
function operators(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['dist/cli/operators.js', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

/** The same tool in this process, `stdin` standing for a piped standard input: cheaper than a process each time. */
async function inProcess(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runOperators(args, {
    out: (text) => (out += `${text}\n`),
    err: (text) => (err += `${text}\n`),
    settings: { DATABASE_PATH: join(tempDir(), 'unused.db') },
    passwords: { isTTY: false, readAll: async () => stdin, readHidden: () => Promise.reject(new Error('not a terminal')) },
    now: Date.now(),
  });
  return { code, out, err };
}

function open(dbPath: string): Storage {
  const storage = openSqliteStorage(dbPath);
  opened.push(storage);
  return storage;
}

/** Every value of every table, as text: what anyone who reads the database file sees. */
function everythingStored(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
  } finally {
    db.close();
  }
}

describe('npm run operators', () => {
  it('add reads the password from two matching lines of standard input; the operator can sign in, and list shows them', async () => {
    const db = join(tempDir(), 'bot.db');
    const added = await operators(['add', 'Dewi Sartika', '--db', db], `${PASSWORD}\n${PASSWORD}\n`);
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toBe('Added operator "Dewi Sartika". They sign in at /console/login on the server.\n');
    const account = await open(db).accounts.byName('Dewi Sartika');
    expect(await verifyPassword(PASSWORD, account!.passwordHash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', account!.passwordHash)).toBe(false);

    // One line alone is enough.
    expect((await inProcess(['add', 'Budi', '--db', db], `${PASSWORD}\n`)).code).toBe(0);
    const list = await operators(['list', '--db', db]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME\s+ADDED\s+LAST SEEN\s+SESSIONS\nBudi\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+-\s+0\nDewi Sartika\s/);
  }, 180_000);

  it('two lines that differ, a short password, or a bad name add nobody, with exit code 1', async () => {
    const db = join(tempDir(), 'bot.db');
    const differ = await operators(['add', 'Dewi', '--db', db], `${PASSWORD}\ncorrect horse batteyr\n`);
    expect(differ.code).toBe(1);
    expect(differ.err).toBe('Error: the second line of standard input is not the same password as the first; nothing was changed\n');
    const short = await inProcess(['add', 'Dewi', '--db', db], 'horse1234\n');
    expect(short).toMatchObject({ code: 1, err: 'Error: a password needs at least 10 characters; nothing was changed\n' });
    const none = await inProcess(['add', 'Dewi', '--db', db], '');
    expect(none.code).toBe(1);
    expect(none.err).toContain('no password');
    const control = await inProcess(['add', 'De\u001b[2Jwi', '--db', db], `${PASSWORD}\n`);
    expect(control).toMatchObject({ code: 1, err: 'Error: a name cannot contain control or invisible characters: "De\\x1b[2Jwi"\n' });
    expect((await inProcess(['add', 'x'.repeat(65), '--db', db], `${PASSWORD}\n`)).err).toContain('at most 64 characters');
    expect((await inProcess(['add', 'terminal', '--db', db], `${PASSWORD}\n`)).err).toContain('reserved');
    expect(await open(db).accounts.count()).toBe(0);

    const usage = await inProcess([]);
    expect(usage.code).toBe(1);
    expect(usage.err).toContain('Usage: npm run operators -- <command>');
    expect(await inProcess(['rename', 'Dewi', '--db', db])).toMatchObject({ code: 1, err: 'Error: unknown command "rename"\nSee: npm run operators -- --help\n' });
    expect((await inProcess(['add', '--db', db])).err).toContain('add takes one name');

    // Two names that differ only in capitals would read as one person in the transcripts and the audit.
    expect((await inProcess(['add', 'dewi', '--db', db], `${PASSWORD}\n`)).code).toBe(0);
    expect(await inProcess(['add', 'DEWI', '--db', db], `${PASSWORD}\n`)).toMatchObject({ code: 1, err: expect.stringContaining('names that differ only in capitals are refused') });
    expect(await open(db).accounts.count()).toBe(1);
  }, 180_000);

  it('two accounts with the same password have different hashes; neither the password nor a session id is stored in clear', async () => {
    const db = join(tempDir(), 'bot.db');
    expect((await inProcess(['add', 'Dewi', '--db', db], `${PASSWORD}\n${PASSWORD}\n`)).code).toBe(0);
    expect((await inProcess(['add', 'Budi', '--db', db], `${PASSWORD}\n${PASSWORD}\n`)).code).toBe(0);
    const storage = open(db);
    const [dewi, budi] = [await storage.accounts.byName('Dewi'), await storage.accounts.byName('Budi')];
    expect(dewi!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(dewi!.passwordHash).not.toBe(budi!.passwordHash);
    expect(dewi!.passwordHash.split('$')[4]).not.toBe(budi!.passwordHash.split('$')[4]);

    const session = await signIn(storage.accounts, { name: 'Dewi', password: PASSWORD, address: '192.0.2.1', now: Date.now() });
    expect(session.outcome).toBe('signed-in');
    const stored = everythingStored(db);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain((session as { sessionId: string }).sessionId);
  }, 180_000);

  it('remove ends the operator’s sessions at once; password changes it and ends them too', async () => {
    const db = join(tempDir(), 'bot.db');
    await inProcess(['add', 'Dewi', '--db', db], `${PASSWORD}\n`);
    await inProcess(['add', 'Budi', '--db', db], `${PASSWORD}\n`);
    const storage = open(db);
    const now = Date.now();
    const session = (name: string) => signIn(storage.accounts, { name, password: PASSWORD, address: '192.0.2.1', now }) as Promise<{ sessionId: string }>;
    const [dewi, budi] = [await session('Dewi'), await session('Budi')];
    expect(await operatorOfSession(storage.accounts, dewi.sessionId, now)).toMatchObject({ name: 'Dewi' });

    expect(await inProcess(['remove', 'Dewi', '--db', db])).toMatchObject({ code: 0, out: 'Removed operator "Dewi"; their sessions have ended.\n' });
    expect(await operatorOfSession(storage.accounts, dewi.sessionId, now)).toBeNull();
    expect(await operatorOfSession(storage.accounts, budi.sessionId, now)).toMatchObject({ name: 'Budi' });
    expect(await inProcess(['remove', 'Dewi', '--db', db])).toMatchObject({ code: 1, err: 'Error: no operator "Dewi"; "npm run operators -- list" shows them\n' });

    const changed = await inProcess(['password', 'Budi', '--db', db], 'a new long password\na new long password\n');
    expect(changed.code).toBe(0);
    expect(await operatorOfSession(storage.accounts, budi.sessionId, now)).toBeNull();
    expect((await signIn(storage.accounts, { name: 'Budi', password: 'a new long password', address: '192.0.2.1', now })).outcome).toBe('signed-in');
  }, 180_000);

  it('a server started with no operator says in its log how to create one, and says nothing once one exists', async () => {
    const db = join(tempDir(), 'bot.db');
    const env = { DATABASE_PATH: db, PROMPTS_DIR: copyPrompts(), WEBHOOK_SECRET: SECRET };
    const first = await startServerProcess(env);
    await first.stop();
    expect(first.output()).toContain('no console operator yet: create one with \\"npm run operators -- add NAME\\"');
    await inProcess(['add', 'Dewi', '--db', db], `${PASSWORD}\n`);
    const second = await startServerProcess(env);
    await second.stop();
    expect(second.output()).not.toContain('no console operator');
  }, 180_000);
});
