CREATE TABLE "incident_settings" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"pending_after_seconds" integer NOT NULL,
	"unavailable_after_seconds" integer NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
CREATE TABLE "incident_silences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"cluster_id" uuid,
	"kind" text,
	"workload" text,
	"environment" text,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"comment" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "incident_silences_period_check" CHECK ("incident_silences"."ends_at" > "incident_silences"."starts_at")
);
--> statement-breakpoint
ALTER TABLE "incidents" DROP CONSTRAINT "incidents_kind_check";--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "state" text DEFAULT 'open' NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "since" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "reopen_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolved_by" uuid;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolve_note" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "held" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "incident_settings" ADD CONSTRAINT "incident_settings_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_settings" ADD CONSTRAINT "incident_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_silences" ADD CONSTRAINT "incident_silences_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_silences" ADD CONSTRAINT "incident_silences_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_silences" ADD CONSTRAINT "incident_silences_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_silences_org_idx" ON "incident_silences" USING btree ("org_id","ends_at");--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incidents_cluster_resolved_idx" ON "incidents" USING btree ("cluster_id","resolved_at");--> statement-breakpoint
CREATE INDEX "incidents_active_idx" ON "incidents" USING btree ("state","kind") WHERE "incidents"."resolved_at" is null;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_state_check" CHECK ("incidents"."state" in ('pending','open','resolved'));--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_kind_check" CHECK ("incidents"."kind" in ('cluster_offline','pod_crash_looping','image_pull_failing','oom_killed','pod_pending_too_long','node_not_ready','node_pressure','workload_unavailable','agent_outdated','heartbeat_truncated'));