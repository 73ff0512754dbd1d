ALTER TABLE `messages` ADD `late_pending` integer;--> statement-breakpoint
CREATE INDEX `messages_late_pending` ON `messages` (`late_pending`) WHERE "messages"."late_pending" = 1;