import { pgTable, uuid, text, timestamp, integer, bigint, boolean, jsonb, bigserial, index, uniqueIndex, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgs } from '../orgs/schema';
import { users } from '../accounts/schema';
import type { Capabilities } from '../contract';
import type { ClusterStatus, Environment, TimelineKind } from './vocabulary';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
const big = (name: string) => bigint(name, { mode: 'number' });

export const clusters = pgTable(
  'clusters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => orgs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    environment: text('environment').$type<Environment>().notNull().default('unspecified'),
    /** Operator-set Kubernetes-style labels (`site: berlin`), for targeting deployments; checked in labels.ts. */
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    status: text('status').$type<ClusterStatus>().notNull().default('pending'),
    statusSince: ts('status_since').notNull().defaultNow(),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    enrolledAt: ts('enrolled_at'),
    /** Agent key `niro_agent_<publicId>_<secret>`: the public id finds the row, only the secret's hash is kept. */
    agentKeyPublicId: text('agent_key_public_id').unique(),
    agentKeyHash: text('agent_key_hash'),
    // What the agent last said about itself and its cluster.
    agentVersion: text('agent_version'),
    protocol: integer('protocol'),
    k8sVersion: text('k8s_version'),
    distribution: text('distribution'),
    platform: text('platform'),
    /** Null until a protocol-2 agent reports them (protocol 1 has no capabilities). */
    capabilities: jsonb('capabilities').$type<Capabilities>(),
    /**
     * Not indexed on purpose: it changes every beat, and an index on it would make every heartbeat's
     * row update non-HOT (a new entry in every index). The status job scans the table instead.
     */
    lastHeartbeatAt: ts('last_heartbeat_at'),
    // Aggregates of the latest heartbeat, so the fleet reads one row per cluster.
    nodeCount: integer('node_count').notNull().default(0),
    nodesReady: integer('nodes_ready').notNull().default(0),
    /** Counts as the agent computed them before any truncation (the whole cluster). */
    podsTotal: integer('pods_total').notNull().default(0),
    podsRunning: integer('pods_running').notNull().default(0),
    podsFailed: integer('pods_failed').notNull().default(0),
    namespaces: integer('namespaces').notNull().default(0),
    /** Pods stored in the inventory (src/inventory/); 0 for protocol-1 agents, which send counts only. */
    podsListed: integer('pods_listed').notNull().default(0),
    /** The pod list was cut (by the agent or by this server's cap): podsListed < podsTotal. */
    podsTruncated: boolean('pods_truncated').notNull().default(false),
    cpuCapacityMilli: big('cpu_capacity_milli').notNull().default(0),
    memCapacityBytes: big('mem_capacity_bytes').notNull().default(0),
    cpuAllocatableMilli: big('cpu_allocatable_milli').notNull().default(0),
    memAllocatableBytes: big('mem_allocatable_bytes').notNull().default(0),
    /** Sum over nodes with metrics; null when metrics.k8s.io gave nothing. */
    cpuUsageMilli: big('cpu_usage_milli'),
    memUsageBytes: big('mem_usage_bytes'),
    // Digests of the last stored inventory: an equal digest means nothing to diff or write.
    podsHash: text('pods_hash'),
    nodesHash: text('nodes_hash'),
    eventsHash: text('events_hash'),
    /** Digest of the workloads (protocol 4+) without their templates; null when none were sent or a template is missing. */
    workloadsHash: text('workloads_hash'),
    /** The inventory's usage key set the latest samples index into. */
    usageKeysId: text('usage_keys_id'),
  },
  (t) => [
    uniqueIndex('clusters_org_name_idx').on(t.orgId, sql`lower(${t.name})`),
    index('clusters_org_status_idx').on(t.orgId, t.status),
    // The pod table's picker draws a scope's first clusters by name: walked in this order it stops at the page, where
    // the organization's index would read every cluster of a large scope to sort them. Names do not change on a beat.
    index('clusters_name_idx').on(t.name, t.id),
    // The pod table counts a scope's counts-only and truncated clusters: few rows, read without touching the rest.
    // Neither column changes on an ordinary beat, so beats stay HOT updates.
    index('clusters_counts_only_idx').on(t.orgId).where(sql`${t.protocol} < 2`),
    index('clusters_truncated_idx').on(t.orgId).where(sql`${t.podsTruncated}`),
    // Deployment targeting asks `labels @> {...}` within an org subtree.
    index('clusters_labels_idx').using('gin', t.labels),
    check('clusters_environment_check', sql`${t.environment} in ('production','staging','dev','unspecified')`),
    check('clusters_status_check', sql`${t.status} in ('pending','healthy','warning','critical','unknown','offline')`),
  ],
);

/**
 * Clusters per organization, kept by a row trigger on `clusters` (drizzle/0025_org_cluster_counts.sql) on insert,
 * delete (an organization's deletion cascading included) and a change of organization. The pod table's picker
 * counts a scope's clusters from a few rows here instead of the clusters' own rows, which every heartbeat rewrites.
 * A count that falls to 0 is deleted.
 */
export const orgClusterCounts = pgTable('org_cluster_counts', {
  orgId: uuid('org_id').primaryKey(),
  clusters: integer('clusters').notNull(),
});

/** Single-use, one hour: `niro_enr_<publicId>_<secret>`; only the secret's hash is kept. */
export const enrollmentTokens = pgTable(
  'enrollment_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    publicId: text('public_id').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    consumedAt: ts('consumed_at'),
    /** Set when a newer token replaced this one before it was used. */
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('enrollment_tokens_cluster_idx').on(t.clusterId)],
);

/**
 * Agent keys of deleted clusters, so their agents get "cluster deleted" instead of a bare
 * "invalid key" and an operator reading the agent's log knows to uninstall it.
 */
export const retiredAgentKeys = pgTable('retired_agent_keys', {
  publicId: text('public_id').primaryKey(),
  clusterId: uuid('cluster_id').notNull(),
  clusterName: text('cluster_name').notNull(),
  retiredAt: ts('retired_at').notNull().defaultNow(),
});

/**
 * A cluster's activity feed, newest first by (at, id): `at` is when it happened (a Warning event's first
 * sighting may be older than its row), the id breaks ties between entries of the same instant.
 */
export const clusterTimeline = pgTable(
  'cluster_timeline',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    at: ts('at').notNull(),
    kind: text('kind').$type<TimelineKind>().notNull(),
    message: text('message').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    /** Set for entries that must appear once (a Kubernetes event by uid); null never conflicts. */
    dedupeKey: text('dedupe_key'),
  },
  (t) => [
    index('cluster_timeline_order_idx').on(t.clusterId, t.at.desc(), t.id.desc()),
    uniqueIndex('cluster_timeline_dedupe_idx').on(t.clusterId, t.dedupeKey),
    check(
      'cluster_timeline_kind_check',
      sql`${t.kind} in ('enrolled','status','capability','agent','event','restart','incident','truncation','settings','token','policy','deployment','drift')`,
    ),
  ],
);

export type Cluster = typeof clusters.$inferSelect;
export type TimelineEntry = typeof clusterTimeline.$inferSelect;
export type EnrollmentToken = typeof enrollmentTokens.$inferSelect;
