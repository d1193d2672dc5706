ALTER TABLE "notification_messages" ADD COLUMN "alert_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_messages_alert_idx" ON "notification_messages" USING btree ("alert_key","kind") WHERE "notification_messages"."alert_key" is not null;--> statement-breakpoint
CREATE INDEX "notification_outbox_incident_idx" ON "notification_outbox" USING btree ("incident_id","channel_id");