CREATE TABLE "contacts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"phone" text NOT NULL,
	"jid" text NOT NULL,
	"display_name" text,
	"first_seen_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"handoff_at" bigint,
	"handoff_reason" text,
	CONSTRAINT "contacts_phone_unique" UNIQUE("phone")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"whatspie_message_id" text,
	"summary" text NOT NULL,
	"payload" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "knowledge" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"file" text NOT NULL,
	"heading" text NOT NULL,
	"body" text NOT NULL,
	"document" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('indonesian', heading), 'A') || setweight(to_tsvector('english', body), 'B') || setweight(to_tsvector('indonesian', body), 'B')) STORED NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"contact_id" bigint NOT NULL,
	"direction" text NOT NULL,
	"wa_message_id" text,
	"in_reply_to" bigint,
	"kind" text NOT NULL,
	"text" text,
	"media_url" text,
	"media_caption" text,
	"media_file_name" text,
	"media_path" text,
	"media_bytes" bigint,
	"media_type" text,
	"media_sha256" text,
	"media_error" text,
	"transcription" text,
	"raw_payload" text,
	"reply_json" text,
	"model" text,
	"llm_latency_ms" integer,
	"fell_back" boolean,
	"fallback_reason" text,
	"via" text,
	"late_pending" boolean,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"claimed_until" bigint,
	"sent_at" bigint,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"contact_id" bigint NOT NULL,
	"message_row_id" bigint NOT NULL,
	"in_reply_to" bigint,
	"payload" text NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"lease_until" bigint,
	"whatspie_id" text,
	"error" text,
	"created_at" bigint NOT NULL,
	"sent_at" bigint
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_type_time" ON "events" USING btree ("type","created_at");--> statement-breakpoint
CREATE INDEX "knowledge_document" ON "knowledge" USING gin ("document");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_contact_wa_id" ON "messages" USING btree ("contact_id","wa_message_id") WHERE "messages"."wa_message_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_contact_id" ON "messages" USING btree ("contact_id","id");--> statement-breakpoint
CREATE INDEX "messages_in_reply_to" ON "messages" USING btree ("in_reply_to") WHERE "messages"."in_reply_to" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_late_pending" ON "messages" USING btree ("late_pending") WHERE "messages"."late_pending";--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbox_contact" ON "outbox" USING btree ("contact_id","id");--> statement-breakpoint
CREATE INDEX "outbox_reply_to" ON "outbox" USING btree ("in_reply_to");--> statement-breakpoint
CREATE INDEX "outbox_row" ON "outbox" USING btree ("message_row_id");--> statement-breakpoint
CREATE INDEX "outbox_whatspie_id" ON "outbox" USING btree ("whatspie_id");--> statement-breakpoint
CREATE VIEW "public"."transcript" AS (select "contacts"."phone", "contacts"."display_name", to_char(to_timestamp("messages"."created_at" / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') as "at", case "messages"."direction" when 'in' then 'customer' else 'bot' end as "who", "messages"."kind", "messages"."text", "messages"."media_url", "messages"."fell_back", "messages"."fallback_reason", "messages"."llm_latency_ms", "messages"."reply_json", "messages"."id" from "messages" inner join "contacts" on "contacts"."id" = "messages"."contact_id" order by "messages"."id");