-- Clusters per organization, for the pod table's picker: kept from clusters by a row trigger on insert, delete and a
-- change of organization, so counting a scope's clusters no longer reads the clusters' own rows, which every
-- heartbeat rewrites. The counts-only and truncated clusters are counted through partial indexes holding only them.
CREATE TABLE "org_cluster_counts" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"clusters" integer NOT NULL
);
--> statement-breakpoint
INSERT INTO "org_cluster_counts" ("org_id", "clusters") SELECT "org_id", count(*) FROM "clusters" GROUP BY 1;--> statement-breakpoint
-- One row's move: its old organization loses it, its new one gains it; a count that reaches 0 is deleted.
CREATE FUNCTION "org_cluster_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE org_cluster_counts SET clusters = clusters - 1 WHERE org_id = OLD.org_id;
    DELETE FROM org_cluster_counts WHERE org_id = OLD.org_id AND clusters <= 0;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO org_cluster_counts AS c (org_id, clusters) VALUES (NEW.org_id, 1)
    ON CONFLICT (org_id) DO UPDATE SET clusters = c.clusters + 1;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "org_cluster_counts_insert_delete" AFTER INSERT OR DELETE ON "clusters"
  FOR EACH ROW EXECUTE FUNCTION "org_cluster_counts_apply"();--> statement-breakpoint
-- Only a change of organization fires it: the WHEN is checked before anything is queued, so a heartbeat's update
-- costs nothing here.
CREATE TRIGGER "org_cluster_counts_move" AFTER UPDATE OF "org_id" ON "clusters"
  FOR EACH ROW WHEN (OLD."org_id" IS DISTINCT FROM NEW."org_id") EXECUTE FUNCTION "org_cluster_counts_apply"();--> statement-breakpoint
CREATE INDEX "clusters_counts_only_idx" ON "clusters" USING btree ("org_id") WHERE "clusters"."protocol" < 2;--> statement-breakpoint
CREATE INDEX "clusters_truncated_idx" ON "clusters" USING btree ("org_id") WHERE "clusters"."pods_truncated";
