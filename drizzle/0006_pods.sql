CREATE TABLE "fleet_pod_state" (
	"cluster_id" uuid PRIMARY KEY NOT NULL,
	"pods_hash" text,
	"usage_at" timestamp (3) with time zone,
	"status_counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"synced_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fleet_pods" (
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"phase" text NOT NULL,
	"ready" text NOT NULL,
	"restarts" integer NOT NULL,
	"node_name" text NOT NULL,
	"owner_kind" text NOT NULL,
	"owner_name" text NOT NULL,
	"created_unix" bigint NOT NULL,
	"images" text[] NOT NULL,
	"cpu_request_milli" bigint NOT NULL,
	"cpu_limit_milli" bigint NOT NULL,
	"mem_request_bytes" bigint NOT NULL,
	"mem_limit_bytes" bigint NOT NULL,
	"cpu_milli" integer,
	"mem_bytes" bigint,
	"usage_at" timestamp (3) with time zone,
	"not_ready" boolean NOT NULL,
	"failing" boolean NOT NULL,
	"crash_looping" boolean NOT NULL,
	"pending_like" boolean NOT NULL,
	"last_restart_unix" bigint NOT NULL,
	"oom_risk" boolean NOT NULL,
	"search" text NOT NULL,
	"content_hash" text NOT NULL,
	CONSTRAINT "fleet_pods_cluster_id_namespace_name_pk" PRIMARY KEY("cluster_id","namespace","name")
);
--> statement-breakpoint
CREATE TABLE "usage_key_set_uses" (
	"keys_id" text PRIMARY KEY NOT NULL,
	"cluster_id" uuid NOT NULL,
	"last_used_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_rollups" (
	"cluster_id" uuid NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"keys_id" text NOT NULL,
	"pod_cpu" integer[] NOT NULL,
	"pod_mem" bigint[] NOT NULL,
	"samples" integer NOT NULL,
	CONSTRAINT "usage_rollups_cluster_id_at_pk" PRIMARY KEY("cluster_id","at")
);
--> statement-breakpoint
ALTER TABLE "fleet_pod_state" ADD CONSTRAINT "fleet_pod_state_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_pods" ADD CONSTRAINT "fleet_pods_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_key_set_uses" ADD CONSTRAINT "usage_key_set_uses_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fleet_pods_name_idx" ON "fleet_pods" USING btree ("namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_status_idx" ON "fleet_pods" USING btree ("status","namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_owner_idx" ON "fleet_pods" USING btree ("owner_name","owner_kind","namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_node_idx" ON "fleet_pods" USING btree ("node_name","namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_restarts_idx" ON "fleet_pods" USING btree ((-"restarts"),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_age_idx" ON "fleet_pods" USING btree ((-"created_unix"),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_cpu_idx" ON "fleet_pods" USING btree (coalesce(-"cpu_milli", 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_mem_idx" ON "fleet_pods" USING btree (coalesce(-"mem_bytes", 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_problem_idx" ON "fleet_pods" USING btree ("namespace","name","cluster_id") WHERE "fleet_pods"."failing" or "fleet_pods"."not_ready" or "fleet_pods"."crash_looping" or "fleet_pods"."oom_risk" or "fleet_pods"."pending_like" or "fleet_pods"."restarts" > 0;--> statement-breakpoint
CREATE INDEX "fleet_pods_search_idx" ON "fleet_pods" USING gin ("search" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "usage_key_set_uses_cluster_idx" ON "usage_key_set_uses" USING btree ("cluster_id","last_used_at");