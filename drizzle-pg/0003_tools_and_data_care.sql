CREATE TABLE "daily_totals" (
	"day" text PRIMARY KEY NOT NULL,
	"received" bigint NOT NULL,
	"model_replies" bigint NOT NULL,
	"fallbacks" bigint NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"cached_tokens" bigint,
	"completion_tokens" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deletions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"kind" text NOT NULL,
	"requested_by" text NOT NULL,
	"messages" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "tool_calls" text;--> statement-breakpoint
CREATE INDEX "messages_created_at" ON "messages" USING btree ("created_at");