DROP INDEX `messages_in_reply_to`;--> statement-breakpoint
DROP INDEX `messages_inbound_wa_id`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_inbound_wa_id` ON `messages` (`wa_message_id`) WHERE "messages"."wa_message_id" IS NOT NULL;