CREATE TABLE "registries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"server" text NOT NULL,
	"username" text NOT NULL,
	"sealed_password" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "git_pull_requests" (
	"source_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"repository" text NOT NULL,
	"title" text NOT NULL,
	"url" text NOT NULL,
	"state" text NOT NULL,
	"head_sha" text NOT NULL,
	"touches" boolean NOT NULL,
	"findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"comment_id" text,
	"report_error" text,
	"reported_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "git_pull_requests_source_id_number_pk" PRIMARY KEY("source_id","number"),
	CONSTRAINT "git_pull_requests_state_check" CHECK ("git_pull_requests"."state" in ('open','closed'))
);
--> statement-breakpoint
CREATE TABLE "git_sources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deployment_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"url" text NOT NULL,
	"ref" text NOT NULL,
	"path" text DEFAULT '' NOT NULL,
	"auth" text DEFAULT 'none' NOT NULL,
	"username" text,
	"credential_sealed" text,
	"known_hosts" text,
	"webhook_secret_sealed" text,
	"auto_apply" boolean DEFAULT false NOT NULL,
	"interval_seconds" integer DEFAULT 180 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"last_commit" text,
	"last_revision" integer,
	"last_attempt_at" timestamp (3) with time zone,
	"last_synced_at" timestamp (3) with time zone,
	"next_sync_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp (3) with time zone,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "git_sources_auth_check" CHECK ("git_sources"."auth" in ('none','token','ssh')),
	CONSTRAINT "git_sources_status_check" CHECK ("git_sources"."status" in ('pending','synced','out_of_sync','failed')),
	CONSTRAINT "git_sources_interval_check" CHECK ("git_sources"."interval_seconds" = 0 or "git_sources"."interval_seconds" between 30 and 86400)
);
--> statement-breakpoint
CREATE TABLE "git_webhook_deliveries" (
	"source_id" uuid NOT NULL,
	"delivery_id" text NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "git_webhook_deliveries_source_id_delivery_id_pk" PRIMARY KEY("source_id","delivery_id")
);
--> statement-breakpoint
CREATE TABLE "github_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"api_url" text NOT NULL,
	"token_sealed" text NOT NULL,
	"account" text,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
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
ALTER TABLE "registries" ADD CONSTRAINT "registries_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registries" ADD CONSTRAINT "registries_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "git_pull_requests" ADD CONSTRAINT "git_pull_requests_source_id_git_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."git_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "git_sources" ADD CONSTRAINT "git_sources_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "git_sources" ADD CONSTRAINT "git_sources_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "git_sources" ADD CONSTRAINT "git_sources_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "git_webhook_deliveries" ADD CONSTRAINT "git_webhook_deliveries_source_id_git_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."git_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_connections" ADD CONSTRAINT "github_connections_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "github_connections" ADD CONSTRAINT "github_connections_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_heals" ADD CONSTRAINT "deployment_heals_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_heals" ADD CONSTRAINT "deployment_heals_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollout_clusters" ADD CONSTRAINT "deployment_rollout_clusters_rollout_id_deployment_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."deployment_rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollout_clusters" ADD CONSTRAINT "deployment_rollout_clusters_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollouts" ADD CONSTRAINT "deployment_rollouts_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollouts" ADD CONSTRAINT "deployment_rollouts_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_rollouts" ADD CONSTRAINT "deployment_rollouts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_self_heal" ADD CONSTRAINT "deployment_self_heal_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_self_heal" ADD CONSTRAINT "deployment_self_heal_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "registries_org_name_idx" ON "registries" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "registries_org_server_idx" ON "registries" USING btree ("org_id","server");--> statement-breakpoint
CREATE UNIQUE INDEX "git_sources_deployment_idx" ON "git_sources" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "git_sources_org_idx" ON "git_sources" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "git_sources_due_idx" ON "git_sources" USING btree ("next_sync_at");--> statement-breakpoint
CREATE INDEX "git_webhook_deliveries_received_idx" ON "git_webhook_deliveries" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "github_connections_org_idx" ON "github_connections" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "deployment_rollout_clusters_cluster_idx" ON "deployment_rollout_clusters" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "deployment_rollouts_deployment_idx" ON "deployment_rollouts" USING btree ("deployment_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "deployment_rollouts_one_active_idx" ON "deployment_rollouts" USING btree ("deployment_id") WHERE status in ('running', 'paused');