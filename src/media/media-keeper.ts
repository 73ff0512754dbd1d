// Keeps every inbound file: downloaded in the background as soon as its message arrives (Whatspie's links expire),
// into MEDIA_DIR/<day>/<message id>.<ext>, with its size, type and SHA-256 recorded with the message. The webhook's
// reply never waits for a download it does not need; a voice note's transcription or an image for the model waits
// for the same download, never a second one.
import { rename } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Logger } from '../logger.js';
import type { ConversationStore } from '../store/conversation-store.js';
import { download, type DownloadPolicy } from './download.js';

export interface KeptFile {
  path: string;
  bytes: number;
  contentType: string | null;
}

export interface MediaKeeper {
  /** Starts keeping the file of a new message; resolves with the file, or null when it could not be had. */
  keep(input: { messageId: number; url: string; fileName: string | null; at: number }): Promise<KeptFile | null>;
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

/** Downloads at once: a flood of media messages queues here rather than opening unbounded sockets and files. */
const MAX_DOWNLOADS = 8;

export function createMediaKeeper(deps: { dir: string; policy: DownloadPolicy; store: ConversationStore; logger: Logger }): MediaKeeper {
  const working = new Map<number, Promise<KeptFile | null>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (running >= MAX_DOWNLOADS) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
  };
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return {
    keep(input) {
      const day = new Date(input.at).toISOString().slice(0, 10);
      const base = join(deps.dir, day, String(input.messageId));
      const kept = (async (): Promise<KeptFile | null> => {
        const ext = extensionOf(input.fileName, input.url);
        await slot();
        const result = await download(input.url, `${base}${ext || '.bin'}`, deps.policy).finally(release);
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
    fileOf(messageId) {
      return working.get(messageId);
    },
  };
}
