ALTER TABLE `contacts` ADD `handoff_counts_from` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `handoff_within_hours` integer;