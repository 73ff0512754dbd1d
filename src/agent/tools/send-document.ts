import { z } from 'zod';
import type { DocumentItem } from '../../prompts/media-catalog.js';
import { captionText } from '../outgoing.js';
import { catalogIdArgument } from './catalog-id.js';
import { defineTool, optional } from './tool.js';

export function sendDocumentTool(documents: DocumentItem[]) {
  const byId = new Map(documents.map((item) => [item.id, item]));
  return defineTool({
    name: 'send_document',
    description: 'Send one document (PDF, price list, brochure…) from the media catalog to the customer.',
    args: z.object({
      media_id: catalogIdArgument(documents),
      caption: optional(z.string().trim().max(1024).describe('Text sent with the document; leave out to use the catalog caption.')),
    }),
    act: ({ media_id, caption }) => {
      const item = byId.get(media_id)!;
      const text = caption ? captionText(caption, 'model') : captionText(item.caption, 'operator');
      return { messages: [{ kind: 'document', url: item.url, fileName: item.fileName, mimeType: item.mimeType, ...(text ? { caption: text } : {}) }] };
    },
  });
}
