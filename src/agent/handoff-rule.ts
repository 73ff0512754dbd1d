// The one rule for how long a conversation stays with a human: from a handoff (by the model, or an operator's pause)
// until "resume" or HANDOFF_HOURS later. The server, the transcripts tool and its reports all ask here.

const HOUR_MS = 3_600_000;

/** Handoffs that started at or before this moment have expired. */
export function handoffCutoff(now: number, handoffHours: number): number {
  return now - handoffHours * HOUR_MS;
}

export function isWaitingForHuman(handoffAt: number | null | undefined, now: number, handoffHours: number): boolean {
  return handoffAt != null && handoffAt > handoffCutoff(now, handoffHours);
}
