ALTER TABLE "contacts" ADD COLUMN "handoff_counts_from" bigint;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "handoff_within_hours" boolean;