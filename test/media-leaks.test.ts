// A download that fails gives back everything it took: its file descriptor, the disk its partial file used, and
// the server stays able to download the next file; the reason recorded says what happened.
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBot, tempDir, type TestBot } from './helpers/app.js';
import { freshInbound } from './helpers/fixtures.js';
import { replyWith } from './helpers/llm.js';
import { startFakeFileHost, type FakeFileHost } from './fake-file-host.js';

const LIMIT = 1024 * 1024;
const TIMEOUT_MS = 300;
let host: FakeFileHost;
beforeAll(async () => {
  host = await startFakeFileHost({ limitBytes: LIMIT });
});
afterAll(() => host.close());

/** What this process's descriptors point to (sockets, pipes, files: a deleted file shows as "… (deleted)"). */
function openDescriptors(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the descriptor readdir itself used, closed by now
    }
  });
}

/** Every file under `dir`, with its size. */
function filesUnder(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: statSync(path).size }));
}

let sender = 0;
const imageFrom = (path: string) => {
  sender += 1;
  const from = `6281955${String(sender).padStart(5, '0')}`;
  const base = freshInbound('image', { from, from_user: { name: `Customer ${sender}`, jid: `${from}@s.whatsapp.net` } }) as Record<string, unknown> & { file: object };
  return { ...base, file: { ...base.file, url: `${host.url}${path}` } };
};

const errors = (bot: TestBot) =>
  bot.db.$client.prepare("select media_url, media_error, media_path from messages where direction = 'in' and (media_error is not null or media_path is not null)").all() as {
    media_url: string;
    media_error: string | null;
    media_path: string | null;
  }[];

/** [what, path, reason recorded, whether it needs the short time limit] */
const FAILURES = [
  ['over MEDIA_MAX_MB, without a Content-Length', '/no-length', 'larger than the limit of 1048576 bytes', false],
  ['cut off mid-way', '/cut', /^cut off after \d+ of 65536 bytes$/, false],
  ['timed out after the first bytes', '/stall', `no complete answer within ${TIMEOUT_MS} ms`, true],
  ['timed out before any answer', '/stall-before-headers', `no complete answer within ${TIMEOUT_MS} ms`, true],
] as const;

describe('failed downloads', () => {
  it('after many of them (over the limit, timed out, cut off), descriptors and disk are back where they were, and the next file is kept', async () => {
    replyWith({ content: 'Got it' });
    const dir = tempDir('media-');
    // Two servers on one MEDIA_DIR: the time limit is short only where a download is meant to run out of it, so that
    // a slow machine cannot turn a file over the limit into a timeout.
    const patient = makeBot({ keepMedia: { dir, maxMb: 1 } });
    const hurried = makeBot({ keepMedia: { dir, maxMb: 1, timeoutMs: TIMEOUT_MS } });
    const recorded = () => [...errors(patient), ...errors(hurried)];
    const send = async (paths: string[]) => {
      const before = recorded().length;
      await Promise.all(paths.map((path) => (FAILURES.find(([, p]) => p === path)?.[3] ? hurried : patient).post(imageFrom(path))));
      await expect.poll(() => recorded().length, { timeout: 15_000 }).toBe(before + paths.length);
    };
    // One of each first, so that what is opened once for good (the databases, pooled timers) is in the baseline.
    await send(FAILURES.map(([, path]) => path));
    const baseline = openDescriptors().length;

    const ROUNDS = 15;
    await send(FAILURES.flatMap(([, path]) => Array.from({ length: ROUNDS }, () => path)));

    // Each failure is recorded with what happened, never a bare "aborted".
    for (const [label, path, reason] of FAILURES) {
      const rows = recorded().filter((row) => row.media_url.endsWith(path));
      expect(rows.map((row) => row.media_error), label).toEqual(Array(ROUNDS + 1).fill(typeof reason === 'string' ? reason : expect.stringMatching(reason)));
    }
    // Nothing of them is held: no descriptor on a (deleted) partial file, no file left in MEDIA_DIR.
    expect(openDescriptors().filter((target) => target.startsWith(dir))).toEqual([]);
    expect(filesUnder(dir)).toEqual([]);
    // The host's side of each connection closes a moment after ours: wait for the count, it never comes back on a leak.
    await expect.poll(() => openDescriptors().length, { timeout: 5000 }).toBeLessThanOrEqual(baseline);

    await send(['/photo.jpg']);
    expect(filesUnder(dir).map((file) => file.bytes)).toEqual([host.files['/photo.jpg']!.length]);
  });
});
