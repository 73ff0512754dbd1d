CREATE TABLE `contact_labels` (
	`contact_id` integer NOT NULL,
	`label` text NOT NULL,
	`operator` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`contact_id`, `label`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contact_labels_label` ON `contact_labels` (`label`);--> statement-breakpoint
CREATE TABLE `contact_notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`operator` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contact_notes_contact` ON `contact_notes` (`contact_id`,`id`);--> statement-breakpoint
CREATE TABLE `daily_totals` (
	`day` text PRIMARY KEY NOT NULL,
	`received` integer NOT NULL,
	`model_replies` integer NOT NULL,
	`fallbacks` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`cached_tokens` integer,
	`completion_tokens` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deletions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`requested_by` text NOT NULL,
	`messages` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `operator_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`operator` text NOT NULL,
	`action` text NOT NULL,
	`contact_id` integer,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `operator_actions_contact` ON `operator_actions` (`contact_id`,`id`);--> statement-breakpoint
CREATE TABLE `operator_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`operator_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `operator_sessions_operator` ON `operator_sessions` (`operator_id`);--> statement-breakpoint
CREATE TABLE `operators` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operators_name_unique` ON `operators` (`name`);--> statement-breakpoint
CREATE TABLE `sign_in_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sign_in_failures_key` ON `sign_in_failures` (`key`,`at`);--> statement-breakpoint
ALTER TABLE `messages` ADD `operator` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `tool_calls` text;--> statement-breakpoint
CREATE INDEX `messages_created_at` ON `messages` (`created_at`);--> statement-breakpoint
CREATE INDEX `messages_fallbacks` ON `messages` (`contact_id`,`id`) WHERE "messages"."fell_back" = 1;--> statement-breakpoint
DROP VIEW `transcript`;--> statement-breakpoint
CREATE VIEW `transcript` AS select "contacts"."phone", "contacts"."display_name", strftime('%Y-%m-%d %H:%M:%S', "messages"."created_at" / 1000.0, 'unixepoch') as "at", case when "messages"."direction" = 'in' then 'customer' when "messages"."operator" is not null then 'operator ' || "messages"."operator" when "messages"."model" = 'operator' then 'operator' else 'bot' end as "who", "messages"."kind", "messages"."text", "messages"."media_url", "messages"."fell_back", "messages"."fallback_reason", "messages"."llm_latency_ms", "messages"."reply_json", "messages"."id" from "messages" inner join "contacts" on "contacts"."id" = "messages"."contact_id" order by "messages"."id";