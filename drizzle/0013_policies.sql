CREATE TABLE "policy_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"workload_kind" text NOT NULL,
	"workload_name" text NOT NULL,
	"rule_id" text NOT NULL,
	"category" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	"containers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"resolved_at" timestamp (3) with time zone,
	"resolution" text,
	CONSTRAINT "policy_findings_severity_check" CHECK ("policy_findings"."severity" in ('low','medium','high')),
	CONSTRAINT "policy_findings_category_check" CHECK ("policy_findings"."category" in ('security','reliability','efficiency')),
	CONSTRAINT "policy_findings_resolution_check" CHECK ("policy_findings"."resolution" is null or "policy_findings"."resolution" in ('fixed','workload_removed','rule_disabled','exempt'))
);
--> statement-breakpoint
CREATE TABLE "policy_org_settings" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"disabled_rules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"exempt_namespaces" jsonb,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
CREATE TABLE "policy_waivers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"workload_kind" text NOT NULL,
	"workload_name" text NOT NULL,
	"rule_id" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "cluster_timeline" DROP CONSTRAINT "cluster_timeline_kind_check";--> statement-breakpoint
ALTER TABLE "policy_findings" ADD CONSTRAINT "policy_findings_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_org_settings" ADD CONSTRAINT "policy_org_settings_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_org_settings" ADD CONSTRAINT "policy_org_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_waivers" ADD CONSTRAINT "policy_waivers_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_waivers" ADD CONSTRAINT "policy_waivers_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "policy_findings_open_idx" ON "policy_findings" USING btree ("cluster_id","namespace","workload_kind","workload_name","rule_id") WHERE "policy_findings"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "policy_findings_cluster_seen_idx" ON "policy_findings" USING btree ("cluster_id","first_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "policy_waivers_workload_idx" ON "policy_waivers" USING btree ("cluster_id","namespace","workload_kind","workload_name","rule_id","expires_at");--> statement-breakpoint
ALTER TABLE "cluster_timeline" ADD CONSTRAINT "cluster_timeline_kind_check" CHECK ("cluster_timeline"."kind" in ('enrolled','status','capability','agent','event','restart','incident','truncation','settings','token','policy'));