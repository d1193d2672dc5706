DROP INDEX "cluster_timeline_cluster_idx";--> statement-breakpoint
CREATE INDEX "cluster_timeline_order_idx" ON "cluster_timeline" USING btree ("cluster_id","at" DESC NULLS LAST,"id" DESC NULLS LAST);