// The inbox (/console): every conversation, those waiting for a human first, then by their last message; filters,
// labels and a search over every message. The list is a live region: console.js swaps it when something changes.
import { formatTime } from '../cli/format.js';
import type { InboxCounts, InboxFilter, InboxRow } from '../store/console-reads.js';
import type { TranscriptRow } from '../store/storage.js';
import { Layout } from './layout.js';
import { ui } from './text.js';

export const FILTERS: InboxFilter[] = ['waiting', 'needs-reply', 'taken-over', 'all'];

export const conversationUrl = (phone: string) => `/console/c/${encodeURIComponent(phone)}`;

/** A message in one line for a list: its text, or what kind of file it is. */
export function shortText(input: { kind: string | null; text: string | null; direction?: string | null }, max = 140): string {
  const text = (input.text ?? '').replace(/\s+/g, ' ').trim();
  const body = text || (input.kind && input.kind !== 'text' ? `[${input.kind.replace(/^unknown:/, '')}]` : '');
  return body.length > max ? `${body.slice(0, max - 1)}…` : body;
}

export function StateBadge(props: { row: Pick<InboxRow, 'handoffAt' | 'handoffReason' | 'handedOverByBot' | 'operator'>; waiting: boolean }) {
  const { row, waiting } = props;
  if (!waiting) return <span class="state">{ui.botAnswering}</span>;
  if (row.handedOverByBot) {
    return (
      <span class="state waiting">
        {ui.waitingSince(formatTime(row.handoffAt))}
        {row.handoffReason ? ` · ${row.handoffReason}` : ''}
      </span>
    );
  }
  return <span class="state taken">{ui.takenOverBy(row.operator ?? ui.anOperator)}</span>;
}

export interface InboxPageProps {
  operator: { name: string };
  liveMark?: string;
  filter: InboxFilter;
  label: string | undefined;
  query: string;
  rows: InboxRow[];
  hits: TranscriptRow[] | null;
  counts: InboxCounts;
  labels: string[];
  isWaiting: (row: InboxRow) => boolean;
}

const filterHref = (filter: InboxFilter, label?: string) => {
  const params = new URLSearchParams();
  if (filter !== 'all') params.set('filter', filter);
  if (label) params.set('label', label);
  const query = params.toString();
  return query ? `/console?${query}` : '/console';
};

export function InboxPage(props: InboxPageProps) {
  return (
    <Layout title={ui.inbox} operator={props.operator} current="inbox" liveMark={props.liveMark}>
      <h1>{ui.inbox}</h1>
      <form class="search" method="get" action="/console" role="search">
        <input type="search" name="q" value={props.query} aria-label={ui.search} />
        <button type="submit">{ui.search}</button>
      </form>
      <div id="inbox-filters" data-live>
        <ul class="filters" aria-label={ui.filtersLabel}>
          {FILTERS.map((filter) => (
            <li>
              <a href={filterHref(filter)} aria-current={!props.query && !props.label && props.filter === filter ? 'page' : undefined}>
                {`${ui.filters[filter]} (${props.counts[filter]})`}
              </a>
            </li>
          ))}
        </ul>
        {props.labels.length > 0 && (
          <ul class="filters" aria-label={ui.labelsLabel}>
            {props.labels.map((label) => (
              <li>
                <a href={filterHref(props.filter, label)} aria-current={props.label === label ? 'page' : undefined}>
                  {`# ${label}`}
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
      {props.hits ? <SearchResults query={props.query} hits={props.hits} /> : <InboxList rows={props.rows} isWaiting={props.isWaiting} />}
    </Layout>
  );
}

function InboxList(props: { rows: InboxRow[]; isWaiting: (row: InboxRow) => boolean }) {
  return (
    <div id="inbox-list" data-live>
      {props.rows.length === 0 ? (
        <p class="muted">{ui.noConversations}</p>
      ) : (
        <ul class="inbox" aria-label={ui.inbox}>
          {props.rows.map((row) => (
            <li>
              <a class="row" href={conversationUrl(row.phone)}>
                <span class="who">
                  <bdi class="name">{row.name ?? row.phone}</bdi>
                  <span class="number">{row.phone}</span>
                  <time>{formatTime(row.lastAt)}</time>
                </span>
                <span class="last">
                  {row.lastDirection === 'out' ? '↩ ' : ''}
                  {shortText({ kind: row.lastKind, text: row.lastText })}
                </span>
                <span class="who">
                  <StateBadge row={row} waiting={props.isWaiting(row)} />
                  {row.needsReply && <span class="needs">{ui.needsReply}</span>}
                  {row.labels.map((label) => (
                    <span class="label">{label}</span>
                  ))}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SearchResults(props: { query: string; hits: TranscriptRow[] }) {
  return (
    <section id="search-results" data-live>
      <h2>{ui.searchResults(props.query)}</h2>
      {props.hits.length === 0 ? (
        <p class="muted">{ui.noSearchResults}</p>
      ) : (
        <ul class="inbox">
          {props.hits.map((hit) => (
            <li>
              <a class="row" href={`${conversationUrl(hit.phone)}#m${hit.id}`}>
                <span class="who">
                  <bdi class="name">{hit.name ?? hit.phone}</bdi>
                  <span class="number">{hit.phone}</span>
                  <time>{formatTime(hit.createdAt)}</time>
                </span>
                <span class="last">
                  {hit.direction === 'out' ? '↩ ' : ''}
                  {shortText({ kind: hit.kind, text: hit.text ?? hit.transcription }, 300)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
