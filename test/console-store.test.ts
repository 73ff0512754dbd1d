// What the console reads, on both backends alike: the inbox's order, its filters (waiting, needs a reply, taken over,
// labels), the day's figures and what the bot could not answer, and the change mark the live updates poll.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { addLabel, reply, takeOver } from '../src/agent/operator-actions.js';
import { handoffCutoff } from '../src/agent/handoff-rule.js';
import { makeBotOn } from './helpers/app.js';
import { fakeWhatspieForThisFile } from './helpers/fakes.js';
import { textFrom } from './helpers/fixtures.js';
import { answerWith, completion, replyWith, toolCall } from './helpers/llm.js';
import { backends } from './helpers/postgres.js';
import { createWhatspieApi } from '../src/delivery/whatspie-client.js';
import { WHATSPIE_DEVICE, WHATSPIE_TOKEN } from './helpers/app.js';

const api = fakeWhatspieForThisFile();

describe.each(backends)('the console’s reads on %s', (backend) => {
  it('orders waiting conversations first, and filters by state, needs-a-reply and label', async () => {
    // The model's answers must not turn into fallbacks on a busy machine: the window is as long as Whatspie allows.
    const bot = await makeBotOn(backend, { deadlineMs: 4500 });
    const reads = bot.storage.console;
    const active = () => handoffCutoff(Date.now(), 24);
    replyWith({ content: 'Happy to help.' });
    await bot.post(textFrom('6281900000801', 'answered fine'));
    answerWith(() => HttpResponse.json({ error: { message: 'down' } }, { status: 500 }));
    await bot.post(textFrom('6281900000802', 'a question that fell back'));
    answerWith(() => HttpResponse.json(completion({ toolCalls: [toolCall('handoff_to_human', { reason: 'wants a person' })] })));
    await bot.post(textFrom('6281900000803', 'I want a person'));
    replyWith({ content: 'Happy to help.' });
    await bot.post(textFrom('6281900000804', 'will be taken over'));
    await bot.post(textFrom('6281900000805', 'newest, bot answering'));
    const contact = (phone: string) => bot.storage.conversations.contactByPhone(phone).then((c) => c!);
    const deps = { storage: bot.storage, api: createWhatspieApi({ baseUrl: api.url, token: WHATSPIE_TOKEN, device: WHATSPIE_DEVICE }), now: Date.now, handoffHours: 24 };
    const before = await reads.changeMark();
    await takeOver(deps, { contact: await contact('6281900000804'), by: 'dewi' });
    expect(await reads.changeMark()).not.toBe(before);
    await addLabel(deps, { contact: await contact('6281900000801'), by: 'dewi', label: 'vip' });

    const all = await reads.inbox({ filter: 'all', handoffActiveAfter: active(), limit: 100 });
    expect(all.map((r) => r.phone)).toEqual(['6281900000804', '6281900000803', '6281900000805', '6281900000802', '6281900000801']);
    const byPhone = new Map(all.map((r) => [r.phone, r]));
    expect(byPhone.get('6281900000803')).toMatchObject({ handedOverByBot: true, needsReply: true, handoffReason: expect.stringContaining('wants a person') });
    expect(byPhone.get('6281900000804')).toMatchObject({ handedOverByBot: false, needsReply: false, operator: 'dewi' });
    expect(byPhone.get('6281900000802')).toMatchObject({ needsReply: true, lastDirection: 'out' });
    expect(byPhone.get('6281900000801')).toMatchObject({ labels: ['vip'], needsReply: false });

    const phones = async (filter: 'waiting' | 'needs-reply' | 'taken-over', label?: string) =>
      (await reads.inbox({ filter, label, handoffActiveAfter: active(), limit: 100 })).map((r) => r.phone);
    expect(await phones('waiting')).toEqual(['6281900000804', '6281900000803']);
    expect(await phones('needs-reply')).toEqual(['6281900000803', '6281900000802']);
    expect(await phones('taken-over')).toEqual(['6281900000804']);
    expect((await reads.inbox({ filter: 'all', label: 'vip', handoffActiveAfter: active(), limit: 100 })).map((r) => r.phone)).toEqual(['6281900000801']);
    expect(await reads.inboxCounts({ handoffActiveAfter: active() })).toEqual({ all: 5, waiting: 2, 'needs-reply': 2, 'taken-over': 1 });
    expect(await reads.labelsInUse()).toEqual(['vip']);

    // An operator's reply answers the fallback: the conversation no longer needs one.
    await reply(deps, { contact: await contact('6281900000802'), by: 'dewi', text: 'A person here: yes we do.' });
    expect(await phones('needs-reply')).toEqual(['6281900000803']);

    const since = Date.now() - 86_400_000;
    const [day] = await reads.consoleDays({ since });
    expect(day).toMatchObject({ day: new Date().toISOString().slice(0, 10), operatorReplies: 1 });
    expect((await reads.fallbacksByDay({ since })).reduce((n, f) => n + Number(f.n), 0)).toBe(1);
    expect((await reads.handoffsByDay({ since })).map((h) => Number(h.n))).toEqual([1]);
    const unanswered = await reads.unanswered({ since, limit: 10 });
    expect(unanswered.map((u) => u.text)).toEqual(['I want a person', 'a question that fell back']);
    expect(unanswered[0]!.why).toContain('handoff');
    await bot.close();
  });
});
