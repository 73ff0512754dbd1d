// Whatspie's v2 events (read receipts, failed sends, a disconnected device): stored as received, listed for reviewers.
import { desc, gte } from 'drizzle-orm';
import type { Db } from './db.js';
import { events } from './schema.js';

export type EventRow = typeof events.$inferSelect;

export function storeEvent(db: Db, input: { type: string; whatspieMessageId: string | null; summary: string; payload: string; at: number }): void {
  const { at, ...rest } = input;
  db.insert(events).values({ ...rest, createdAt: at }).run();
}

/** Events from `since` on, newest first. */
export function recentEvents(db: Db, input: { since?: number; limit: number }): EventRow[] {
  return db
    .select()
    .from(events)
    .where(gte(events.createdAt, input.since ?? 0))
    .orderBy(desc(events.id))
    .limit(input.limit)
    .all();
}
