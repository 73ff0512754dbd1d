// Fills a database with conversations fast (prepared statements in large transactions), for the big-history
// and cost benchmarks. Run alone: node --import tsx bench/seed-history.ts FILE [CONTACTS] [MESSAGES_PER_CONTACT]
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../src/store/db.js';

export const seededPhone = (i: number) => `6290${String(i).padStart(8, '0')}`;

/** Writes `contacts` contacts with `perContact` messages each (alternating customer and bot, a minute apart). */
export function seedHistory(path: string, options: { contacts: number; perContact: number; textLength?: number }): { messages: number; ms: number } {
  const started = performance.now();
  const db = openDatabase(path);
  const sqlite = db.$client;
  // Writes the schema's columns directly: going through storeInbound one row at a time would take minutes.
  const insertContact = sqlite.prepare('INSERT INTO contacts (phone, jid, display_name, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)');
  const insertMessage = sqlite.prepare(
    'INSERT INTO messages (contact_id, direction, wa_message_id, in_reply_to, kind, text, reply_json, fell_back, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const filler = 'I would like to know more about the leather bag in brown, and when it could be delivered. '.repeat(10);
  const textLength = options.textLength ?? 80;
  const start = Date.now() - options.perContact * 60_000 - 3_600_000;
  const batch = sqlite.transaction((from: number, to: number) => {
    for (let c = from; c < to; c++) {
      const phone = seededPhone(c);
      const contactId = Number(insertContact.run(phone, `${phone}@s.whatsapp.net`, `Customer ${c}`, start, start).lastInsertRowid);
      let lastInbound = 0;
      for (let m = 0; m < options.perContact; m++) {
        const at = start + m * 60_000;
        const text = `${m} ${filler.slice(0, textLength)}`;
        if (m % 2 === 0) {
          lastInbound = Number(insertMessage.run(contactId, 'in', `seed-${c}-${m}`, null, 'text', text, null, null, at).lastInsertRowid);
        } else {
          insertMessage.run(contactId, 'out', null, lastInbound, 'text', text, JSON.stringify({ type: 'chat', body: text, simulation: true }), 0, at);
        }
      }
    }
  });
  const perBatch = Math.max(1, Math.floor(20_000 / options.perContact));
  for (let c = 0; c < options.contacts; c += perBatch) batch(c, Math.min(options.contacts, c + perBatch));
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return { messages: options.contacts * options.perContact, ms: performance.now() - started };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, contacts = '50000', perContact = '20'] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node --import tsx bench/seed-history.ts FILE [CONTACTS] [MESSAGES_PER_CONTACT]');
    process.exit(1);
  }
  const result = seedHistory(path, { contacts: Number(contacts), perContact: Number(perContact) });
  console.log(`seeded ${result.messages} messages in ${(result.ms / 1000).toFixed(1)} s`);
}
