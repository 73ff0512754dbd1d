import { z } from 'zod';
import type { ImageItem } from '../../prompts/media-catalog.js';
import { captionText } from '../outgoing.js';
import { catalogIdArgument } from './catalog-id.js';
import { defineTool, optional } from './tool.js';

export function sendImageTool(images: ImageItem[]) {
  const byId = new Map(images.map((item) => [item.id, item]));
  return defineTool({
    name: 'send_image',
    description: 'Send one image from the media catalog to the customer.',
    args: z.object({
      media_id: catalogIdArgument(images),
      caption: optional(z.string().trim().max(1024).describe('Text shown under the image; leave out to use the catalog caption.')),
    }),
    act: ({ media_id, caption }) => {
      const item = byId.get(media_id)!;
      const text = caption ? captionText(caption, 'model') : captionText(item.caption, 'operator');
      return { messages: [{ kind: 'image', url: item.url, ...(text ? { caption: text } : {}) }] };
    },
  });
}
