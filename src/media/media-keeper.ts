// Keeps every inbound file: downloaded in the background as soon as its message arrives (Whatspie's links expire),
// into MEDIA_DIR/<day>/<message id>.<ext>, with its size, type and SHA-256 recorded with the message. The webhook's
// reply never waits for a download it does not need; a voice note's transcription or an image for the model waits
// for the same download, never a second one. Downloads are shared fairly between customers (fair-queue.ts).
import { rename } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Logger } from '../logger.js';
import type { ConversationStore } from '../store/conversation-store.js';
import { download, type DownloadPolicy } from './download.js';
import { createFairQueue } from './fair-queue.js';

export interface KeptFile {
  path: string;
  bytes: number;
  contentType: string | null;
}

export interface MediaKeeper {
  /**
   * Starts keeping the file of a new message; resolves with the file, or null when it could not be had. `neededNow`:
   * the answer to this message reads the file, so it goes ahead of every customer's backlog.
   */
  keep(input: { messageId: number; customer: number; neededNow: boolean; url: string; fileName: string | null; at: number }): Promise<KeptFile | null>;
  /** Records why the file of a new message is not downloaded at all (its link stays with the message). */
  pass(messageId: number, reason: string): Promise<void>;
  /** The file of a message being (or already) kept by this process, if any. */
  fileOf(messageId: number): Promise<KeptFile | null> | undefined;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'application/pdf': '.pdf',
};

function extensionOf(fileName: string | null, url: string): string {
  const fromName = fileName ? extname(fileName) : '';
  const fromUrl = (() => {
    try {
      return extname(new URL(url).pathname);
    } catch {
      return '';
    }
  })();
  const ext = (fromName || fromUrl).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '';
}

/**
 * Downloads at once: a flood of media messages queues here rather than opening unbounded sockets and files. One
 * customer runs at most 2 at a time (and 2 more for files their answers wait for); 2 slots are only ever taken by a
 * file an answer waits for, so a backlog of documents cannot hold them all.
 */
const LIMITS = { atOnce: 8, perCustomer: 2, keptForNeededNow: 2 };

export function createMediaKeeper(deps: { dir: string; policy: DownloadPolicy; store: ConversationStore; logger: Logger }): MediaKeeper {
  const working = new Map<number, Promise<KeptFile | null>>();
  const queue = createFairQueue(LIMITS);
  return {
    keep(input) {
      const day = new Date(input.at).toISOString().slice(0, 10);
      const base = join(deps.dir, day, String(input.messageId));
      const kept = (async (): Promise<KeptFile | null> => {
        const ext = extensionOf(input.fileName, input.url);
        const result = await queue.run(input, () => download(input.url, `${base}${ext || '.bin'}`, deps.policy));
        if (!result.ok) {
          deps.logger.warn({ messageId: input.messageId, reason: result.reason }, 'could not keep an inbound file');
          await deps.store.saveMediaFile(input.messageId, { error: result.reason });
          return null;
        }
        let path = `${base}${ext || '.bin'}`;
        const better = !ext && result.contentType ? EXTENSIONS[result.contentType] : undefined;
        if (better) {
          await rename(path, `${base}${better}`);
          path = `${base}${better}`;
        }
        await deps.store.saveMediaFile(input.messageId, { path, bytes: result.bytes, contentType: result.contentType, sha256: result.sha256 });
        deps.logger.info({ messageId: input.messageId, path, bytes: result.bytes }, 'inbound file kept');
        return { path, bytes: result.bytes, contentType: result.contentType };
      })().catch((error: unknown) => {
        deps.logger.error({ messageId: input.messageId, err: (error as Error).message }, 'could not record an inbound file');
        return null;
      });
      working.set(input.messageId, kept);
      // Forgotten once done: a later reader finds it in the store.
      void kept.finally(() => setTimeout(() => working.delete(input.messageId), 60_000).unref());
      return kept;
    },
    async pass(messageId, reason) {
      try {
        await deps.store.saveMediaFile(messageId, { error: reason });
      } catch (error) {
        deps.logger.error({ messageId, err: (error as Error).message }, 'could not record an inbound file');
      }
    },
    fileOf(messageId) {
      return working.get(messageId);
    },
  };
}
