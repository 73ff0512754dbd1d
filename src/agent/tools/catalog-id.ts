import { z } from 'zod';
import type { MediaItem } from '../../prompts/media-catalog.js';

/** An enum of the catalog's ids, so the model can only name a file that exists; never a URL. */
export function catalogIdArgument(items: MediaItem[]) {
  const ids = items.map((item) => item.id) as [string, ...string[]];
  const menu = items.map((item) => `"${item.id}": ${item.description ?? item.caption ?? item.id}`).join('; ');
  return z.enum(ids).describe(`Which catalog entry to send. ${menu}`);
}
