ALTER TABLE `messages` ADD `media_path` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `media_bytes` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `media_type` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `media_sha256` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `media_error` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `transcription` text;