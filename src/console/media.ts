// The customers' kept files (MEDIA_DIR), served to signed-in operators by the console's own URLs (Whatspie's links
// expire). A file is found by its message's id, never by a path from the request, and must still lie inside MEDIA_DIR
// once links are resolved. Only types a browser shows safely keep their stored type; anything else is a download.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, extname, relative, resolve, sep, isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { ConsoleReads } from '../store/console-reads.js';

/** Images, audio and PDF: what a browser renders without running anything (SVG can carry script, so it is not here). */
const SHOWN_INLINE = /^(image\/(jpeg|png|gif|webp|avif|bmp)|audio\/(ogg|mpeg|mp4|aac|wav|webm|x-m4a|amr)|application\/pdf)$/;

export function inlineType(type: string | null): string | null {
  const bare = (type ?? '').split(';')[0]!.trim().toLowerCase();
  return SHOWN_INLINE.test(bare) ? bare : null;
}

async function insideDir(dir: string, path: string): Promise<string | null> {
  try {
    const root = await realpath(resolve(dir));
    const real = await realpath(resolve(path));
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return null;
    return real;
  } catch {
    return null;
  }
}

/** GET /console/media/:id (behind requireOperator). */
export async function serveMedia(c: Context, deps: { reads: ConsoleReads; mediaDir: string }) {
  const id = Number(c.req.param('id'));
  const notFound = () => c.text('No such file.', 404, { 'X-Content-Type-Options': 'nosniff' });
  if (!Number.isSafeInteger(id) || id <= 0) return notFound();
  const kept = await deps.reads.mediaFile(id);
  if (!kept) return notFound();
  const path = await insideDir(deps.mediaDir, kept.path);
  if (!path) return notFound();
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return notFound();
  const type = inlineType(kept.type);
  // The name a download gets: ASCII letters, digits and a few signs only, so that no header can be bent by it.
  const name = (kept.fileName ?? `file-${id}${extname(basename(path))}`).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || `file-${id}`;
  const headers: Record<string, string> = {
    'Content-Type': type ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, max-age=3600',
    'Content-Disposition': `${type ? 'inline' : 'attachment'}; filename="${name}"`,
  };
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, { status: 200, headers });
}
