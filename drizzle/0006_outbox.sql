CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`message_row_id` integer NOT NULL,
	`in_reply_to` integer,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`whatspie_id` text,
	`error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_contact` ON `outbox` (`contact_id`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_reply_to` ON `outbox` (`in_reply_to`);--> statement-breakpoint
CREATE INDEX `outbox_whatspie_id` ON `outbox` (`whatspie_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `via` text;