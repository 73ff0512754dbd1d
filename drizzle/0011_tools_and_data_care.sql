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
ALTER TABLE `messages` ADD `tool_calls` text;--> statement-breakpoint
CREATE INDEX `messages_created_at` ON `messages` (`created_at`);