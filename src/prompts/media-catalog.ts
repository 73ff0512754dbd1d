// PROMPTS_DIR/media.json: the only images and documents the bot may send.
import { z } from 'zod';
import { PromptFileError } from './watched-file.js';

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids use letters, digits, "-" and "_" only');
const url = z.url({ protocol: /^https?$/ });

const imageItem = z.strictObject({
  id,
  kind: z.literal('image'),
  url,
  caption: z.string().max(1024).optional(),
  description: z.string().max(500).optional(),
});

const documentItem = z.strictObject({
  id,
  kind: z.literal('document'),
  url,
  caption: z.string().max(1024).optional(),
  description: z.string().max(500).optional(),
  fileName: z.string().min(1).max(255),
  mimeType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like application/pdf'),
});

const catalogSchema = z
  .array(z.discriminatedUnion('kind', [imageItem, documentItem]))
  .max(200)
  .refine((items) => new Set(items.map((i) => i.id)).size === items.length, 'every id must be unique');

export type MediaItem = z.infer<typeof catalogSchema>[number];
export type ImageItem = z.infer<typeof imageItem>;
export type DocumentItem = z.infer<typeof documentItem>;

export function parseMediaCatalog(text: string | null, path = 'media.json'): MediaItem[] {
  if (text === null) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PromptFileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = catalogSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(list)'}: ${i.message}`).join('; ');
    throw new PromptFileError(`${path} is invalid: ${why}`);
  }
  return parsed.data;
}
