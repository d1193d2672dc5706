CREATE TABLE "deployment_revisions" (
	"deployment_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"content" text NOT NULL,
	"sha256" text NOT NULL,
	"source" text NOT NULL,
	"builder_form" jsonb,
	"git_commit" text,
	"message" text,
	"rollback_of" integer,
	"objects" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployment_revisions_deployment_id_number_pk" PRIMARY KEY("deployment_id","number"),
	CONSTRAINT "deployment_revisions_source_check" CHECK ("deployment_revisions"."source" in ('builder','import','git','rollback')),
	CONSTRAINT "deployment_revisions_number_check" CHECK ("deployment_revisions"."number" >= 1)
);
--> statement-breakpoint
CREATE TABLE "deployment_targets" (
	"deployment_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"desired_revision" integer,
	"applied_revision" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"command_id" uuid,
	"owned_objects" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_sync_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployment_targets_deployment_id_cluster_id_pk" PRIMARY KEY("deployment_id","cluster_id"),
	CONSTRAINT "deployment_targets_status_check" CHECK ("deployment_targets"."status" in ('pending','applying','applied','failed','deleting','deleted'))
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"namespace" text NOT NULL,
	"source" text NOT NULL,
	"targets" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"latest_revision" integer DEFAULT 0 NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "deployments_status_check" CHECK ("deployments"."status" in ('active','deleting','deleted')),
	CONSTRAINT "deployments_source_check" CHECK ("deployments"."source" in ('builder','import','git'))
);
--> statement-breakpoint
ALTER TABLE "cluster_timeline" DROP CONSTRAINT "cluster_timeline_kind_check";--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "labels" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "deployment_revisions" ADD CONSTRAINT "deployment_revisions_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_revisions" ADD CONSTRAINT "deployment_revisions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_targets" ADD CONSTRAINT "deployment_targets_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_targets" ADD CONSTRAINT "deployment_targets_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployment_targets" ADD CONSTRAINT "deployment_targets_command_id_commands_id_fk" FOREIGN KEY ("command_id") REFERENCES "public"."commands"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployment_targets_cluster_idx" ON "deployment_targets" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "deployment_targets_command_idx" ON "deployment_targets" USING btree ("command_id");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_org_name_idx" ON "deployments" USING btree ("org_id",lower("name")) WHERE status <> 'deleted';--> statement-breakpoint
CREATE INDEX "deployments_org_idx" ON "deployments" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "clusters_labels_idx" ON "clusters" USING gin ("labels");--> statement-breakpoint
ALTER TABLE "cluster_timeline" ADD CONSTRAINT "cluster_timeline_kind_check" CHECK ("cluster_timeline"."kind" in ('enrolled','status','capability','agent','event','restart','incident','truncation','settings','token','policy','deployment','drift'));