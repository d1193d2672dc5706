CREATE TABLE "deployment_heals" (
	"deployment_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"last_heal_at" timestamp (3) with time zone NOT NULL,
	"streak" integer DEFAULT 1 NOT NULL,
	"next_allowed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "deployment_heals_deployment_id_cluster_id_pk" PRIMARY KEY("deployment_id","cluster_id")
);
--> statement-breakpoint
CREATE TABLE "deployment_rollout_clusters" (
	"rollout_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"wave" integer NOT NULL,
	"state" text DEFAULT 'waiting' NOT NULL,
	"started_at" timestamp (3) with time zone,
	"healthy_since" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"message" text,
	CONSTRAINT "deployment_rollout_clusters_rollout_id_cluster_id_pk" PRIMARY KEY("rollout_id","cluster_id"),
	CONSTRAINT "deployment_rollout_clusters_state_check" CHECK ("deployment_rollout_clusters"."state" in ('waiting','applying','done','failed','skipped'))
);
--> statement-breakpoint
CREATE TABLE "deployment_rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deployment_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"pause_reason" text,
	"current_wave" integer DEFAULT 0 NOT NULL,
	"wave_count" integer NOT NULL,
	"healthy_seconds" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "deployment_rollouts_status_check" CHECK ("deployment_rollouts"."status" in ('running','paused','completed','aborted')),
	CONSTRAINT "deployment_rollouts_healthy_seconds_check" CHECK ("deployment_rollouts"."healthy_seconds" between 0 and 3600)
);
--> statement-breakpoint
CREATE TABLE "deployment_self_heal" (
	"deployment_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployment_heals" ADD CONSTRAINT "deployment_heals_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_heals" ADD CONSTRAINT "deployment_heals_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollout_clusters" ADD CONSTRAINT "deployment_rollout_clusters_rollout_id_deployment_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."deployment_rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollout_clusters" ADD CONSTRAINT "deployment_rollout_clusters_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollouts" ADD CONSTRAINT "deployment_rollouts_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollouts" ADD CONSTRAINT "deployment_rollouts_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollouts" ADD CONSTRAINT "deployment_rollouts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_self_heal" ADD CONSTRAINT "deployment_self_heal_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_self_heal" ADD CONSTRAINT "deployment_self_heal_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployment_rollout_clusters_cluster_idx" ON "deployment_rollout_clusters" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "deployment_rollouts_deployment_idx" ON "deployment_rollouts" USING btree ("deployment_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_rollouts_one_active_idx" ON "deployment_rollouts" USING btree ("deployment_id") WHERE status in ('running', 'paused');