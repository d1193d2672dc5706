CREATE TABLE "fleet_pod_usage" (
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"cpu_milli" integer,
	"mem_bytes" bigint,
	"usage_at" timestamp (3) with time zone,
	CONSTRAINT "fleet_pod_usage_cluster_id_namespace_name_pk" PRIMARY KEY("cluster_id","namespace","name")
);
--> statement-breakpoint
DROP INDEX "fleet_pods_cpu_idx";--> statement-breakpoint
DROP INDEX "fleet_pods_mem_idx";--> statement-breakpoint
ALTER TABLE "fleet_pod_usage" ADD CONSTRAINT "fleet_pod_usage_cluster_id_namespace_name_fleet_pods_cluster_id_namespace_name_fk" FOREIGN KEY ("cluster_id","namespace","name") REFERENCES "public"."fleet_pods"("cluster_id","namespace","name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fleet_pod_usage_cpu_idx" ON "fleet_pod_usage" USING btree (coalesce(-"cpu_milli", 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pod_usage_mem_idx" ON "fleet_pod_usage" USING btree (coalesce(-"mem_bytes", 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pods_problem_count_idx" ON "fleet_pods" USING btree ("cluster_id","failing","not_ready","crash_looping","oom_risk","pending_like","created_unix","restarts","last_restart_unix") WHERE "fleet_pods"."failing" or "fleet_pods"."not_ready" or "fleet_pods"."crash_looping" or "fleet_pods"."oom_risk" or "fleet_pods"."pending_like" or "fleet_pods"."restarts" > 0;--> statement-breakpoint
ALTER TABLE "fleet_pods" DROP COLUMN "cpu_milli";--> statement-breakpoint
ALTER TABLE "fleet_pods" DROP COLUMN "mem_bytes";--> statement-breakpoint
ALTER TABLE "fleet_pods" DROP COLUMN "usage_at";--> statement-breakpoint
-- Usage moved to its own table: forget what the index was built from, so the index job's next pass
-- rebuilds every cluster's rows (and their usage) from cluster_pods.
DELETE FROM "fleet_pod_state";
