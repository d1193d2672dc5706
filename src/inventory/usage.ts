// Usage history writes and reads. One usage_samples row per cluster per heartbeat: arrays aligned
// with a usage_key_sets row that changes only when pods or nodes come or go; older history lives in
// 10-minute rollups (retention.ts).
import { sql, type SQL } from 'drizzle-orm';
import { pgArrayLiteral, queryRows, type Db } from '../db/client';
import type { Plan } from '../orgs/schema';
import type { UsageVectors } from './prepare';

/**
 * Writes one sample (none when the beat knows no usage at all); the key set is written only when it is
 * new for the cluster, and also without a sample: the cluster's key set always names its stored pods and
 * nodes, which a delta beat's vectors follow (SampleKeys). On an unchanged inventory this is exactly one
 * row, whatever the pod count.
 */
export async function recordUsageSample(db: Db, clusterId: string, usage: UsageVectors, at: Date, knownKeysId: string | null): Promise<void> {
  if (usage.keysId !== knownKeysId) {
    await db.execute(sql`insert into usage_key_sets (id, cluster_id, pod_keys, node_keys)
      values (${usage.keysId}, ${clusterId}, ${pgArrayLiteral(usage.podKeys)}::text::text[], ${pgArrayLiteral(usage.nodeKeys)}::text::text[])
      on conflict (id) do nothing`);
  }
  if (!usage.hasAny) return;
  // Two beats within the same millisecond (a retried request) keep the first sample.
  await db.execute(sql`insert into usage_samples (cluster_id, at, keys_id, pod_cpu, pod_mem, node_cpu, node_mem)
    values (${clusterId}, ${at.toISOString()}::timestamptz, ${usage.keysId},
      ${pgArrayLiteral(usage.podCpu)}::text::int[], ${pgArrayLiteral(usage.podMem)}::text::bigint[],
      ${pgArrayLiteral(usage.nodeCpu)}::text::int[], ${pgArrayLiteral(usage.nodeMem)}::text::bigint[])
    on conflict (cluster_id, at) do nothing`);
}

export type NodeUsage = { at: Date; byNode: Map<string, { cpuMilli: number | null; memBytes: number | null }> };

/** The newest sample's per-node usage, or null when the cluster has none. */
export async function latestNodeUsage(db: Db, clusterId: string): Promise<NodeUsage | null> {
  const [row] = await queryRows<{ at: string | Date; node_keys: string[]; node_cpu: (number | null)[]; node_mem: (string | number | null)[] }>(
    db,
    sql`select s.at, k.node_keys, s.node_cpu, s.node_mem
        from usage_samples s join usage_key_sets k on k.id = s.keys_id
        where s.cluster_id = ${clusterId} order by s.at desc limit 1`,
  );
  if (!row) return null;
  const byNode = new Map<string, { cpuMilli: number | null; memBytes: number | null }>();
  row.node_keys.forEach((name, i) => {
    const mem = row.node_mem[i];
    byNode.set(name, { cpuMilli: row.node_cpu[i] ?? null, memBytes: mem === null || mem === undefined ? null : Number(mem) });
  });
  return { at: new Date(row.at), byNode };
}

/** What must still hold for a beat to count as unchanged (all of it compared inside the UPDATE). */
export type UnchangedExpectation = {
  podsHash: string | null;
  nodesHash: string;
  eventsHash: string;
  /** null for agents that send no workloads (protocol < 4). */
  workloadsHash: string | null;
  agentVersion: string;
  capabilitiesJson: string | null;
  podsTruncated: boolean;
};

/** What an unchanged beat still updates on the cluster row. */
export type BeatFacts = {
  protocol: number;
  k8sVersion: string;
  distribution: string | null;
  platform: string | null;
  podsTotal: number;
  podsRunning: number;
  podsFailed: number;
  namespaces: number;
  cpuUsageMilli: number | null;
  memUsageBytes: number | null;
};

/**
 * Which key set the beat's usage vectors follow. `beat`: the one the beat's own keys name (`usage.keysId`).
 * `stored`: a delta on the stored pod generation carries no keys, so its vectors follow the cluster's stored
 * key set, which the statement checks to hold `pods` pod keys and exactly the beat's node names.
 */
export type SampleKeys = { kind: 'beat' } | { kind: 'stored'; pods: number };

/**
 * Heartbeat writes commit without waiting for the WAL flush (synchronous_commit off, for that
 * transaction only): a beat is re-sent every interval, so a crash that loses the last fraction of a
 * second of them is repaired by the next one — and thousands of clusters don't each wait on fsync.
 *
 * The common case in one statement and one round trip, no explicit transaction: if the stored
 * inventory, events, capabilities and agent match and the cluster is heartbeating normally, bump
 * the cluster row and append the usage sample (2 rows). `answer` adds columns to the result, read
 * in the same statement (they see the database as it was when it began). Returns the cluster's
 * status with those columns, or null when anything differs — the caller then takes the full path.
 * The UPDATE re-checks its conditions against a row a concurrent beat just changed, so a stale fast
 * path cannot win.
 */
export async function recordUnchangedBeat<Answer extends object>(
  db: Db,
  clusterId: string,
  expect: UnchangedExpectation,
  facts: BeatFacts,
  usage: UsageVectors,
  at: Date,
  keys: SampleKeys,
  answer: SQL,
): Promise<(Answer & { status: string }) | null> {
  const atIso = at.toISOString();
  const sample = usage.hasAny
    ? sql`, sample as (
        insert into usage_samples (cluster_id, at, keys_id, pod_cpu, pod_mem, node_cpu, node_mem)
        select id, ${atIso}::timestamptz, usage_keys_id, ${pgArrayLiteral(usage.podCpu)}::text::int[], ${pgArrayLiteral(usage.podMem)}::text::bigint[],
               ${pgArrayLiteral(usage.nodeCpu)}::text::int[], ${pgArrayLiteral(usage.nodeMem)}::text::bigint[]
        from beat on conflict (cluster_id, at) do nothing)`
    : sql``;
  const sameKeys = !usage.hasAny
    ? sql``
    : keys.kind === 'beat'
      ? sql`and usage_keys_id = ${usage.keysId}`
      : sql`and exists (select 1 from usage_key_sets k where k.id = clusters.usage_keys_id and k.cluster_id = clusters.id
              and cardinality(k.pod_keys) = ${keys.pods} and k.node_keys = ${pgArrayLiteral(usage.nodeKeys)}::text::text[])`;
  const [row] = await queryRows<Answer & { status: string }>(
    db,
    sql`with beat as (
          update clusters set last_heartbeat_at = ${atIso}::timestamptz, protocol = ${facts.protocol}, k8s_version = ${facts.k8sVersion},
            distribution = ${facts.distribution}, platform = ${facts.platform}, pods_total = ${facts.podsTotal}, pods_running = ${facts.podsRunning},
            pods_failed = ${facts.podsFailed}, namespaces = ${facts.namespaces}, cpu_usage_milli = ${facts.cpuUsageMilli}, mem_usage_bytes = ${facts.memUsageBytes}
          where id = ${clusterId} and status in ('healthy', 'warning', 'critical')
            and pods_hash is not distinct from ${expect.podsHash} and nodes_hash = ${expect.nodesHash} and events_hash = ${expect.eventsHash}
            and workloads_hash is not distinct from ${expect.workloadsHash}
            and agent_version = ${expect.agentVersion} and pods_truncated = ${expect.podsTruncated}
            and capabilities is not distinct from ${expect.capabilitiesJson}::text::jsonb ${sameKeys}
          returning id, status, usage_keys_id)${sample}
        select status, set_config('synchronous_commit', 'off', true), ${answer} from beat`,
  );
  return row ?? null;
}

export type PodUsage = { at: Date; cpuMilli: number | null; memBytes: number | null };

/** The pod's usage in the cluster's newest sample; null when there is no sample or the pod is not in it. */
export async function latestPodUsage(db: Db, clusterId: string, namespace: string, name: string): Promise<PodUsage | null> {
  const [row] = await queryRows<{ at: string | Date; cpu: number | null; mem: string | number | null }>(
    db,
    sql`select s.at, s.pod_cpu[i.i] as cpu, s.pod_mem[i.i] as mem
        from (select at, keys_id, pod_cpu, pod_mem from usage_samples where cluster_id = ${clusterId} order by at desc limit 1) s
        join usage_key_sets k on k.id = s.keys_id
        cross join lateral (select array_position(k.pod_keys, ${`${namespace}/${name}`}) as i) i
        where i.i is not null`,
  );
  if (!row) return null;
  return { at: new Date(row.at), cpuMilli: row.cpu === null ? null : Number(row.cpu), memBytes: row.mem === null ? null : Number(row.mem) };
}

/** How long each plan keeps usage history. */
export const RETENTION_HOURS: Record<Plan, number> = { free: 24, pro: 24 * 7, enterprise: 24 * 30 };
/** Raw (per-heartbeat) samples are kept this long; older history lives in 10-minute rollups. */
export const RAW_RETENTION_HOURS = 24;
export const ROLLUP_SECONDS = 600;

export type SeriesPoint = { t: number; cpuMilli: number | null; memBytes: number | null };
export type PodSeries = { from: Date; to: Date; stepSeconds: number; source: 'raw' | 'rollup'; points: SeriesPoint[] };

/**
 * The pod's usage between `from` and `to` in buckets of `stepSeconds` (bucket start in unix seconds;
 * CPU averaged, memory the bucket's peak). Buckets of 10 minutes or more, or windows reaching past
 * the raw samples' day, read the rollups (plus raw samples newer than the last rollup), so a 30-day
 * chart reads ~4300 rows, not 170,000.
 */
export async function podUsageSeries(
  db: Db,
  clusterId: string,
  namespace: string,
  name: string,
  window: { from: Date; to: Date; stepSeconds: number; now: Date },
): Promise<PodSeries> {
  const key = `${namespace}/${name}`;
  const rawStart = new Date(window.now.getTime() - RAW_RETENTION_HOURS * 3600_000);
  const useRollups = window.stepSeconds >= ROLLUP_SECONDS || window.from < rawStart;
  const step = useRollups ? Math.ceil(window.stepSeconds / ROLLUP_SECONDS) * ROLLUP_SECONDS : window.stepSeconds;
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  const fromTable = (table: SQL, lower: SQL) => sql`
    select floor(extract(epoch from s.at) / ${step})::bigint * ${step} as t, s.pod_cpu[ks.i] as cpu, s.pod_mem[ks.i] as mem
    from ${table} s join (
      select k.id, array_position(k.pod_keys, ${key}) as i from usage_key_sets k
      where k.cluster_id = ${clusterId} and k.id in (select distinct keys_id from ${table} where cluster_id = ${clusterId} and at >= ${lower} and at < ${to}::timestamptz)
    ) ks on ks.id = s.keys_id
    where s.cluster_id = ${clusterId} and s.at >= ${lower} and s.at < ${to}::timestamptz and ks.i is not null`;
  const parts = useRollups
    ? sql`${fromTable(sql`usage_rollups`, sql`${from}::timestamptz`)}
        union all
        ${fromTable(sql`usage_samples`, sql`greatest(${from}::timestamptz, coalesce((select max(at) + interval '10 minutes' from usage_rollups where cluster_id = ${clusterId}), ${from}::timestamptz))`)}`
    : fromTable(sql`usage_samples`, sql`${from}::timestamptz`);
  const rows = await queryRows<{ t: string | number; cpu: number | null; mem: string | number | null }>(
    db,
    sql`select t, round(avg(cpu))::int as cpu, max(mem) as mem from (${parts}) x group by t order by t`,
  );
  return {
    from: window.from,
    to: window.to,
    stepSeconds: step,
    source: useRollups ? 'rollup' : 'raw',
    points: rows.map((r) => ({ t: Number(r.t), cpuMilli: r.cpu === null ? null : Number(r.cpu), memBytes: r.mem === null ? null : Number(r.mem) })),
  };
}
