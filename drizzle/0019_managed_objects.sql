CREATE TABLE "managed_objects" (
	"cluster_id" uuid NOT NULL,
	"api_version" text NOT NULL,
	"kind" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"deployment_id" text NOT NULL,
	"revision" integer NOT NULL,
	"drift" jsonb NOT NULL,
	"drift_since" timestamp (3) with time zone,
	"observed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "managed_objects_cluster_id_api_version_kind_namespace_name_pk" PRIMARY KEY("cluster_id","api_version","kind","namespace","name")
);
--> statement-breakpoint
ALTER TABLE "cluster_timeline" DROP CONSTRAINT "cluster_timeline_kind_check";--> statement-breakpoint
ALTER TABLE "managed_objects" ADD CONSTRAINT "managed_objects_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "managed_objects_deployment_idx" ON "managed_objects" USING btree ("deployment_id","cluster_id");--> statement-breakpoint
ALTER TABLE "cluster_timeline" ADD CONSTRAINT "cluster_timeline_kind_check" CHECK ("cluster_timeline"."kind" in ('enrolled','status','capability','agent','event','restart','incident','truncation','settings','token','policy','drift'));