CREATE TABLE "contact_labels" (
	"contact_id" bigint NOT NULL,
	"label" text NOT NULL,
	"operator" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "contact_labels_contact_id_label_pk" PRIMARY KEY("contact_id","label")
);
--> statement-breakpoint
CREATE TABLE "contact_notes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"contact_id" bigint NOT NULL,
	"operator" text NOT NULL,
	"text" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE "operator_actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"operator" text NOT NULL,
	"action" text NOT NULL,
	"contact_id" bigint,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "operator_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"operator_id" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "operators_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "sign_in_failures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"at" bigint NOT NULL
);
--> statement-breakpoint
DROP VIEW "public"."transcript";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "operator" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "tool_calls" text;--> statement-breakpoint
ALTER TABLE "contact_labels" ADD CONSTRAINT "contact_labels_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_notes" ADD CONSTRAINT "contact_notes_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operator_sessions" ADD CONSTRAINT "operator_sessions_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contact_labels_label" ON "contact_labels" USING btree ("label");--> statement-breakpoint
CREATE INDEX "contact_notes_contact" ON "contact_notes" USING btree ("contact_id","id");--> statement-breakpoint
CREATE INDEX "operator_actions_contact" ON "operator_actions" USING btree ("contact_id","id");--> statement-breakpoint
CREATE INDEX "operator_sessions_operator" ON "operator_sessions" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "sign_in_failures_key" ON "sign_in_failures" USING btree ("key","at");--> statement-breakpoint
CREATE INDEX "messages_created_at" ON "messages" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "messages_fallbacks" ON "messages" USING btree ("contact_id","id") WHERE "messages"."fell_back";--> statement-breakpoint
CREATE VIEW "public"."transcript" AS (select "contacts"."phone", "contacts"."display_name", to_char(to_timestamp("messages"."created_at" / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') as "at", case when "messages"."direction" = 'in' then 'customer' when "messages"."operator" is not null then 'operator ' || "messages"."operator" when "messages"."model" = 'operator' then 'operator' else 'bot' end as "who", "messages"."kind", "messages"."text", "messages"."media_url", "messages"."fell_back", "messages"."fallback_reason", "messages"."llm_latency_ms", "messages"."reply_json", "messages"."id" from "messages" inner join "contacts" on "contacts"."id" = "messages"."contact_id" order by "messages"."id");