CREATE TABLE "agent_rollout_targets" (
	"rollout_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"wave" integer NOT NULL,
	"state" text DEFAULT 'waiting' NOT NULL,
	"from_version" text,
	"told_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"message" text,
	CONSTRAINT "agent_rollout_targets_rollout_id_cluster_id_pk" PRIMARY KEY("rollout_id","cluster_id"),
	CONSTRAINT "agent_rollout_targets_state_check" CHECK ("agent_rollout_targets"."state" in ('waiting','updating','done','failed','skipped'))
);
--> statement-breakpoint
CREATE TABLE "agent_rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"target_version" text NOT NULL,
	"target_image" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"pause_reason" text,
	"current_wave" integer DEFAULT 0 NOT NULL,
	"wave_count" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "agent_rollouts_status_check" CHECK ("agent_rollouts"."status" in ('running','paused','completed','aborted'))
);
--> statement-breakpoint
ALTER TABLE "agent_rollout_targets" ADD CONSTRAINT "agent_rollout_targets_rollout_id_agent_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."agent_rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_rollout_targets" ADD CONSTRAINT "agent_rollout_targets_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_rollouts" ADD CONSTRAINT "agent_rollouts_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_rollouts" ADD CONSTRAINT "agent_rollouts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_rollout_targets_updating_idx" ON "agent_rollout_targets" USING btree ("cluster_id") WHERE state = 'updating';--> statement-breakpoint
CREATE INDEX "agent_rollouts_org_created_idx" ON "agent_rollouts" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "agent_rollouts_one_active_idx" ON "agent_rollouts" USING btree ("org_id") WHERE status in ('running', 'paused');