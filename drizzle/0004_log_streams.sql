CREATE TABLE "log_streams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"created_by" uuid,
	"actor" text NOT NULL,
	"namespace" text NOT NULL,
	"pod" text NOT NULL,
	"container" text NOT NULL,
	"options" jsonb NOT NULL,
	"tail_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"owner_replica" text,
	"owner_seen_at" timestamp (3) with time zone,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"last_timestamp" text,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"lines" bigint DEFAULT 0 NOT NULL,
	"dropped_lines" bigint DEFAULT 0 NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"end_reason" text
);
--> statement-breakpoint
CREATE TABLE "log_tails" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_by" uuid,
	"actor" text NOT NULL,
	"owner_kind" text NOT NULL,
	"owner_name" text NOT NULL,
	"namespace" text,
	"cluster_ids" uuid[] NOT NULL,
	"container" text,
	"options" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"end_reason" text
);
--> statement-breakpoint
ALTER TABLE "log_streams" ADD CONSTRAINT "log_streams_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_streams" ADD CONSTRAINT "log_streams_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_streams" ADD CONSTRAINT "log_streams_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_tails" ADD CONSTRAINT "log_tails_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "log_streams_open_cluster_idx" ON "log_streams" USING btree ("cluster_id") WHERE ended_at is null;--> statement-breakpoint
CREATE INDEX "log_streams_open_org_idx" ON "log_streams" USING btree ("org_id") WHERE ended_at is null;--> statement-breakpoint
CREATE INDEX "log_streams_tail_idx" ON "log_streams" USING btree ("tail_id") WHERE tail_id is not null;--> statement-breakpoint
CREATE INDEX "log_tails_open_idx" ON "log_tails" USING btree ("created_at") WHERE ended_at is null;