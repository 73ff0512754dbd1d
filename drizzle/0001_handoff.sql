ALTER TABLE `contacts` ADD `handoff_at` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `handoff_reason` text;