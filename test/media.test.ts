// Every inbound file kept before its link expires: downloaded in the background, within limits, never from an
// internal address.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTranscripts } from '../src/cli/transcripts.js';
import { isInternalAddress } from '../src/media/addresses.js';
import { download, publicAddressesOnly } from '../src/media/download.js';
import { jsonOf, makeBot, tempDir } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { replyWith } from './helpers/llm.js';
import { startFakeFileHost, type FakeFileHost } from './fake-file-host.js';

const LIMIT = 1024 * 1024;
let host: FakeFileHost;
beforeAll(async () => {
  host = await startFakeFileHost({ limitBytes: LIMIT });
});
afterAll(() => host.close());

/** The tests' network: 127.0.0.2 plays the server's internal network, everything else on loopback is "public". */
const notInternal = (address: string) => address !== '127.0.0.2';

function mediaBot() {
  replyWith({ content: 'Got it' });
  return makeBot({ keepMedia: { dir: tempDir('media-'), maxMb: 1, addressAllowed: notInternal } });
}

type Kept = { media_url: string | null; media_path: string | null; media_bytes: number | null; media_type: string | null; media_sha256: string | null; media_error: string | null };
async function keptFile(bot: ReturnType<typeof makeBot>): Promise<Kept> {
  const read = () =>
    bot.db.$client.prepare("select media_url, media_path, media_bytes, media_type, media_sha256, media_error from messages where direction = 'in' order by id desc limit 1").get() as Kept;
  await expect.poll(() => read().media_path ?? read().media_error, { timeout: 10_000 }).toBeTruthy();
  return read();
}

const withFile = (type: 'image' | 'document' | 'audio', url: string, extra: Record<string, unknown> = {}): Record<string, unknown> & { from: string } => {
  const base = freshInbound(type) as Record<string, unknown> & { from: string; file: object };
  return { ...base, file: { ...base.file, url, ...extra } };
};

describe('inbound files are kept', () => {
  it.each([
    ['an image', 'image', '/photo.jpg', 'image/jpeg', /\.jpg$/],
    ['a voice note', 'audio', '/voice.oga', 'audio/ogg', /\.oga$/],
    ['a document', 'document', '/price.pdf', 'application/pdf', /\.pdf$/],
  ] as const)('%s: downloaded into MEDIA_DIR with size, type and SHA-256; the reply does not wait for it', async (_label, type, path, contentType, ext) => {
    const bot = mediaBot();
    const reply = await jsonOf(bot.post(withFile(type, `${host.url}${path}`, type === 'document' ? { fileName: 'price.pdf' } : {})));
    expect(reply.body).toBe('Got it');
    const kept = await keptFile(bot);
    const bytes = host.files[path]!;
    expect(kept).toMatchObject({ media_bytes: bytes.length, media_type: contentType, media_sha256: createHash('sha256').update(bytes).digest('hex'), media_error: null });
    expect(kept.media_path).toMatch(ext);
    expect(kept.media_path).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(readFileSync(kept.media_path!).equals(bytes)).toBe(true);
  });

  it('a message type the docs do not list is kept too when it carries file.url', async () => {
    const bot = mediaBot();
    await bot.post({ ...freshInbound('image'), type: 'stickerMessage', file: { url: `${host.url}/photo-without-type` } });
    const kept = await keptFile(bot);
    expect(kept.media_bytes).toBe(host.files['/photo.jpg']!.length);
  });

  it.each([
    ['over the limit, as declared', '/big.bin', /larger than the limit of 1048576 bytes/],
    ['over the limit, with no Content-Length', '/no-length', /larger than the limit of 1048576 bytes/],
    ['an expired link', '/expired', /HTTP 403 \(the link has probably expired\)/],
    ['a redirect to an internal address', '/to-internal', /127\.0\.0\.2 is an address files are not fetched from/],
    ['too many redirects', '/hop/5', /more than 3 redirects/],
    ['a redirect to ftp', '/to-ftp', /ftp: links are not fetched/],
  ])('%s: refused, the reason recorded, no file left, and the message still answered', async (_label, path, reason) => {
    const bot = mediaBot();
    const reply = await jsonOf(bot.post(withFile('image', `${host.url}${path}`)));
    expect(reply.body).toBe('Got it');
    const kept = await keptFile(bot);
    expect(kept.media_path).toBeNull();
    expect(kept.media_error).toMatch(reason);
  });

  it('a Content-Length that understates the size: only the declared bytes reach the disk, never more than the limit', async () => {
    const bot = mediaBot();
    await bot.post(withFile('image', `${host.url}/lying`));
    const kept = await keptFile(bot);
    expect(kept.media_bytes).toBe(100);
    expect(readFileSync(kept.media_path!).length).toBe(100);
  });

  it('a flood of media messages downloads at most 8 files at once, and keeps them all', async () => {
    const bot = mediaBot();
    await Promise.all(Array.from({ length: 20 }, (_, i) => bot.post(withFile('image', `${host.url}/slow.jpg`, { caption: `photo ${i}` }))));
    await expect
      .poll(() => bot.db.$client.prepare("select count(*) from messages where direction = 'in' and media_path is not null").pluck().get(), { timeout: 10_000 })
      .toBe(20);
    expect(host.mostAtOnce).toBeLessThanOrEqual(8);
    expect(host.mostAtOnce).toBeGreaterThan(1);
  });

  it("kept files and the folders made for them are the server's user's alone (0600, 0700), under umask 022 too", async () => {
    const umask = process.umask(0o022);
    try {
      replyWith({ content: 'Got it' });
      const data = join(tempDir(), 'data');
      const bot = makeBot({ keepMedia: { dir: join(data, 'media'), maxMb: 1, addressAllowed: notInternal } });
      await bot.post(withFile('image', `${host.url}/photo.jpg`));
      // Named by its type after the download (no extension in the link or name): the renamed file keeps its mode.
      await bot.post(withFile('document', `${host.url}/held/scan`, { fileName: null }));
      await expect.poll(() => host.held.waiting).toContain('/held/scan');
      host.held.release((path) => path === '/held/scan');
      await expect.poll(() => bot.db.$client.prepare("select count(*) from messages where media_path is not null").pluck().get(), { timeout: 10_000 }).toBe(2);
      const paths = bot.db.$client.prepare('select media_path from messages where media_path is not null').pluck().all() as string[];
      const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
      expect(paths[1]).toMatch(/\.pdf$/);
      expect(paths.map(mode)).toEqual(['600', '600']);
      expect([dirname(paths[0]!), join(data, 'media'), data].map(mode)).toEqual(['700', '700', '700']);
    } finally {
      process.umask(umask);
    }
  });

  it('transcripts show prints the local file, and export includes it', async () => {
    const bot = mediaBot();
    const message = withFile('image', `${host.url}/photo.jpg`);
    await bot.post(message);
    const kept = await keptFile(bot);
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), settings: { DATABASE_PATH: bot.dbPath, HANDOFF_HOURS: 24 }, now: Date.now() };
    await runTranscripts(['show', String(message.from)], io);
    expect(out.join('\n')).toContain(`file: ${kept.media_path} (2.0 kB, image/jpeg)`);
    out.length = 0;
    await runTranscripts(['export', '--contact', String(message.from)], io);
    expect(JSON.parse(out.join('\n').split('\n')[0]!)).toMatchObject({ media_path: kept.media_path, media_bytes: kept.media_bytes, media_sha256: kept.media_sha256 });
  });
});

describe('addresses a file is never fetched from', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])('%s is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2001:4860:4860::8888'])('%s is public', (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it('with the default policy, loopback is refused by IP and by name, before any connection', async () => {
    const policy = { maxBytes: LIMIT, timeoutMs: 5000, maxRedirects: 3, addressAllowed: publicAddressesOnly };
    const dir = tempDir();
    const byIp = await download(`${host.url}/photo.jpg`, join(dir, 'a.jpg'), policy);
    expect(byIp).toEqual({ ok: false, reason: '127.0.0.1 is an address files are not fetched from' });
    const byName = await download(`${host.url.replace('127.0.0.1', 'localhost')}/photo.jpg`, join(dir, 'b.jpg'), policy);
    expect(byName.ok).toBe(false);
    expect(!byName.ok && byName.reason).toMatch(/localhost resolves to .*, an address files are not fetched from/);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'a.jpg'))).toBe(false);
  });
});
