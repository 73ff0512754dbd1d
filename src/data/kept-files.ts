// Deleting and finding kept files (MEDIA_DIR/<day>/<message id>.<ext>, see media/media-keeper.ts).
import { readdirSync } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/** Deletes the files (already gone: fine), and their day folders once empty; the paths that could not be deleted. */
export async function deleteKeptFiles(paths: string[]): Promise<string[]> {
  const failed: string[] = [];
  const folders = new Set<string>();
  for (const path of paths) {
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(path);
    }
    folders.add(dirname(path));
  }
  for (const folder of folders) await rmdir(folder).catch(() => {});
  return failed;
}

/**
 * Where a kept file lives inside MEDIA_DIR, as `<day>/<file>`: the path relative to MEDIA_DIR when the file is in it,
 * else its last two parts (a record written under another MEDIA_DIR). The one rule for naming files in backups and
 * exports, so that a restored record can point into the new MEDIA_DIR.
 */
export function placeInMediaDir(path: string, mediaDir: string): string {
  const inside = relative(mediaDir, path);
  if (inside && !inside.startsWith('..') && !inside.startsWith(sep) && !/^[a-z]:/i.test(inside)) return inside.split(sep).join('/');
  return path.split(/[\\/]/).slice(-2).join('/');
}

/** Every file under a folder, as paths relative to it (an absent folder holds none). */
export function filesUnder(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)).map((f) => `${entry.name}/${f}`) : [entry.name]));
}
