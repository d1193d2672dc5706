CREATE TABLE "commands" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"summary" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"delivered_at" timestamp (3) with time zone,
	"result" jsonb,
	"completed_at" timestamp (3) with time zone,
	"status" text DEFAULT 'queued' NOT NULL,
	CONSTRAINT "commands_status_check" CHECK ("commands"."status" in ('queued','delivered','succeeded','failed','expired')),
	CONSTRAINT "commands_type_check" CHECK ("commands"."type" in ('ping','apply','delete','self-update'))
);
--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commands" ADD CONSTRAINT "commands_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "commands_cluster_created_idx" ON "commands" USING btree ("cluster_id","created_at","id");--> statement-breakpoint
CREATE INDEX "commands_undelivered_idx" ON "commands" USING btree ("cluster_id","created_at") WHERE delivered_at is null;--> statement-breakpoint
CREATE INDEX "commands_open_idx" ON "commands" USING btree ("expires_at") WHERE status in ('queued', 'delivered');