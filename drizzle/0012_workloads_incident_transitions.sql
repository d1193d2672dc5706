CREATE TABLE "incident_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"actor_id" uuid,
	"note" text,
	"at" timestamp (3) with time zone NOT NULL,
	"routed_at" timestamp (3) with time zone,
	CONSTRAINT "incident_transitions_kind_check" CHECK ("incident_transitions"."kind" in ('opened','reopened','acknowledged','resolved'))
);
--> statement-breakpoint
CREATE TABLE "cluster_workloads" (
	"cluster_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"desired" integer NOT NULL,
	"ready" integer NOT NULL,
	"available" integer NOT NULL,
	"updated" integer NOT NULL,
	"progressing" boolean NOT NULL,
	"labels" jsonb NOT NULL,
	"template_hash" text NOT NULL,
	"template" jsonb,
	"has_pdb" boolean NOT NULL,
	"not_ready_since" timestamp (3) with time zone,
	"content_hash" text NOT NULL,
	"policy_hash" text NOT NULL,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "cluster_workloads_cluster_id_namespace_kind_name_pk" PRIMARY KEY("cluster_id","namespace","kind","name")
);
--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "workloads_hash" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "acknowledged_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "acknowledged_by" uuid;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "silenced_until" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "incident_transitions" ADD CONSTRAINT "incident_transitions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_transitions" ADD CONSTRAINT "incident_transitions_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_transitions" ADD CONSTRAINT "incident_transitions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_transitions" ADD CONSTRAINT "incident_transitions_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_workloads" ADD CONSTRAINT "cluster_workloads_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_transitions_unrouted_idx" ON "incident_transitions" USING btree ("at") WHERE "incident_transitions"."routed_at" is null;--> statement-breakpoint
CREATE INDEX "incident_transitions_incident_idx" ON "incident_transitions" USING btree ("incident_id","id");--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_acknowledged_by_users_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;