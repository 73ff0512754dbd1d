// How the bot is doing (/console/stats): per day over a period (the last 30 days, today included, by default), as
// bar charts drawn on the server (SVG, no script) and as a table; and what the bot could not answer. The day's
// received, model replies, fallbacks and tokens are the same query as `transcripts stats` (reports.usageByDay).
import { formatTime } from '../cli/format.js';
import type { ConsoleDay, FallbackCount, HandoffCount, UnansweredRow } from '../store/console-reads.js';
import type { UsageDay } from '../store/storage.js';
import { conversationUrl, shortText } from './inbox.js';
import { Layout } from './layout.js';
import { ui } from './text.js';

const DAY_MS = 86_400_000;

export interface StatsDay {
  day: string;
  received: number;
  modelReplies: number;
  knowledgeReplies: number;
  fallbacks: number;
  handoffs: number;
  lateReplies: number;
  operatorReplies: number;
  promptTokens: number;
  cachedTokens: number | null;
}

/** The days from `from` to `to` (YYYY-MM-DD, UTC), each with its figures (zero when nothing happened). */
export function statsDays(input: { from: string; to: string; usage: UsageDay[]; extra: ConsoleDay[]; handoffs: HandoffCount[] }): StatsDay[] {
  const usage = new Map(input.usage.map((d) => [d.day, d]));
  const extra = new Map(input.extra.map((d) => [d.day, d]));
  const handoffs = new Map(input.handoffs.map((d) => [d.day, d.n]));
  const days: StatsDay[] = [];
  for (let t = Date.parse(`${input.from}T00:00:00Z`); t <= Date.parse(`${input.to}T00:00:00Z`); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const u = usage.get(day);
    const e = extra.get(day);
    days.push({
      day,
      received: Number(u?.received ?? 0),
      modelReplies: Number(u?.modelReplies ?? 0),
      knowledgeReplies: Number(e?.knowledgeReplies ?? 0),
      fallbacks: Number(u?.fallbacks ?? 0),
      handoffs: Number(handoffs.get(day) ?? 0),
      lateReplies: Number(e?.lateReplies ?? 0),
      operatorReplies: Number(e?.operatorReplies ?? 0),
      promptTokens: Number(u?.promptTokens ?? 0),
      cachedTokens: u?.cachedTokens == null ? null : Number(u.cachedTokens),
    });
  }
  return days;
}

export interface Period {
  from: string;
  to: string;
  since: number;
  until: number;
  note: string | null;
}

/** The period asked for (?from=YYYY-MM-DD&to=YYYY-MM-DD), else the last 30 days with today; at most a year. */
export function periodOf(query: { from?: string | undefined; to?: string | undefined }, now: number): Period {
  const today = new Date(now).toISOString().slice(0, 10);
  const fallback = (note: string | null): Period => {
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
    return { from, to: today, since: Date.parse(`${from}T00:00:00Z`), until: Date.parse(`${today}T00:00:00Z`) + DAY_MS, note };
  };
  if (!query.from && !query.to) return fallback(null);
  const valid = (s: string | undefined) => s !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
  const from = query.from ?? today;
  const to = query.to || today;
  if (!valid(from) || !valid(to) || from > to || Date.parse(to) - Date.parse(from) > 366 * DAY_MS) return fallback(ui.badPeriod);
  return { from, to, since: Date.parse(`${from}T00:00:00Z`), until: Date.parse(`${to}T00:00:00Z`) + DAY_MS, note: null };
}

const count = (n: number) => n.toLocaleString('en-US');

function BarChart(props: { title: string; days: StatsDay[]; value: (d: StatsDay) => number; footer?: string }) {
  const values = props.days.map(props.value);
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const width = 300;
  const height = 80;
  const step = width / Math.max(1, values.length);
  return (
    <figure class="chart">
      <h3>{props.title}</h3>
      <span class="total">{count(total)}</span>
      <svg viewBox={`0 0 ${width} ${height + 2}`} role="img" aria-label={`${props.title}: ${count(total)} in ${values.length} days`}>
        <line x1="0" y1={height} x2={width} y2={height} stroke="#c9ced4" stroke-width="1" />
        {values.map((v, i) => {
          const h = (v / max) * (height - 4);
          return (
            <rect x={(i * step + step * 0.1).toFixed(1)} y={(height - h).toFixed(1)} width={(step * 0.8).toFixed(1)} height={h.toFixed(1)} fill="#2f7d57">
              <title>{`${props.days[i]!.day}: ${count(v)}`}</title>
            </rect>
          );
        })}
      </svg>
      {props.footer && <figcaption class="muted">{props.footer}</figcaption>}
    </figure>
  );
}

export interface StatsPageProps {
  operator: { name: string };
  liveMark?: string;
  period: Period;
  days: StatsDay[];
  fallbacks: FallbackCount[];
  unanswered: UnansweredRow[];
}

export function StatsPage(props: StatsPageProps) {
  const { days } = props;
  const prompt = days.reduce((a, d) => a + d.promptTokens, 0);
  const cachedDays = days.filter((d) => d.cachedTokens !== null);
  const cached = cachedDays.reduce((a, d) => a + (d.cachedTokens ?? 0), 0);
  const cachedShare = cachedDays.length > 0 && prompt > 0 ? ui.cachedShare(`${Math.round((cached / prompt) * 100)}%`) : undefined;
  const reasons = new Map<string, number>();
  for (const f of props.fallbacks) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + Number(f.n));
  return (
    <Layout title={ui.stats} operator={props.operator} current="stats" liveMark={props.liveMark}>
      <h1>{ui.stats}</h1>
      {props.period.note && <p class="banner">{props.period.note}</p>}
      <form class="period" method="get" action="/console/stats">
        <label>
          {ui.from}
          <input type="date" name="from" value={props.period.from} />
        </label>
        <label>
          {ui.to}
          <input type="date" name="to" value={props.period.to} />
        </label>
        <button type="submit">{ui.show}</button>
      </form>
      <div id="stats" data-live>
        <div class="charts">
          <BarChart title={ui.charts.received} days={days} value={(d) => d.received} />
          <BarChart title={ui.charts.modelReplies} days={days} value={(d) => d.modelReplies} />
          <BarChart title={ui.charts.knowledgeReplies} days={days} value={(d) => d.knowledgeReplies} />
          <BarChart title={ui.charts.fallbacks} days={days} value={(d) => d.fallbacks} footer={[...reasons].map(([r, n]) => `${r}: ${n}`).join(', ') || undefined} />
          <BarChart title={ui.charts.handoffs} days={days} value={(d) => d.handoffs} />
          <BarChart title={ui.charts.lateReplies} days={days} value={(d) => d.lateReplies} />
          <BarChart title={ui.charts.operatorReplies} days={days} value={(d) => d.operatorReplies} />
          <BarChart title={ui.charts.promptTokens} days={days} value={(d) => d.promptTokens} footer={cachedShare} />
        </div>
        <h2>{ui.couldNotAnswer}</h2>
        <p class="muted">{ui.couldNotAnswerHint}</p>
        {props.unanswered.length === 0 ? (
          <p>{ui.nothingUnanswered}</p>
        ) : (
          <ul class="unanswered" aria-label={ui.couldNotAnswer}>
            {props.unanswered.map((row) => (
              <li>
                <a href={`${conversationUrl(row.phone)}#m${row.id}`}>{shortText({ kind: row.kind, text: row.text ?? row.transcription }, 300) || '(empty)'}</a>
                <span class="muted">
                  {' · '}
                  <bdi>{row.name ?? row.phone}</bdi>
                  {` · ${formatTime(row.createdAt)} · ${row.why}`}
                </span>
              </li>
            ))}
          </ul>
        )}
        <h2>{ui.perDay}</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{ui.day}</th>
                <th scope="col">{ui.charts.received}</th>
                <th scope="col">{ui.charts.modelReplies}</th>
                <th scope="col">{ui.charts.knowledgeReplies}</th>
                <th scope="col">{ui.charts.fallbacks}</th>
                <th scope="col">{ui.charts.handoffs}</th>
                <th scope="col">{ui.charts.lateReplies}</th>
                <th scope="col">{ui.charts.operatorReplies}</th>
                <th scope="col">{ui.charts.promptTokens}</th>
              </tr>
            </thead>
            <tbody>
              {[...days].reverse().map((d) => (
                <tr>
                  <th scope="row">{d.day}</th>
                  <td>{count(d.received)}</td>
                  <td>{count(d.modelReplies)}</td>
                  <td>{count(d.knowledgeReplies)}</td>
                  <td>{count(d.fallbacks)}</td>
                  <td>{count(d.handoffs)}</td>
                  <td>{count(d.lateReplies)}</td>
                  <td>{count(d.operatorReplies)}</td>
                  <td>{`${count(d.promptTokens)}${d.cachedTokens !== null && d.promptTokens > 0 ? ` (${Math.round((d.cachedTokens / d.promptTokens) * 100)}% cached)` : ''}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </Layout>
  );
}
