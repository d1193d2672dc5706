-- Storage parameters drizzle-kit does not model. Rows updated on every heartbeat (clusters) or on every
-- pod change (cluster_pods, cluster_nodes) keep free space in their pages so updates can stay HOT
-- (heap-only: no new index entries). Both statements run unchanged on PGlite.
ALTER TABLE "clusters" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "cluster_pods" SET (fillfactor = 80);--> statement-breakpoint
ALTER TABLE "cluster_nodes" SET (fillfactor = 80);
