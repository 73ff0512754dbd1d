// Everyday questions against a shop's knowledge files, on both backends: the same set, the same files, so that the
// hit rates can be compared. A question is found when the section that answers it is among the sections the model
// receives (the first three); "first" counts those where it ranks first.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createKnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { silentLogger } from '../src/logger.js';
import { openPostgresStorage } from '../src/store/pg/storage.js';
import { openSqliteStorage } from '../src/store/sqlite-storage.js';
import type { Storage } from '../src/store/storage.js';
import { tempDir } from './helpers/app.js';
import { backends, freshPostgresDatabase, type Backend } from './helpers/postgres.js';

const SHOP = fileURLToPath(new URL('./fixtures/knowledge-shop', import.meta.url));
const SECTIONS_SENT = 3; // what src/agent/decide.ts gives the model

/** Each question with the section(s) that answer it (either language's, where the shop has both). */
const QUESTIONS: [question: string, answeredBy: string[]][] = [
  // Indonesian, as customers write it
  ['kak mau tanya ongkirnya berapa ya', ['Ongkos kirim (ongkir)']],
  ['pembayarannya gimana kak', ['Pembayaran']],
  ['bisa COD?', ['COD (bayar di tempat)']],
  ['ongkir ke surabaya berapa', ['Ongkos kirim (ongkir)']],
  ['gratis ongkirkah kalau belanja banyak?', ['Ongkos kirim (ongkir)']],
  ['bayarnya bisa pakai qris gak', ['Pembayaran']],
  ['bisa bayar di tempat ga kak', ['COD (bayar di tempat)']],
  ['transfernya ke rekening bank apa', ['Pembayaran', 'Payment methods']],
  ['pengirimannya berapa lama ya', ['Lama pengiriman']],
  ['kapan pesananku dikirim', ['Lama pengiriman']],
  ['gimana cara melacak paketnya', ['Lacak pesanan']],
  ['nomor resinya mana kak', ['Lacak pesanan', 'Lama pengiriman']],
  ['barangnya bisa ditukar gak kalau kekecilan', ['Retur dan penukaran']],
  ['kalau mau mengembalikan barang gimana', ['Retur dan penukaran']],
  ['penukarannya berapa hari', ['Retur dan penukaran']],
  ['tasnya bergaransi?', ['Garansi']],
  ['garansinya berapa lama', ['Garansi']],
  ['cara merawat tas kulit gimana', ['Perawatan kulit']],
  ['tokonya buka jam berapa', ['Jam buka']],
  ['hari minggu melayani gak', ['Jam buka']],
  ['alamat tokonya dimana', ['Alamat toko']],
  ['pesanannya boleh diambil sendiri?', ['Alamat toko']],
  ['ada diskonnya gak kak', ['Diskon dan promo']],
  ['kode promonya bisa dipakai berkali-kali?', ['Diskon dan promo']],
  ['mau beli grosir bisa?', ['Grosir dan reseller']],
  ['stoknya masih ada kak?', ['Ukuran dan stok']],
  ['ukurannya berapa', ['Ukuran dan stok']],
  // English
  ['how long does shipping take', ['Shipping', 'Lama pengiriman']],
  ['how much is delivery to Bali', ['Shipping']],
  ['what payment methods do you accept', ['Payment methods']],
  ['can I pay by bank transfer', ['Payment methods', 'Pembayaran']],
  ['can I return a bag', ['Returns and exchanges']],
  ['do you do exchanges', ['Returns and exchanges']],
  ['is there a warranty', ['Warranty']],
  ['what are your opening hours', ['Opening hours']],
  ['are you open on sundays', ['Opening hours']],
  ['how do I clean leather', ['Leather care']],
  ['where is your store', ['Store address']],
];

const opened: Storage[] = [];
afterAll(async () => {
  for (const storage of opened.splice(0)) await storage.close().catch(() => {});
});

async function open(backend: Backend): Promise<Storage> {
  const storage =
    backend === 'sqlite'
      ? openSqliteStorage(join(tempDir(), 'bot.db'), { busyTimeoutMs: 2000 })
      : await openPostgresStorage({ url: await freshPostgresDatabase(), poolSize: 2, deadlineMs: 5000, logger: silentLogger });
  opened.push(storage);
  return storage;
}

interface Score {
  found: number;
  first: number;
  /** Each question whose section was not sent to the model, with what was sent instead. */
  missed: string[];
  /** Each question whose section was sent, but not first. */
  notFirst: string[];
}

async function score(backend: Backend): Promise<Score> {
  const knowledge = createKnowledgeBase({ index: (await open(backend)).knowledge, dir: SHOP, logger: silentLogger });
  await knowledge.refresh();
  const result: Score = { found: 0, first: 0, missed: [], notFirst: [] };
  for (const [question, answeredBy] of QUESTIONS) {
    const headings = (await knowledge.search(question, SECTIONS_SENT)).map((hit) => hit.heading);
    const what = `${question} → ${headings.join(' | ') || '(nothing)'}`;
    if (answeredBy.includes(headings[0] ?? '')) result.first++;
    else if (headings.some((heading) => answeredBy.includes(heading))) result.notFirst.push(what);
    else result.missed.push(what);
    if (headings.some((heading) => answeredBy.includes(heading))) result.found++;
  }
  return result;
}

const scores = new Map<Backend, Score>();
const rate = (n: number) => `${n}/${QUESTIONS.length} (${Math.round((100 * n) / QUESTIONS.length)}%)`;

describe('everyday questions find their section', () => {
  it('the set has at least 30 questions in Indonesian and English', () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(30);
  });

  for (const backend of backends) {
    it(`on ${backend}`, async () => {
      const result = await score(backend);
      scores.set(backend, result);
      const list = (title: string, lines: string[]) => (lines.length ? `\n  ${title}:\n    ${lines.join('\n    ')}` : '');
      console.log(`knowledge hit rate on ${backend}: found ${rate(result.found)}, ranked first ${rate(result.first)}${list('missed', result.missed)}${list('found, not first', result.notFirst)}`);
      expect(result.found / QUESTIONS.length).toBeGreaterThanOrEqual(0.9);
    });
  }

  it.runIf(backends.includes('postgres'))('SQLite finds at least what PostgreSQL finds', () => {
    expect(scores.get('sqlite')!.found).toBeGreaterThanOrEqual(scores.get('postgres')!.found);
  });
});

describe.each(backends)('Indonesian affixes do not hide a match (%s)', (backend) => {
  const sections = [
    { file: 'faq.md', heading: 'Ongkir', body: 'Dihitung dari berat paket dan kota tujuan.' },
    { file: 'faq.md', heading: 'Pembayaran', body: 'Transfer bank dan QRIS.' },
    { file: 'faq.md', heading: 'Garansi', body: 'Jahitan dijamin satu tahun.' },
    { file: 'faq.md', heading: 'Jadwal', body: 'Kami kirim paket setiap hari kerja.' },
    { file: 'faq.md', heading: 'Penukaran', body: 'Boleh dalam 7 hari.' },
    { file: 'faq.md', heading: 'Pembelian grosir', body: 'Minimal 10 buah.' },
    { file: 'faq.md', heading: 'Toko', body: 'Jl. Kemang Raya 12, Jakarta.' },
  ];
  // Each word is written as a customer would, its section holds only another form of it.
  const cases: [affix: string, word: string, heading: string][] = [
    ['-nya', 'ongkirnya', 'Ongkir'],
    ['-lah', 'kirimlah', 'Jadwal'],
    ['-kah', 'garansikah', 'Garansi'],
    ['-pun', 'ongkirpun', 'Ongkir'],
    ['-ku', 'pembayaranku', 'Pembayaran'],
    ['-mu', 'tokomu', 'Toko'],
    ['me-', 'menukar', 'Penukaran'],
    ['mem-', 'membayar', 'Pembayaran'],
    ['pem-', 'pembeli', 'Pembelian grosir'],
    ['di-', 'dikirim', 'Jadwal'],
    ['ber-', 'bergaransi', 'Garansi'],
    ['ter-', 'terkirim', 'Jadwal'],
  ];
  let storage: Storage;
  it('indexes the sections', async () => {
    storage = await open(backend);
    expect(await storage.knowledge.replace(sections, 'v1')).toBe(true);
  });
  it.each(cases)('%s: "%s" finds %s', async (_affix, word, heading) => {
    const hits = await storage.knowledge.search({ terms: [word], limit: 5 });
    expect(hits.map((hit) => hit.heading)).toEqual([heading]);
    // The section comes back as written, whatever the index keeps beside it.
    expect(hits[0]).toMatchObject(sections.find((section) => section.heading === heading)!);
    expect(await storage.knowledge.countMatchingTerms({ rowid: hits[0]!.rowid, terms: [word, 'pisang'] })).toBe(1);
  });
});

describe('on SQLite, where PostgreSQL\'s stemmer leaves words apart', () => {
  // PostgreSQL's Snowball stemmer makes "pengiriman" "irim" but "dikirim" "kirim", and "penukaran" "ukar" while "tukar"
  // stays "tukar"; it leaves words of two syllables whole, "tasnya" and "stoknya" among them.
  it.each([
    ['dikirim', 'Pengiriman'],
    ['tukar', 'Penukaran'],
    ['kembali', 'Pengembalian'],
    ['tasnya', 'Tas kulit'],
    ['stoknya', 'Stok'],
    ['tasku', 'Tas kulit'],
  ])('"%s" finds %s', async (word, heading) => {
    const storage = await open('sqlite');
    await storage.knowledge.replace([{ file: 'faq.md', heading, body: 'Setiap hari kerja.' }, { file: 'faq.md', heading: 'Lain', body: 'Hal lain.' }], 'v1');
    expect((await storage.knowledge.search({ terms: [word], limit: 5 })).map((hit) => hit.heading)).toEqual([heading]);
  });
});

describe('an index written before the Indonesian forms existed', () => {
  it('is rebuilt, even though the files did not change', async () => {
    const path = join(tempDir(), 'bot.db');
    const sections = [
      { file: 'faq.md', heading: 'Ongkos kirim (ongkir)', body: 'Dihitung dari berat paket.' },
      { file: 'faq.md', heading: 'Jam buka', body: 'Senin sampai Sabtu.' },
    ];
    const before = openSqliteStorage(path, { busyTimeoutMs: 2000 });
    await before.close();
    // What the previous version left: the sections as written, marked with the files' version alone.
    const raw = new Database(path);
    for (const s of sections) raw.prepare('INSERT INTO knowledge (file, heading, body) VALUES (?, ?, ?)').run(s.file, s.heading, s.body);
    raw.prepare("INSERT INTO settings (key, value) VALUES ('knowledge_version', 'v1')").run();
    raw.close();

    const storage = openSqliteStorage(path, { busyTimeoutMs: 2000 });
    opened.push(storage);
    expect(await storage.knowledge.replace(sections, 'v1')).toBe(true);
    expect((await storage.knowledge.search({ terms: ['ongkirnya'], limit: 5 })).map((hit) => hit.heading)).toEqual(['Ongkos kirim (ongkir)']);
    expect(await storage.knowledge.replace(sections, 'v1')).toBe(false);
  });
});
