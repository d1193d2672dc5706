-- Pods per status per organization, for the pod table's chips over an organization tree: kept from fleet_pod_state by
-- a statement trigger, so every write of that table (the pod index job, a cluster's deletion cascading) keeps it.
ALTER TABLE "fleet_pod_state" ADD COLUMN "org_id" uuid;--> statement-breakpoint
UPDATE "fleet_pod_state" s SET "org_id" = c."org_id" FROM "clusters" c WHERE c."id" = s."cluster_id";--> statement-breakpoint
ALTER TABLE "fleet_pod_state" ALTER COLUMN "org_id" SET NOT NULL;--> statement-breakpoint
CREATE TABLE "fleet_pod_org_counts" (
	"org_id" uuid NOT NULL,
	"status" text NOT NULL,
	"pods" integer NOT NULL,
	CONSTRAINT "fleet_pod_org_counts_org_id_status_pk" PRIMARY KEY("org_id","status")
);
--> statement-breakpoint
INSERT INTO "fleet_pod_org_counts" ("org_id", "status", "pods")
SELECT s."org_id", e.key, sum(e.value::int) FROM "fleet_pod_state" s CROSS JOIN LATERAL jsonb_each_text(s."status_counts") e
GROUP BY 1, 2 HAVING sum(e.value::int) <> 0;--> statement-breakpoint
-- One statement's changes at once: each changed row's counts added, its old counts taken away (rows whose counts did
-- not change, as a usage refresh's, cancel out before anything is written), in a fixed order so two writers lock the
-- same rows in the same order; counts that reach 0 are deleted.
CREATE FUNCTION "fleet_pod_org_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  orgs uuid[];
  statuses text[];
  changes int[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.org_id), array_agg(e.key), array_agg(e.value::int) INTO orgs, statuses, changes
    FROM new_rows n CROSS JOIN LATERAL jsonb_each_text(n.status_counts) e;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(o.org_id), array_agg(e.key), array_agg(-e.value::int) INTO orgs, statuses, changes
    FROM old_rows o CROSS JOIN LATERAL jsonb_each_text(o.status_counts) e;
  ELSE
    SELECT array_agg(d.org_id), array_agg(d.status), array_agg(d.change) INTO orgs, statuses, changes
    FROM (
      SELECT n.org_id, e.key AS status, e.value::int AS change
      FROM new_rows n JOIN old_rows o ON o.cluster_id = n.cluster_id CROSS JOIN LATERAL jsonb_each_text(n.status_counts) e
      WHERE n.status_counts IS DISTINCT FROM o.status_counts
      UNION ALL
      SELECT o.org_id, e.key, -e.value::int
      FROM old_rows o JOIN new_rows n ON n.cluster_id = o.cluster_id CROSS JOIN LATERAL jsonb_each_text(o.status_counts) e
      WHERE n.status_counts IS DISTINCT FROM o.status_counts) d;
  END IF;
  IF orgs IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO fleet_pod_org_counts AS c (org_id, status, pods)
  SELECT x.org_id, x.status, sum(x.change) FROM unnest(orgs, statuses, changes) AS x(org_id, status, change)
  GROUP BY 1, 2 HAVING sum(x.change) <> 0 ORDER BY 1, 2
  ON CONFLICT (org_id, status) DO UPDATE SET pods = c.pods + excluded.pods;
  DELETE FROM fleet_pod_org_counts c WHERE c.pods = 0 AND c.org_id = any(orgs);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "fleet_pod_org_counts_insert" AFTER INSERT ON "fleet_pod_state"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "fleet_pod_org_counts_apply"();--> statement-breakpoint
CREATE TRIGGER "fleet_pod_org_counts_update" AFTER UPDATE ON "fleet_pod_state"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "fleet_pod_org_counts_apply"();--> statement-breakpoint
CREATE TRIGGER "fleet_pod_org_counts_delete" AFTER DELETE ON "fleet_pod_state"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "fleet_pod_org_counts_apply"();
