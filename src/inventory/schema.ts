// The stored snapshot of every cluster: node and pod inventory of the latest heartbeat, usage history,
// and the fleet-wide pod index built from them. Only src/inventory/ names these tables; other domains
// go through its store.ts (and its named service files).
import { pgTable, uuid, text, timestamp, integer, bigint, boolean, jsonb, primaryKey, index, foreignKey } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { clusters } from '../clusters/schema';
import type { ContainerDetail, PodDetail, PodTemplateFacts, WorkloadKind } from '../contract';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
const big = (name: string) => bigint(name, { mode: 'number' });

/** Node inventory of the latest heartbeat. Usage is not here: it goes to usage_samples every beat. */
export const clusterNodes = pgTable(
  'cluster_nodes',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: text('status').notNull(),
    roles: text('roles').array().notNull(),
    kubeletVersion: text('kubelet_version').notNull(),
    cpuCapacityMilli: big('cpu_capacity_milli').notNull(),
    memCapacityBytes: big('mem_capacity_bytes').notNull(),
    cpuAllocatableMilli: big('cpu_allocatable_milli').notNull(),
    memAllocatableBytes: big('mem_allocatable_bytes').notNull(),
    podCount: integer('pod_count'),
    unschedulable: boolean('unschedulable').notNull().default(false),
    pressures: text('pressures').array().notNull(),
    internalIp: text('internal_ip'),
    osImage: text('os_image'),
    architecture: text('architecture'),
    containerRuntime: text('container_runtime'),
    k8sCreatedAt: ts('k8s_created_at'),
    /** Digest of every field above: an unchanged node is not rewritten. */
    contentHash: text('content_hash').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.name] })],
);

/** cluster_pods.detail: the pod as the agent sent it, usage removed (pod and containers). */
export type PodDetailJson = Omit<PodDetail, 'cpuUsageMilli' | 'memUsageBytes' | 'containerDetails'> & {
  containerDetails: Omit<ContainerDetail, 'cpuUsageMilli' | 'memUsageBytes'>[];
};

/** Pod inventory of the latest heartbeat (protocol 2+). Usage lives in usage_samples. */
export const clusterPods = pgTable(
  'cluster_pods',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    uid: text('uid'),
    phase: text('phase').notNull(),
    /** kubectl's STATUS column: Running, CrashLoopBackOff, Init:0/1, Completed… */
    status: text('status').notNull(),
    nodeName: text('node_name').notNull(),
    restarts: integer('restarts').notNull(),
    ready: text('ready').notNull(),
    containers: text('containers').array().notNull(),
    startedAt: ts('started_at'),
    k8sCreatedAt: ts('k8s_created_at'),
    ownerKind: text('owner_kind').notNull(),
    ownerName: text('owner_name').notNull(),
    cpuRequestMilli: big('cpu_request_milli').notNull(),
    cpuLimitMilli: big('cpu_limit_milli').notNull(),
    memRequestBytes: big('mem_request_bytes').notNull(),
    memLimitBytes: big('mem_limit_bytes').notNull(),
    privileged: boolean('privileged').notNull(),
    podIp: text('pod_ip').notNull(),
    qosClass: text('qos_class').notNull(),
    message: text('message'),
    /** False when metrics.k8s.io had no sample for the pod (its usage is then null in usage_samples). */
    usageAvailable: boolean('usage_available').notNull(),
    /** Every container's image (init and sidecars included), for search. */
    images: text('images').array().notNull(),
    detail: jsonb('detail').$type<PodDetailJson>().notNull(),
    /** Digest of every field above: an unchanged pod is not rewritten. */
    contentHash: text('content_hash').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.namespace, t.name] }),
    // The status job asks, for every open crash loop past its quiet period, whether a pod of the workload is still in
    // CrashLoopBackOff (storedWorkloadCrashLooping): each question reads the cluster's crash-looping pods, not all of them.
    index('cluster_pods_crash_looping_idx').on(t.clusterId).where(sql`${t.status} = 'CrashLoopBackOff'`),
  ],
);

/**
 * Usage history, one row per cluster per heartbeat: arrays aligned with a key set (pods sorted by
 * namespace/name, nodes by name). Key sets change only when pods come or go, so an unchanged
 * inventory adds exactly one usage row per beat whatever the pod count. Retention deletes by
 * (cluster_id, at) range on the primary key; a key set no sample points to can then be removed.
 */
export const usageKeySets = pgTable(
  'usage_key_sets',
  {
    /** Digest of the two key lists: the same set is stored once. */
    id: text('id').primaryKey(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    /** "namespace/name", sorted. */
    podKeys: text('pod_keys').array().notNull(),
    nodeKeys: text('node_keys').array().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('usage_key_sets_cluster_idx').on(t.clusterId)],
);

export const usageSamples = pgTable(
  'usage_samples',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    at: ts('at').notNull(),
    keysId: text('keys_id').notNull(),
    /** Millicores per pod, aligned with the key set's pod_keys; null = no metrics for that pod. */
    podCpu: integer('pod_cpu').array().notNull(),
    /** Bytes per pod. */
    podMem: bigint('pod_mem', { mode: 'number' }).array().notNull(),
    nodeCpu: integer('node_cpu').array().notNull(),
    nodeMem: bigint('node_mem', { mode: 'number' }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.at] })],
);

/**
 * The fleet-wide pod index behind /pods: a narrow projection of cluster_pods, kept by one replica's
 * index job (fleet-index.ts) rather than by the heartbeat, so ingest stays "write only what changed"
 * and every sort and filter of the fleet table has an index here. Rows change only when a pod's
 * inventory does (or its OOM-risk flag flips); usage, which moves all the time, lives beside it in
 * fleet_pod_usage. Sort keys are indexed as `-x` / `coalesce(-x, 1)` so a descending sort with
 * ascending tie-breakers is one ascending row comparison (keyset) and unknown values come last.
 */
export const fleetPods = pgTable(
  'fleet_pods',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    /**
     * The cluster's organization (a cluster never changes org): the pod table's scope is a short list of orgs the
     * planner estimates from this column's statistics, where a list of thousands of cluster ids it could not.
     */
    orgId: uuid('org_id').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    phase: text('phase').notNull(),
    ready: text('ready').notNull(),
    restarts: integer('restarts').notNull(),
    nodeName: text('node_name').notNull(),
    ownerKind: text('owner_kind').notNull(),
    ownerName: text('owner_name').notNull(),
    /** metadata.creationTimestamp in unix seconds; 0 when unknown. */
    createdUnix: big('created_unix').notNull(),
    /** Every container's image, init and sidecars included. */
    images: text('images').array().notNull(),
    cpuRequestMilli: big('cpu_request_milli').notNull(),
    cpuLimitMilli: big('cpu_limit_milli').notNull(),
    memRequestBytes: big('mem_request_bytes').notNull(),
    memLimitBytes: big('mem_limit_bytes').notNull(),
    /** Problem signals; the time-dependent ones (pending too long, restarted lately) are judged at query time. */
    notReady: boolean('not_ready').notNull(),
    failing: boolean('failing').notNull(),
    crashLooping: boolean('crash_looping').notNull(),
    pendingLike: boolean('pending_like').notNull(),
    /** Newest lastState.terminated time over the containers, unix seconds; 0 when none. */
    lastRestartUnix: big('last_restart_unix').notNull(),
    /** Memory usage at or above 90 % of the limit. */
    oomRisk: boolean('oom_risk').notNull(),
    /** Lower-case "namespace name ownerKind/ownerName images…" for substring search (trigram index). */
    search: text('search').notNull(),
    /** cluster_pods.content_hash of the row this one was built from. */
    contentHash: text('content_hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.namespace, t.name] }),
    index('fleet_pods_name_idx').on(t.namespace, t.name, t.clusterId),
    index('fleet_pods_status_idx').on(t.status, t.namespace, t.name, t.clusterId),
    index('fleet_pods_owner_idx').on(t.ownerName, t.ownerKind, t.namespace, t.name, t.clusterId),
    index('fleet_pods_node_idx').on(t.nodeName, t.namespace, t.name, t.clusterId),
    index('fleet_pods_restarts_idx').on(sql`(-${t.restarts})`, t.namespace, t.name, t.clusterId),
    index('fleet_pods_age_idx').on(sql`(-${t.createdUnix})`, t.namespace, t.name, t.clusterId),
    index('fleet_pods_problem_idx')
      .on(t.namespace, t.name, t.clusterId)
      .where(sql`${t.failing} or ${t.notReady} or ${t.crashLooping} or ${t.oomRisk} or ${t.pendingLike} or ${t.restarts} > 0`),
    // Counting problem pods from the index alone (the page's chip): the flags ride along, and the status for the count
    // under a status filter. By organization first, as the page's scope is (picked clusters are within those
    // organizations and read the same index on cluster_id).
    index('fleet_pods_problem_count_idx')
      .on(t.orgId, t.clusterId, t.failing, t.notReady, t.crashLooping, t.oomRisk, t.pendingLike, t.createdUnix, t.restarts, t.lastRestartUnix, t.status)
      .where(sql`${t.failing} or ${t.notReady} or ${t.crashLooping} or ${t.oomRisk} or ${t.pendingLike} or ${t.restarts} > 0`),
    index('fleet_pods_search_idx').using('gin', t.search.op('gin_trgm_ops')),
  ],
);

/**
 * Each fleet_pods row's latest usage (null = no metrics for the pod), written only when it moved
 * noticeably; the CPU and memory sorts walk its indexes. The pod's requests and limits are repeated here
 * (kept equal to fleet_pods' by the index job) so usage as a share of them, which the "% of request" and
 * "% of limit" sorts order by, is an expression over one table and can be indexed: in basis points
 * (usage × 10000 / request), negated so the largest share comes first, and 1 (last) without a request,
 * a limit or metrics.
 */
export const fleetPodUsage = pgTable(
  'fleet_pod_usage',
  {
    clusterId: uuid('cluster_id').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    cpuMilli: integer('cpu_milli'),
    memBytes: big('mem_bytes'),
    /** Time of the sample the values come from. */
    usageAt: ts('usage_at'),
    /** fleet_pods' requests and limits of the pod (0 = not set). */
    cpuRequestMilli: big('cpu_request_milli').notNull().default(0),
    cpuLimitMilli: big('cpu_limit_milli').notNull().default(0),
    memRequestBytes: big('mem_request_bytes').notNull().default(0),
    memLimitBytes: big('mem_limit_bytes').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.namespace, t.name] }),
    foreignKey({ columns: [t.clusterId, t.namespace, t.name], foreignColumns: [fleetPods.clusterId, fleetPods.namespace, fleetPods.name] }).onDelete('cascade'),
    index('fleet_pod_usage_cpu_idx').on(sql`coalesce(-${t.cpuMilli}, 1)`, t.namespace, t.name, t.clusterId),
    index('fleet_pod_usage_mem_idx').on(sql`coalesce(-${t.memBytes}, 1)`, t.namespace, t.name, t.clusterId),
    index('fleet_pod_usage_cpu_request_idx').on(
      sql`coalesce(-(${t.cpuMilli}::bigint * 10000 / nullif(${t.cpuRequestMilli}, 0)), 1)`,
      t.namespace,
      t.name,
      t.clusterId,
    ),
    index('fleet_pod_usage_cpu_limit_idx').on(
      sql`coalesce(-(${t.cpuMilli}::bigint * 10000 / nullif(${t.cpuLimitMilli}, 0)), 1)`,
      t.namespace,
      t.name,
      t.clusterId,
    ),
    index('fleet_pod_usage_mem_request_idx').on(sql`coalesce(-(${t.memBytes} * 10000 / nullif(${t.memRequestBytes}, 0)), 1)`, t.namespace, t.name, t.clusterId),
    index('fleet_pod_usage_mem_limit_idx').on(sql`coalesce(-(${t.memBytes} * 10000 / nullif(${t.memLimitBytes}, 0)), 1)`, t.namespace, t.name, t.clusterId),
  ],
);

/** Per cluster: what the fleet index was last built from, and its pods per status (the summary chips). */
export const fleetPodState = pgTable('fleet_pod_state', {
  clusterId: uuid('cluster_id')
    .primaryKey()
    .references(() => clusters.id, { onDelete: 'cascade' }),
  /** The cluster's organization (a cluster never changes org), which fleet_pod_org_counts sums by. */
  orgId: uuid('org_id').notNull(),
  /** clusters.pods_hash the rows were synced from; null = no pod list. */
  podsHash: text('pods_hash'),
  /** Time of the usage sample the rows' usage came from. */
  usageAt: ts('usage_at'),
  /** { status: pods }, e.g. { "Running": 180, "CrashLoopBackOff": 2 }. */
  statusCounts: jsonb('status_counts').$type<Record<string, number>>().notNull().default({}),
  syncedAt: ts('synced_at').notNull(),
});

/**
 * Pods per status per organization: the sum of its clusters' fleet_pod_state.status_counts, kept by a statement
 * trigger on that table (drizzle/0023_fleet_pod_org_counts.sql) whatever writes or deletes its rows, a cluster's
 * deletion cascading included. The pod table's chips over an organization tree read a few rows here however many
 * clusters the tree holds. A count that falls to 0 is deleted; TRUNCATE of fleet_pod_state fires no trigger, so
 * whoever truncates it truncates this table too.
 */
export const fleetPodOrgCounts = pgTable(
  'fleet_pod_org_counts',
  {
    orgId: uuid('org_id').notNull(),
    status: text('status').notNull(),
    pods: integer('pods').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.status] })],
);

/**
 * Usage history downsampled to 10-minute buckets: one row per cluster per bucket, arrays aligned with
 * a usage_key_sets row (as usage_samples). CPU is the bucket's average, memory its peak. Raw samples
 * are kept a day; these for the org plan's whole window. Pruned by (cluster_id, at) range.
 */
export const usageRollups = pgTable(
  'usage_rollups',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    /** Bucket start. */
    at: ts('at').notNull(),
    keysId: text('keys_id').notNull(),
    podCpu: integer('pod_cpu').array().notNull(),
    podMem: bigint('pod_mem', { mode: 'number' }).array().notNull(),
    /** Raw samples in the bucket. */
    samples: integer('samples').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.at] })],
);

/**
 * When each usage key set was last used, as the rollups saw it: raw key sets by the buckets whose
 * samples pointed to them, rollup key sets by the buckets written with them. Retention deletes key
 * sets whose last use is older than what is kept, found through this table's time index instead of
 * scanning the samples that might point to them.
 */
export const usageKeySetUses = pgTable(
  'usage_key_set_uses',
  {
    keysId: text('keys_id').primaryKey(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    lastUsedAt: ts('last_used_at').notNull(),
  },
  (t) => [index('usage_key_set_uses_cluster_idx').on(t.clusterId, t.lastUsedAt)],
);

/**
 * Workloads of the latest heartbeat (protocol 4+): Deployments, StatefulSets, DaemonSets with their
 * rollout counts and pod template. The agent sends a template only when its hash is new to it, so a
 * row keeps the template it got until the hash changes.
 */
export const clusterWorkloads = pgTable(
  'cluster_workloads',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<WorkloadKind>().notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    desired: integer('desired').notNull(),
    ready: integer('ready').notNull(),
    available: integer('available').notNull(),
    updated: integer('updated').notNull(),
    progressing: boolean('progressing').notNull(),
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    templateHash: text('template_hash').notNull(),
    /** null until the agent sent the template of this hash. */
    template: jsonb('template').$type<PodTemplateFacts>(),
    hasPdb: boolean('has_pdb').notNull(),
    /** First beat that saw ready < desired; null while ready >= desired. */
    notReadySince: ts('not_ready_since'),
    /** Digest of every column but the template and times: an unchanged workload is not rewritten. */
    contentHash: text('content_hash').notNull(),
    /** Digest of what policy rules read (template hash, labels, desired, PDB coverage). */
    policyHash: text('policy_hash').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.namespace, t.kind, t.name] })],
);

/**
 * Objects Niro applied, as the cluster's agent last reported them (protocol 7 `managed`): one row per object
 * labelled app.kubernetes.io/managed-by=niro, with its deployment (the `niro.dev/deployment` label, "" when
 * missing; not a foreign key: the objects outlive a deleted deployment until the agent stops seeing them), the
 * revision annotation and the drift paths. Replaced as a set whenever a beat carries it.
 */
export const managedObjects = pgTable(
  'managed_objects',
  {
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    apiVersion: text('api_version').notNull(),
    kind: text('kind').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    deploymentId: text('deployment_id').notNull(),
    /** 0 when the object carries no (numeric) revision annotation. */
    revision: integer('revision').notNull(),
    /** Field paths whose live value differs from what Niro applied; empty = in sync. */
    drift: jsonb('drift').$type<string[]>().notNull(),
    /** The beat that first reported the current drift; null while in sync. */
    driftSince: ts('drift_since'),
    /** The beat that last reported the set this row belongs to. */
    observedAt: ts('observed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clusterId, t.apiVersion, t.kind, t.namespace, t.name] }),
    index('managed_objects_deployment_idx').on(t.deploymentId, t.clusterId),
  ],
);

export type ClusterNode = typeof clusterNodes.$inferSelect;
export type ClusterPod = typeof clusterPods.$inferSelect;
export type FleetPod = typeof fleetPods.$inferSelect;
export type ClusterWorkload = typeof clusterWorkloads.$inferSelect;
