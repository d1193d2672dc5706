ALTER TABLE "fleet_pod_usage" ADD COLUMN "cpu_request_milli" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "fleet_pod_usage" ADD COLUMN "cpu_limit_milli" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "fleet_pod_usage" ADD COLUMN "mem_request_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "fleet_pod_usage" ADD COLUMN "mem_limit_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "fleet_pod_usage_cpu_request_idx" ON "fleet_pod_usage" USING btree (coalesce(-("cpu_milli"::bigint * 10000 / nullif("cpu_request_milli", 0)), 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pod_usage_cpu_limit_idx" ON "fleet_pod_usage" USING btree (coalesce(-("cpu_milli"::bigint * 10000 / nullif("cpu_limit_milli", 0)), 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pod_usage_mem_request_idx" ON "fleet_pod_usage" USING btree (coalesce(-("mem_bytes" * 10000 / nullif("mem_request_bytes", 0)), 1),"namespace","name","cluster_id");--> statement-breakpoint
CREATE INDEX "fleet_pod_usage_mem_limit_idx" ON "fleet_pod_usage" USING btree (coalesce(-("mem_bytes" * 10000 / nullif("mem_limit_bytes", 0)), 1),"namespace","name","cluster_id");--> statement-breakpoint
-- The requests and limits of the pods already indexed, so the new sorts are right before the index job's next pass.
UPDATE "fleet_pod_usage" u SET "cpu_request_milli" = f."cpu_request_milli", "cpu_limit_milli" = f."cpu_limit_milli",
  "mem_request_bytes" = f."mem_request_bytes", "mem_limit_bytes" = f."mem_limit_bytes"
FROM "fleet_pods" f WHERE f."cluster_id" = u."cluster_id" AND f."namespace" = u."namespace" AND f."name" = u."name";
