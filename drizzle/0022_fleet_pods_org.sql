-- The pod table's scope by organization: each fleet_pods row carries its cluster's org (clusters never move).
ALTER TABLE "fleet_pods" ADD COLUMN "org_id" uuid;--> statement-breakpoint
UPDATE "fleet_pods" f SET "org_id" = c."org_id" FROM "clusters" c WHERE c."id" = f."cluster_id";--> statement-breakpoint
ALTER TABLE "fleet_pods" ALTER COLUMN "org_id" SET NOT NULL;
