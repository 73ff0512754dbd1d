// The tools offered to the model for one turn. The image and document tools exist only when the catalog has such files.
import type { MediaItem } from '../../prompts/media-catalog.js';
import { handoffTool } from './handoff.js';
import { reactTool } from './react.js';
import { sendDocumentTool } from './send-document.js';
import { sendImageTool } from './send-image.js';
import { sendTextTool } from './send-text.js';
import type { Tool } from './tool.js';

export type { Tool } from './tool.js';

/** Every tool of the bot's own, by name: an operator's tool (prompts/tools/) may not take one of these names. */
export const BUILT_IN_TOOL_NAMES: readonly string[] = [sendTextTool.name, 'send_image', 'send_document', reactTool.name, handoffTool.name];

const cache = new WeakMap<MediaItem[], Tool[]>();

/** Same catalog object, same tools: the tool list stays byte-identical between turns for prompt caching. */
export function toolsFor(catalog: MediaItem[]): Tool[] {
  const cached = cache.get(catalog);
  if (cached) return cached;
  const images = catalog.filter((item) => item.kind === 'image');
  const documents = catalog.filter((item) => item.kind === 'document');
  const tools = [
    sendTextTool,
    ...(images.length > 0 ? [sendImageTool(images)] : []),
    ...(documents.length > 0 ? [sendDocumentTool(documents)] : []),
    reactTool,
    handoffTool,
  ];
  cache.set(catalog, tools);
  return tools;
}
