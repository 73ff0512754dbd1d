// `npm run db -- backup FILE` while the server runs, and `restore FILE` into a fresh folder: a server started there
// finds every conversation, the handoff, the webhook secret (Whatspie's requests with the old one get 200) and the files.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDb } from '../src/cli/db.js';
import { runTranscripts } from '../src/cli/transcripts.js';
import { openDatabase } from '../src/store/db.js';
import { copyPrompts, makeBot, tempDir } from './helpers/app.js';
import { echoingModel, seedCustomer } from './helpers/data-seed.js';
import { textFrom } from './helpers/fixtures.js';
import { startServerProcess } from './helpers/server-process.js';

const ANA = '6281233330001';
const BUDI = '6281233330002';

async function db(argv: string[], settings: { DATABASE_PATH: string; MEDIA_DIR: string }, ask?: (q: string) => Promise<string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDb(argv, { out: (t) => out.push(t), err: (t) => err.push(t), settings: { PROMPTS_DIR: 'unused', ...settings }, ...(ask && { ask }) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const post = (url: string, token: string, body: unknown) =>
  fetch(`${url}/webhook?token=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('backup and restore (SQLite)', () => {
  it('a backup made while the server runs restores into a fresh folder where a new server finds everything', async () => {
    echoingModel();
    const old = tempDir('old-');
    const oldDb = join(old, 'bot.db');
    const oldMedia = join(old, 'media');
    const prompts = copyPrompts();
    const server = await startServerProcess({ DATABASE_PATH: oldDb, MEDIA_DIR: oldMedia, PROMPTS_DIR: prompts });
    let backupDir = '';
    try {
      const secret = (openDatabase(oldDb, { readonly: true }).$client.prepare("SELECT value FROM settings WHERE key = 'webhook_secret'").get() as { value: string }).value;
      expect(secret).toMatch(/^[0-9a-f]{32,}$/);
      const seeder = makeBot({ dbPath: oldDb, now: () => Date.UTC(2026, 10, 24, 9) });
      const ana = await seedCustomer(seeder, { phone: ANA, secret: 'ANA', mediaDir: oldMedia, at: Date.UTC(2026, 10, 24, 9) });
      await seedCustomer(seeder, { phone: BUDI, secret: 'BUDI', mediaDir: oldMedia, at: Date.UTC(2026, 10, 24, 9) });
      await runTranscripts(['pause', BUDI, '--db', oldDb], { out: () => {}, err: () => {}, settings: { DATABASE_PATH: oldDb, HANDOFF_HOURS: 24 }, now: Date.now() });
      await seeder.close();

      backupDir = tempDir('backups-');
      const backupFile = join(backupDir, 'bot-backup.db');
      const made = await db(['backup', backupFile], { DATABASE_PATH: oldDb, MEDIA_DIR: oldMedia });
      expect(made.err).toBe('');
      expect(made.out).toMatch(/Backed up .* \(10 messages, \d+ KB\) and 2 kept files to .*bot-backup\.db\.media\/\./);
      expect(statSync(backupFile).mode & 0o077).toBe(0);
      expect(readFileSync(join(`${backupFile}.media`, ana.file.slice(oldMedia.length + 1)), 'utf8')).toBe('photo of ANA');

      // The database the running server uses is never replaced, --yes or not.
      const refused = await db(['restore', backupFile, '--yes'], { DATABASE_PATH: oldDb, MEDIA_DIR: oldMedia });
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/a server is running on .*bot\.db: stop it first/);

      await post(server.url, secret, textFrom(ANA, 'one more before the move'));
    } finally {
      await server.stop();
    }
    // The old machine is gone.
    rmSync(old, { recursive: true, force: true });

    const fresh = tempDir('new-');
    const newDb = join(fresh, 'data', 'bot.db');
    const newMedia = join(fresh, 'data', 'media');
    const restored = await db(['restore', join(backupDir, 'bot-backup.db')], { DATABASE_PATH: newDb, MEDIA_DIR: newMedia });
    expect(restored.err).toBe('');
    expect(restored.out).toMatch(/Restored .* 2 contacts, 10 messages; 2 kept files into/);

    const server2 = await startServerProcess({ DATABASE_PATH: newDb, MEDIA_DIR: newMedia, PROMPTS_DIR: copyPrompts() });
    try {
      const secret = (openDatabase(newDb, { readonly: true }).$client.prepare("SELECT value FROM settings WHERE key = 'webhook_secret'").get() as { value: string }).value;
      expect((await post(server2.url, secret, textFrom(ANA, 'hello from after the restore'))).status).toBe(200);
      expect((await post(server2.url, 'not-the-secret-0123456789', textFrom(ANA, 'forged'))).status).toBe(401);
      const out: string[] = [];
      await runTranscripts(['list', '--db', newDb], { out: (t) => out.push(t), err: () => {}, settings: { DATABASE_PATH: newDb, HANDOFF_HOURS: 24 }, now: Date.now() });
      expect(out.join('\n')).toMatch(new RegExp(`${BUDI}.*WAITING`));
      expect(out.join('\n')).toMatch(new RegExp(`${ANA}\\s.*\\s7\\s`));
      const files = openDatabase(newDb, { readonly: true }).$client.prepare('SELECT media_path AS path FROM messages WHERE media_path IS NOT NULL').all() as { path: string }[];
      expect(files).toHaveLength(2);
      for (const { path } of files) {
        expect(path.startsWith(newMedia)).toBe(true);
        expect(readFileSync(path, 'utf8')).toMatch(/^photo of (ANA|BUDI)$/);
      }
    } finally {
      await server2.stop();
    }
  });

  it('asks before replacing a database that holds data, and needs --yes when nobody can be asked', async () => {
    echoingModel();
    const dir = tempDir();
    const dbPath = join(dir, 'bot.db');
    const bot = makeBot({ dbPath });
    await seedCustomer(bot, { phone: ANA, secret: 'ANA', mediaDir: join(dir, 'media'), at: Date.now(), events: false });
    await bot.close();
    const backupFile = join(tempDir(), 'b.db');
    expect((await db(['backup', backupFile], { DATABASE_PATH: dbPath, MEDIA_DIR: join(dir, 'media') })).code).toBe(0);
    expect((await db(['backup', backupFile], { DATABASE_PATH: dbPath, MEDIA_DIR: join(dir, 'media') })).err).toMatch(/exists already/);

    const other = join(tempDir(), 'bot.db');
    const otherBot = makeBot({ dbPath: other });
    await otherBot.post(textFrom(BUDI, 'hello'));
    await otherBot.close();
    const settings = { DATABASE_PATH: other, MEDIA_DIR: join(tempDir(), 'media') };
    const noTerminal = await db(['restore', backupFile], settings);
    expect(noTerminal.err).toMatch(/exists \(1 contacts, 2 messages\) and will be replaced by the backup: add --yes/);
    const said = await db(['restore', backupFile], settings, async () => 'no');
    expect(said.out).toBe('Not confirmed: nothing was changed.');
    const budiStill = openDatabase(other, { readonly: true });
    expect(budiStill.$client.prepare('SELECT phone FROM contacts').all()).toEqual([{ phone: BUDI }]);
    budiStill.$client.close();
    expect((await db(['restore', backupFile], settings, async () => 'yes')).code).toBe(0);
    const now = openDatabase(other, { readonly: true });
    expect(now.$client.prepare('SELECT phone FROM contacts').all()).toEqual([{ phone: ANA }]);
  });
});
