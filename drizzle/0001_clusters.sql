CREATE TABLE "cluster_nodes" (
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"roles" text[] NOT NULL,
	"kubelet_version" text NOT NULL,
	"cpu_capacity_milli" bigint NOT NULL,
	"mem_capacity_bytes" bigint NOT NULL,
	"cpu_allocatable_milli" bigint NOT NULL,
	"mem_allocatable_bytes" bigint NOT NULL,
	"pod_count" integer,
	"unschedulable" boolean DEFAULT false NOT NULL,
	"pressures" text[] NOT NULL,
	"internal_ip" text,
	"os_image" text,
	"architecture" text,
	"container_runtime" text,
	"k8s_created_at" timestamp (3) with time zone,
	"content_hash" text NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "cluster_nodes_cluster_id_name_pk" PRIMARY KEY("cluster_id","name")
);
--> statement-breakpoint
CREATE TABLE "cluster_pods" (
	"cluster_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"uid" text,
	"phase" text NOT NULL,
	"status" text NOT NULL,
	"node_name" text NOT NULL,
	"restarts" integer NOT NULL,
	"ready" text NOT NULL,
	"containers" text[] NOT NULL,
	"started_at" timestamp (3) with time zone,
	"k8s_created_at" timestamp (3) with time zone,
	"owner_kind" text NOT NULL,
	"owner_name" text NOT NULL,
	"cpu_request_milli" bigint NOT NULL,
	"cpu_limit_milli" bigint NOT NULL,
	"mem_request_bytes" bigint NOT NULL,
	"mem_limit_bytes" bigint NOT NULL,
	"privileged" boolean NOT NULL,
	"pod_ip" text NOT NULL,
	"qos_class" text NOT NULL,
	"message" text,
	"usage_available" boolean NOT NULL,
	"images" text[] NOT NULL,
	"detail" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "cluster_pods_cluster_id_namespace_name_pk" PRIMARY KEY("cluster_id","namespace","name")
);
--> statement-breakpoint
CREATE TABLE "cluster_timeline" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cluster_id" uuid NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedupe_key" text,
	CONSTRAINT "cluster_timeline_kind_check" CHECK ("cluster_timeline"."kind" in ('enrolled','status','capability','agent','event','restart','incident','truncation','settings','token'))
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"environment" text DEFAULT 'unspecified' NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_since" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"enrolled_at" timestamp (3) with time zone,
	"agent_key_public_id" text,
	"agent_key_hash" text,
	"agent_version" text,
	"protocol" integer,
	"k8s_version" text,
	"distribution" text,
	"platform" text,
	"capabilities" jsonb,
	"last_heartbeat_at" timestamp (3) with time zone,
	"node_count" integer DEFAULT 0 NOT NULL,
	"nodes_ready" integer DEFAULT 0 NOT NULL,
	"pods_total" integer DEFAULT 0 NOT NULL,
	"pods_running" integer DEFAULT 0 NOT NULL,
	"pods_failed" integer DEFAULT 0 NOT NULL,
	"namespaces" integer DEFAULT 0 NOT NULL,
	"pods_listed" integer DEFAULT 0 NOT NULL,
	"pods_truncated" boolean DEFAULT false NOT NULL,
	"cpu_capacity_milli" bigint DEFAULT 0 NOT NULL,
	"mem_capacity_bytes" bigint DEFAULT 0 NOT NULL,
	"cpu_allocatable_milli" bigint DEFAULT 0 NOT NULL,
	"mem_allocatable_bytes" bigint DEFAULT 0 NOT NULL,
	"cpu_usage_milli" bigint,
	"mem_usage_bytes" bigint,
	"pods_hash" text,
	"nodes_hash" text,
	"events_hash" text,
	"usage_keys_id" text,
	CONSTRAINT "clusters_agent_key_public_id_unique" UNIQUE("agent_key_public_id"),
	CONSTRAINT "clusters_environment_check" CHECK ("clusters"."environment" in ('production','staging','dev','unspecified')),
	CONSTRAINT "clusters_status_check" CHECK ("clusters"."status" in ('pending','healthy','warning','critical','unknown','offline'))
);
--> statement-breakpoint
CREATE TABLE "enrollment_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"public_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"consumed_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "enrollment_tokens_public_id_unique" UNIQUE("public_id")
);
--> statement-breakpoint
CREATE TABLE "retired_agent_keys" (
	"public_id" text PRIMARY KEY NOT NULL,
	"cluster_id" uuid NOT NULL,
	"cluster_name" text NOT NULL,
	"retired_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_key_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"cluster_id" uuid NOT NULL,
	"pod_keys" text[] NOT NULL,
	"node_keys" text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_samples" (
	"cluster_id" uuid NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"keys_id" text NOT NULL,
	"pod_cpu" integer[] NOT NULL,
	"pod_mem" bigint[] NOT NULL,
	"node_cpu" integer[] NOT NULL,
	"node_mem" bigint[] NOT NULL,
	CONSTRAINT "usage_samples_cluster_id_at_pk" PRIMARY KEY("cluster_id","at")
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"title" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"opened_at" timestamp (3) with time zone NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"resolved_at" timestamp (3) with time zone,
	CONSTRAINT "incidents_kind_check" CHECK ("incidents"."kind" in ('cluster_offline','pod_crash_looping','node_not_ready')),
	CONSTRAINT "incidents_severity_check" CHECK ("incidents"."severity" in ('low','medium','high'))
);
--> statement-breakpoint
ALTER TABLE "cluster_nodes" ADD CONSTRAINT "cluster_nodes_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_pods" ADD CONSTRAINT "cluster_pods_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_timeline" ADD CONSTRAINT "cluster_timeline_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_key_sets" ADD CONSTRAINT "usage_key_sets_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_samples" ADD CONSTRAINT "usage_samples_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cluster_timeline_cluster_idx" ON "cluster_timeline" USING btree ("cluster_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "cluster_timeline_dedupe_idx" ON "cluster_timeline" USING btree ("cluster_id","dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_org_name_idx" ON "clusters" USING btree ("org_id",lower("name"));--> statement-breakpoint
CREATE INDEX "clusters_org_status_idx" ON "clusters" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "enrollment_tokens_cluster_idx" ON "enrollment_tokens" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "usage_key_sets_cluster_idx" ON "usage_key_sets" USING btree ("cluster_id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_open_idx" ON "incidents" USING btree ("cluster_id","kind","subject") WHERE "incidents"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "incidents_org_opened_idx" ON "incidents" USING btree ("org_id","opened_at");