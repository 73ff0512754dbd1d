DROP INDEX `messages_inbound_wa_id`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_contact_wa_id` ON `messages` (`contact_id`,`wa_message_id`) WHERE "messages"."wa_message_id" IS NOT NULL;