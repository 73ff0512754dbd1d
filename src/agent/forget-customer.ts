// Forgetting a customer on request (Indonesia's personal data protection law and the GDPR give them that right): their
// contact, every message and reply, every send queued or done, the events of their messages, every row of any table
// that points at them, and their kept files. What remains is a row in `deletions`: that a deletion happened, when and
// by whom, nothing of theirs. The transcripts tool calls this (`transcripts forget`), and so can the console's button.
// Safe while the server runs: the rows go in one transaction; a message that arrives afterwards starts a new contact.
import type { Contact } from '../store/conversation-store.js';
import type { Storage } from '../store/storage.js';
import { deleteKeptFiles } from '../data/kept-files.js';

export interface ForgetResult {
  messages: number;
  events: number;
  files: number;
  /** Kept files that could not be deleted (their rows are gone): for the operator to delete by hand. */
  filesLeft: string[];
}

/** Deletes the customer and everything of theirs; null when there is no such contact (already forgotten). */
export async function forgetCustomer(storage: Storage, input: { contact: Pick<Contact, 'id'>; by: string; at: number }): Promise<ForgetResult | null> {
  const forgotten = await storage.data.forgetContact({ contactId: input.contact.id, at: input.at, by: input.by });
  if (!forgotten) return null;
  // The rows first: a file whose deletion fails is then only a file, named to the operator, never a half-kept customer.
  const filesLeft = await deleteKeptFiles(forgotten.files);
  return { messages: forgotten.messages, events: forgotten.events, files: forgotten.files.length - filesLeft.length, filesLeft };
}
