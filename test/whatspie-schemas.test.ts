import { describe, expect, it } from 'vitest';
import { parseInbound } from '../src/whatspie/inbound.js';
import { webhookReplySchema } from '../src/whatspie/reply.js';
import { inboundFixture, inboundNames, replyFixture, replyNames } from './helpers/fixtures.js';

describe('inbound payloads', () => {
  it.each(inboundNames)('the documented %s example is accepted', (name) => {
    const result = parseInbound(inboundFixture(name));
    expect(result.ok).toBe(true);
  });

  it('reads each documented kind into what the agent needs', () => {
    const kinds = inboundNames.map((name) => {
      const r = parseInbound(inboundFixture(name));
      return r.ok ? r.message.content : null;
    });
    expect(kinds).toEqual([
      { kind: 'text', text: 'Hello, I need help with my order' },
      { kind: 'image', url: expect.stringMatching(/\.jpeg$/), caption: 'Check out this product!' },
      { kind: 'document', url: expect.stringMatching(/\.pdf$/), caption: 'Please review this document', fileName: 'contract_agreement.pdf' },
      { kind: 'audio', url: expect.stringMatching(/\.oga$/), seconds: 15 },
      { kind: 'contact', contacts: [{ name: 'Tech Support', vcard: expect.stringContaining('TEL;') }] },
    ]);
  });

  it('accepts the optional fields missing, null, or spelled as an older doc page does', () => {
    const { from_user, participant, is_broadcast, is_forwarded, ...bare } = inboundFixture('text');
    const minimal = parseInbound(bare);
    expect(minimal.ok && minimal.message).toMatchObject({ senderName: null, jid: '62856123456@s.whatsapp.net', isForwarded: false });
    const nulls = parseInbound({ ...bare, from_user: null, participant: null, is_broadcast: null, is_forwarded: null });
    expect(nulls.ok).toBe(true);
    const oldSpelling = parseInbound({ ...bare, is_forwared: true });
    expect(oldSpelling.ok && oldSpelling.message.isForwarded).toBe(true);
  });

  it('accepts a type the docs do not list, as an unknown message, keeping the link to its file when it has one', () => {
    const image = inboundFixture('image') as { file: { url: string } };
    const sticker = parseInbound({ ...image, type: 'stickerMessage' });
    expect(sticker.ok && sticker.message.content).toEqual({ kind: 'unknown', type: 'stickerMessage', url: image.file.url });
    const location = parseInbound({ ...inboundFixture('text'), type: 'locationMessage' });
    expect(location.ok && location.message.content).toEqual({ kind: 'unknown', type: 'locationMessage', url: null });
  });

  it.each([
    ['a missing sender', { from: undefined }, 'from'],
    ['a missing message id', { message_id: undefined }, 'message_id'],
    ['a fractional timestamp', { timestamp: 1.5 }, 'timestamp'],
    ['a timestamp as text', { timestamp: '1581651709' }, 'timestamp'],
    ['a text message without text', { message: undefined }, 'message'],
  ])('rejects %s and names the field', (_label, change, field) => {
    const result = parseInbound({ ...inboundFixture('text'), ...change });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toContain(field);
  });

  it('reads a NUL in any text as U+FFFD (so that both databases store the same text), ids and links included', () => {
    const doc = inboundFixture('document') as { file: Record<string, string> };
    const parsed = parseInbound({
      ...doc,
      from: '6285\u00006123456',
      message_id: 'DOC\u0000ID',
      participant: 'p\u0000',
      from_user: { name: 'Ja\u0000ne', jid: 'j\u0000id' },
      file: { ...doc.file, url: `${doc.file.url}?a=\u0000`, caption: 'cap\u0000tion', fileName: 'con\u0000tract.pdf' },
    });
    // Everything read from it, that is; `raw` stays the body exactly as posted (JSON, where a NUL is the text \u0000).
    expect(parsed.ok && JSON.stringify({ ...parsed.message, raw: undefined })).not.toContain('\\u0000');
    expect(parsed.ok && parsed.message).toMatchObject({
      from: '6285\uFFFD6123456',
      messageId: 'DOC\uFFFDID',
      participant: 'p\uFFFD',
      senderName: 'Ja\uFFFDne',
      jid: 'j\uFFFDid',
      content: { kind: 'document', url: `${doc.file.url}?a=\uFFFD`, caption: 'cap\uFFFDtion', fileName: 'con\uFFFDtract.pdf' },
    });
    const contact = parseInbound({ ...inboundFixture('contact'), contacts: [{ displayName: 'Ri\u0000na', vcard: 'FN:Ri\u0000na' }] });
    expect(contact.ok && contact.message.content).toEqual({ kind: 'contact', contacts: [{ name: 'Ri\uFFFDna', vcard: 'FN:Ri\uFFFDna' }] });
    const unknown = parseInbound({ ...inboundFixture('text'), type: 'sticker\u0000Message' });
    expect(unknown.ok && unknown.message.content).toMatchObject({ kind: 'unknown', type: 'sticker\uFFFDMessage' });
  });

  it('rejects an image message without its file', () => {
    const result = parseInbound({ ...inboundFixture('image'), file: undefined });
    expect(!result.ok && result.problem).toContain('file');
  });

  it.each([[null], [[]], ['text'], [42]])('rejects a body that is not an object: %j', (body) => {
    expect(parseInbound(body).ok).toBe(false);
  });
});

describe('reply formats', () => {
  it.each(replyNames)('the documented %s reply passes our schema', (name) => {
    expect(webhookReplySchema.safeParse(replyFixture(name)).success).toBe(true);
  });

  it.each([
    ['an empty text', { type: 'chat', body: '  ' }],
    ['a reaction that is not an emoji', { type: 'reaction', body: 'ok' }],
    ['an image without a url', { type: 'chat', body: '', params: { image: {} } }],
    ['a document without a file name', { type: 'chat', body: '', params: { document: { url: 'https://x.test/a.pdf' }, mimeType: 'application/pdf' } }],
    ['a deprecated button reply', { type: 'button', body: 'hi' }],
    ['an unknown field', { type: 'chat', body: 'hi', buttons: [] }],
  ])('rejects %s', (_label, reply) => {
    expect(webhookReplySchema.safeParse(reply).success).toBe(false);
  });
});
