// One conversation (/console/c/NUMBER): the transcript as a chat, marked as `transcripts show` marks it (the same
// sentMarks), with kept photos inline, voice notes playable with their transcript and documents to download, served
// by the console's own URLs; operators' notes and actions in their place; and the actions' forms.
import type { Child } from 'hono/jsx';
import { formatTime, sentMarks, toolCallLines } from '../cli/format.js';
import type { TranscriptRow } from '../store/storage.js';
import { readWebhookReply, type OutgoingMessage } from '../whatspie/reply.js';
import { conversationUrl } from './inbox.js';
import { Layout } from './layout.js';
import { inlineType } from './media.js';
import { ui } from './text.js';

export interface TimelineNote {
  id: number;
  operator: string;
  text: string;
  createdAt: number;
}

export interface TimelineAction {
  id: number;
  operator: string;
  action: string;
  detail: string | null;
  at: number;
}

export interface ConversationPageProps {
  operator: { name: string };
  liveMark?: string;
  contact: { phone: string; name: string | null };
  state: 'bot' | 'waiting' | 'taken-over';
  stateText: string;
  rows: TranscriptRow[];
  notes: TimelineNote[];
  actions: TimelineAction[];
  labels: string[];
  catalog: { id: string; label: string }[];
  apiConfigured: boolean;
  flash: { kind: 'ok' | 'error'; text: string } | null;
}

type Entry = { at: number; order: number; node: Child };

export function ConversationPage(props: ConversationPageProps) {
  const base = conversationUrl(props.contact.phone);
  const entries: Entry[] = [
    ...props.rows.map((row) => ({ at: row.createdAt, order: 0, node: <Message row={row} /> })),
    ...props.notes.map((note) => ({
      at: note.createdAt,
      order: 1,
      node: (
        <li class="msg note">
          <span class="meta">
            {ui.noteBy(note.operator)} · <time>{formatTime(note.createdAt)}</time>
          </span>
          <span>{note.text}</span>
        </li>
      ),
    })),
    ...props.actions.map((action) => ({
      at: action.at,
      order: 2,
      node: (
        <li class="msg action">
          <time>{formatTime(action.at)}</time> · {action.operator}: {action.action}
          {action.detail ? ` (${action.detail})` : ''}
        </li>
      ),
    })),
  ].sort((a, b) => a.at - b.at || a.order - b.order);
  return (
    <Layout title={props.contact.name ?? props.contact.phone} operator={props.operator} liveMark={props.liveMark}>
      <h1>
        {/* bdi: a name's own direction marks (U+202E…) never reorder the number or the time beside it. */}
        <bdi>{props.contact.name ?? props.contact.phone}</bdi> <span class="muted">{props.contact.phone}</span>
      </h1>
      {props.flash && <p class={`banner ${props.flash.kind}`} role="status">{props.flash.text}</p>}
      <div id="conversation-state" data-live>
        <p>
          <span class={`state ${props.state === 'waiting' ? 'waiting' : props.state === 'taken-over' ? 'taken' : ''}`}>{props.stateText}</span>{' '}
          {props.labels.map((label) => (
            <span class="label">{label}</span>
          ))}
        </p>
      </div>
      <ol class="chat" id="transcript" data-live aria-label="Transcript">
        {entries.map((entry) => entry.node)}
      </ol>
      <div class="actions">
        <form method="post" action={`${base}/reply`} enctype="application/x-www-form-urlencoded">
          <label for="reply-text">{ui.reply}</label>
          {!props.apiConfigured && <p class="banner">{ui.noApi}</p>}
          <textarea id="reply-text" name="text"></textarea>
          {props.catalog.length > 0 && (
            <div class="line">
              <label for="reply-media" class="muted">{ui.catalogFile}</label>
              <select id="reply-media" name="mediaId">
                <option value="">{ui.noFile}</option>
                {props.catalog.map((item) => (
                  <option value={item.id}>{item.label}</option>
                ))}
              </select>
            </div>
          )}
          <div class="line">
            <button type="submit">{ui.send}</button>
          </div>
        </form>
        <form method="post" action={`${base}/note`}>
          <label for="note-text">{ui.note}</label>
          <textarea id="note-text" name="text"></textarea>
          <div class="line">
            <button type="submit">{ui.addNote}</button>
          </div>
        </form>
        <div>
          {/* Waiting for a human, an operator may still claim the conversation (taken over by NAME). */}
          {props.state !== 'taken-over' && (
            <form method="post" action={`${base}/take-over`}>
              <button type="submit">{ui.takeOver}</button>
            </form>
          )}
          {props.state !== 'bot' && (
            <form method="post" action={`${base}/hand-back`}>
              <button type="submit" class={props.state === 'waiting' ? 'secondary' : undefined}>{ui.handBack}</button>
            </form>
          )}
        </div>
        <form method="post" action={`${base}/labels`}>
          <label for="label-text">{ui.label}</label>
          <div class="line">
            <input id="label-text" type="text" name="label" maxlength={40} />
            <button type="submit">{ui.addLabel}</button>
          </div>
          {props.labels.length > 0 && (
            <div class="line">
              {props.labels.map((label) => (
                <button type="submit" class="secondary" name="remove" value={label} aria-label={ui.removeLabel(label)}>
                  {`✕ ${label}`}
                </button>
              ))}
            </div>
          )}
        </form>
      </div>
      <details class="forget">
        <summary>{ui.forget}</summary>
        <form method="post" action={`${base}/forget`}>
          <p>{ui.forgetWarning}</p>
          <label for="forget-number">{ui.forgetConfirm}</label>
          <div class="line">
            <input id="forget-number" type="text" name="confirm" inputmode="tel" autocomplete="off" required />
            <button type="submit" class="danger">{ui.forgetButton}</button>
          </div>
        </form>
      </details>
    </Layout>
  );
}

function Message(props: { row: TranscriptRow }) {
  const { row } = props;
  if (row.direction === 'in') {
    return (
      <li class="msg in" id={`m${row.id}`}>
        <span class="meta">
          <bdi>{row.name ?? row.phone}</bdi> · <time>{formatTime(row.createdAt)}</time>
        </span>
        <Received row={row} />
      </li>
    );
  }
  const byOperator = row.operator ?? (row.model === 'operator' ? ui.anOperator : null);
  const marks = sentMarks(row);
  let replies: OutgoingMessage[] = [];
  try {
    replies = readWebhookReply(JSON.parse(row.replyJson ?? 'null')) ?? [];
  } catch {
    // An unreadable row is shown by its text.
  }
  return (
    <li class={`msg out${byOperator ? ' operator' : ''}`} id={`m${row.id}`}>
      <span class="meta">
        {byOperator ? ui.operator(byOperator) : ui.bot} · <time>{formatTime(row.createdAt)}</time>
      </span>
      {/* The lookups in the shop's systems the model made for this reply, as `transcripts show` prints them. */}
      {toolCallLines(row).map((lookup) => (
        <span class="mark info lookup">{`${ui.lookup}: ${lookup}`}</span>
      ))}
      {row.kind === 'silent' || replies.length === 0 ? <span class="muted">{row.text ?? ''}</span> : replies.map((reply) => <Sent reply={reply} />)}
      {marks.length > 0 && (
        <span>
          {marks.map((mark) => (
            <span class={/^(LATE|UNDELIVERED|FAILED|DELIVERY|FALLBACK)/.test(mark) ? 'mark' : 'mark info'}>{mark}</span>
          ))}
        </span>
      )}
    </li>
  );
}

function Sent(props: { reply: OutgoingMessage }) {
  const { reply } = props;
  switch (reply.kind) {
    case 'text':
      return <p>{reply.text}</p>;
    case 'reaction':
      return <p>{reply.emoji}</p>;
    case 'image':
      return (
        <p>
          [image] {reply.caption ?? ''} <a href={reply.url} rel="noreferrer noopener">{reply.url}</a>
        </p>
      );
    case 'document':
      return (
        <p>
          [document] {reply.fileName} {reply.caption ?? ''} <a href={reply.url} rel="noreferrer noopener">{reply.url}</a>
        </p>
      );
  }
}

function Received(props: { row: TranscriptRow }) {
  const { row } = props;
  const src = `/console/media/${row.id}`;
  const kept = row.mediaPath !== null;
  const shown = inlineType(row.mediaType);
  const notKept = !kept && row.mediaError ? <span class="mark info">{ui.fileKeptNot(row.mediaError)}</span> : null;
  switch (row.kind) {
    case 'text':
      return <p>{row.text ?? ''}</p>;
    case 'image':
      return (
        <>
          {kept && shown?.startsWith('image/') ? <img src={src} alt={row.mediaCaption ?? 'photo'} loading="lazy" /> : kept ? <a href={src}>{ui.download}</a> : <span class="muted">[image]</span>}
          {row.mediaCaption && <p>{row.mediaCaption}</p>}
          {notKept}
        </>
      );
    case 'audio':
      return (
        <>
          <span class="muted">{`[${ui.voiceNote}${row.text ? `, ${row.text} s` : ''}]`}</span>
          {kept && shown?.startsWith('audio/') ? <audio controls preload="none" src={src}></audio> : kept ? <a href={src}>{ui.download}</a> : null}
          {row.transcription && <p>{`«${row.transcription}»`}</p>}
          {notKept}
        </>
      );
    case 'document':
      return (
        <>
          <p>
            {`[document] ${row.mediaFileName ?? ''}`} {kept && <a href={src} download={row.mediaFileName ?? undefined}>{ui.download}</a>}
          </p>
          {row.mediaCaption && <p>{row.mediaCaption}</p>}
          {notKept}
        </>
      );
    case 'contact':
      return <p>{`[${ui.sharedContact}] ${row.text ?? ''}`}</p>;
    default:
      return (
        <>
          <p class="muted">{`[${ui.notSupported(row.kind.replace(/^unknown:/, ''))}]`}</p>
          {kept && <a href={src}>{ui.download}</a>}
        </>
      );
  }
}
