CREATE TABLE `contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`jid` text NOT NULL,
	`display_name` text,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_phone_unique` ON `contacts` (`phone`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`direction` text NOT NULL,
	`wa_message_id` text,
	`in_reply_to` integer,
	`kind` text NOT NULL,
	`text` text,
	`media_url` text,
	`media_caption` text,
	`media_file_name` text,
	`raw_payload` text,
	`reply_json` text,
	`model` text,
	`llm_latency_ms` integer,
	`fell_back` integer,
	`fallback_reason` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`sent_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_inbound_wa_id` ON `messages` (`wa_message_id`);--> statement-breakpoint
CREATE INDEX `messages_contact_id` ON `messages` (`contact_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_in_reply_to` ON `messages` (`in_reply_to`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE VIEW `transcript` AS select "contacts"."phone", "contacts"."display_name", strftime('%Y-%m-%d %H:%M:%S', "messages"."created_at" / 1000.0, 'unixepoch') as "at", case "messages"."direction" when 'in' then 'customer' else 'bot' end as "who", "messages"."kind", "messages"."text", "messages"."media_url", "messages"."fell_back", "messages"."fallback_reason", "messages"."llm_latency_ms", "messages"."reply_json", "messages"."id" from "messages" inner join "contacts" on "contacts"."id" = "messages"."contact_id" order by "messages"."id";