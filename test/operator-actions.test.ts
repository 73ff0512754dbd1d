// The operator actions below the console and the transcripts tool: an operator's reply is theirs by name wherever a
// transcript is read, a note never reaches the customer (nor the model), labels are kept per conversation.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ActionRefused, addLabel, addNote, handBack, reply, takeOver, type OperatorActionDeps } from '../src/agent/operator-actions.js';
import { runTranscripts } from '../src/cli/transcripts.js';
import { whatspieApiFrom } from '../src/compose.js';
import type { Contact } from '../src/store/conversation-store.js';
import type { Storage } from '../src/store/storage.js';
import { jsonOf, makeBot, makeBotOn, WHATSPIE_DEVICE, WHATSPIE_TOKEN, type AnyBot } from './helpers/app.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { textFrom } from './helpers/fixtures.js';
import { llmRequests, replyWith, until } from './helpers/llm.js';
import { backends } from './helpers/postgres.js';

const api = fakeWhatspieForThisFile();

function deps(storage: Storage, options: Partial<OperatorActionDeps> = {}): OperatorActionDeps {
  return {
    storage,
    api: whatspieApiFrom({ WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: api.url }),
    now: Date.now,
    handoffHours: 24,
    ...options,
  };
}

async function transcripts(where: string, argv: string[]) {
  const out: string[] = [];
  const settings = { DATABASE_PATH: where, HANDOFF_HOURS: 24, WHATSPIE_API_TOKEN: WHATSPIE_TOKEN, WHATSPIE_DEVICE, WHATSPIE_API_URL: api.url };
  const code = await runTranscripts([...argv, '--db', where], { out: (t) => out.push(t), err: (t) => out.push(t), settings, now: Date.now() });
  return { code, out: out.join('\n') };
}

async function customer(bot: AnyBot, phone: string): Promise<Contact> {
  replyWith({ content: 'The bot answers.' });
  await bot.post(textFrom(phone, 'Where is my order?'));
  return (await bot.storage.conversations.contactByPhone(phone))!;
}

/** The `transcript` view's rows for a number, as `SELECT who, text FROM transcript` shows them. */
async function viewRows(bot: AnyBot & { databaseUrl: string | null }, phone: string): Promise<{ who: string; text: string }[]> {
  if (!bot.databaseUrl) return (bot as unknown as { db: { $client: { prepare(s: string): { all(p: string): unknown[] } } } }).db.$client.prepare('SELECT who, text FROM transcript WHERE phone = ?').all(phone) as { who: string; text: string }[];
  const client = new pg.Client({ connectionString: bot.databaseUrl });
  await client.connect();
  try {
    return (await client.query('SELECT who, text FROM transcript WHERE phone = $1', [phone])).rows as { who: string; text: string }[];
  } finally {
    await client.end();
  }
}

describe.each(backends)('operator actions on %s', (backend) => {
  it("an operator's reply is recorded under their name in transcripts show, the export and the SQL transcript view", async () => {
    const bot = await makeBotOn(backend, { whatspieApiUrl: api.url });
    const where = bot.databaseUrl ?? (bot as unknown as { dbPath: string }).dbPath;
    const contact = await customer(bot, '6281900000501');
    const { rowId } = await reply(deps(bot.storage), { contact, by: 'Dewi', text: 'It ships today.' });
    await until(async () => (await bot.storage.outbox.deliveryOfRow(rowId)).state === 'sent');
    expect(api.sent[0]!.body).toMatchObject({ receiver: '6281900000501', params: { text: 'It ships today.' } });

    const show = await transcripts(where, ['show', '6281900000501']);
    expect(show.out).toMatch(/ {2}bot\s+\[text\] The bot answers\./);
    expect(show.out).toMatch(/\d\d {2}operator Dewi\s+\[text\] It ships today\.$/m);
    expect(show.out).toContain('Waiting for a human since');

    const exported = (await transcripts(where, ['export', '--contact', '6281900000501'])).out.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(exported.map((row) => [row.who, row.text])).toEqual([
      ['customer', 'Where is my order?'],
      ['bot', 'The bot answers.'],
      ['operator Dewi', 'It ships today.'],
    ]);
    const csv = (await transcripts(where, ['export', '--format', 'csv', '--contact', '6281900000501'])).out;
    expect(csv.split('\n')[0]!.split(',').at(-1)).toBe('who');
    expect(csv).toMatch(/,operator Dewi$/m);

    expect(await viewRows(bot, '6281900000501')).toEqual([
      { who: 'customer', text: 'Where is my order?' },
      { who: 'bot', text: 'The bot answers.' },
      { who: 'operator Dewi', text: 'It ships today.' },
    ]);
  }, 120_000);

  it('a note is never sent to the customer nor shown to the model, and transcripts show marks it as internal', async () => {
    const bot = await makeBotOn(backend, { whatspieApiUrl: api.url });
    const where = bot.databaseUrl ?? (bot as unknown as { dbPath: string }).dbPath;
    const contact = await customer(bot, '6281900000502');
    await addNote(deps(bot.storage), { contact, by: 'Dewi', text: 'Refund approved by the owner; secret code 4417' });
    expect((await transcripts(where, ['note', '6281900000502', 'Called', 'back'])).code).toBe(0);

    // The bot answers the next message without a word of the notes; then a reply goes out, alone.
    replyWith({ content: 'Anything else?' });
    expect(await jsonOf(bot.post(textFrom('6281900000502', 'Hello again')))).toMatchObject({ type: 'chat', body: 'Anything else?' });
    expect(JSON.stringify(llmRequests.at(-1))).not.toContain('4417');
    await reply(deps(bot.storage), { contact, by: 'Dewi', text: 'Your refund is on its way.' });
    await until(() => api.sent.length === 1);
    expect(api.sent.map((request) => request.body.params.text)).toEqual(['Your refund is on its way.']);

    const show = (await transcripts(where, ['show', '6281900000502'])).out;
    expect(show).toMatch(/note by Dewi {5}\s*\(internal, never sent\) Refund approved by the owner; secret code 4417/);
    expect(show).toMatch(/note by terminal\s+\(internal, never sent\) Called back/);
    expect(show.indexOf('Refund approved')).toBeLessThan(show.indexOf('Hello again'));
  }, 120_000);

  it('labels are free words on a conversation: listed per contact, by label, and taken off again', async () => {
    const bot = await makeBotOn(backend);
    const where = bot.databaseUrl ?? (bot as unknown as { dbPath: string }).dbPath;
    const ana = await customer(bot, '6281900000503');
    const budi = await customer(bot, '6281900000504');
    expect(await addLabel(deps(bot.storage), { contact: ana, by: 'Dewi', label: 'VIP' })).toBe(true);
    expect(await addLabel(deps(bot.storage), { contact: ana, by: 'Dewi', label: 'vip' })).toBe(false);
    expect((await transcripts(where, ['label', '6281900000504', 'vip'])).out).toBe('Labelled Customer 6281900000504 (6281900000504) "vip".');
    expect((await transcripts(where, ['label', '6281900000504', 'refund'])).code).toBe(0);
    await expect(addLabel(deps(bot.storage), { contact: ana, by: 'Dewi', label: 'two words' })).rejects.toThrow('a label is one word');

    const { annotations } = bot.storage;
    expect((await annotations.labels(budi.id)).map((l) => [l.label, l.operator])).toEqual([['refund', 'terminal'], ['vip', 'terminal']]);
    expect(Object.fromEntries(await annotations.labelsOf([ana.id, budi.id]))).toEqual({ [ana.id]: ['vip'], [budi.id]: ['refund', 'vip'] });
    expect((await annotations.contactsWithLabel('vip')).map((c) => c.phone).sort()).toEqual(['6281900000503', '6281900000504']);
    expect(await annotations.allLabels()).toEqual([{ label: 'refund', contacts: 1 }, { label: 'vip', contacts: 2 }]);
    expect((await transcripts(where, ['show', '6281900000504'])).out).toContain('Labels: refund, vip');

    expect((await transcripts(where, ['unlabel', '6281900000504', 'VIP'])).out).toBe('Took the label "vip" off Customer 6281900000504 (6281900000504).');
    expect((await annotations.contactsWithLabel('vip')).map((c) => c.phone)).toEqual(['6281900000503']);
    // Who did what, kept in the audit.
    expect((await bot.storage.accounts.auditTrail({ contactId: budi.id, limit: 10 })).map((a) => [a.operator, a.action, a.detail])).toEqual([
      ['terminal', 'unlabel', 'vip'],
      ['terminal', 'label', 'refund'],
      ['terminal', 'label', 'vip'],
    ]);
  }, 120_000);
});

describe('operator actions', () => {
  it('take over silences the bot for the customer, and hand back lets it answer again; both are recorded with who did it', async () => {
    const bot = makeBot();
    const contact = await customer(bot, '6281900000505');
    await takeOver(deps(bot.storage), { contact, by: 'Dewi' });
    expect(await jsonOf(bot.post(textFrom('6281900000505', 'hello?')))).toEqual([]);
    expect((await bot.storage.conversations.contactByPhone('6281900000505'))!.handoff!.reason).toBe('taken over by Dewi');
    const waiting = (await bot.storage.conversations.contactByPhone('6281900000505'))!;
    expect(await handBack(deps(bot.storage), { contact: waiting, by: 'Budi' })).toEqual({ wasWaiting: true });
    replyWith({ content: 'Back again.' });
    expect(await jsonOf(bot.post(textFrom('6281900000505', 'anyone?')))).toMatchObject({ type: 'chat', body: 'Back again.' });
    expect((await bot.storage.accounts.auditTrail({ contactId: contact.id, limit: 5 })).map((a) => [a.operator, a.action])).toEqual([
      ['Budi', 'hand back'],
      ['Dewi', 'take over'],
    ]);
  }, 120_000);

  it('a reply can be a file of the media catalog; an unknown file and a missing API are refused with what to do', async () => {
    const bot = makeBot({ whatspieApiUrl: api.url });
    const contact = await customer(bot, '6281900000506');
    const mediaCatalog = () => [{ id: 'price-list', kind: 'document' as const, url: 'https://files.example/prices.pdf', fileName: 'prices.pdf', mimeType: 'application/pdf', caption: 'Our prices' }];
    await reply(deps(bot.storage, { mediaCatalog }), { contact, by: 'Dewi', mediaId: 'price-list' });
    await until(() => api.sent.length === 1);
    expect(api.sent[0]!.body).toMatchObject({ receiver: '6281900000506', type: 'file', params: { document: { url: 'https://files.example/prices.pdf' } } });

    await expect(reply(deps(bot.storage, { mediaCatalog }), { contact, by: 'Dewi', mediaId: 'menu' })).rejects.toThrow('no file "menu" in the media catalog');
    const refused = await reply(deps(bot.storage, { api: null }), { contact, by: 'Dewi', text: 'Hello' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ActionRefused);
    expect((refused as ActionRefused).code).toBe('not-configured');
    expect((refused as ActionRefused).message).toContain('configure WHATSPIE_API_TOKEN and WHATSPIE_DEVICE');
    // A paste gone wrong is refused whole, not sent as a string of WhatsApp messages.
    await expect(reply(deps(bot.storage, { mediaCatalog }), { contact, by: 'Dewi', text: 'a'.repeat(4001) })).rejects.toThrow('a reply may have at most 4000 characters');
    expect(api.sent).toHaveLength(1);
  }, 120_000);
});
