// Usage history upkeep, on exactly one replica per pass (advisory lock LOCKS.pruneJob): raw samples
// are rolled up into 10-minute buckets, then history older than the org plan's window is deleted by
// (cluster_id, at) range on the primary keys — never a scan of the whole table — and key sets no
// sample or rollup points to any more go with it.
import { sql } from 'drizzle-orm';
import { LOCKS, queryRows, type Db } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import type { Plan } from '../orgs/schema';
import { RAW_RETENTION_HOURS, RETENTION_HOURS, ROLLUP_SECONDS } from './usage';

/** A bucket is rolled up once it ended this long ago (a heartbeat in flight still lands in it). */
const ROLLUP_GRACE_MS = 30_000;

export type RetentionResult = { rolledUp: number; samplesDeleted: number; rollupsDeleted: number; keySetsDeleted: number };

function floorToBucket(ms: number): number {
  return Math.floor(ms / (ROLLUP_SECONDS * 1000)) * ROLLUP_SECONDS * 1000;
}

/**
 * Rolls up every complete 10-minute bucket of the cluster's raw samples newer than its last rollup
 * (all of them in one statement: per pod, CPU averaged and memory's peak, aligned with a key set of
 * the pods seen in the bucket). Returns the buckets written.
 */
export async function rollUpCluster(db: Db, clusterId: string, now: Date): Promise<number> {
  const until = new Date(floorToBucket(now.getTime() - ROLLUP_GRACE_MS)).toISOString();
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`with since as (
          select coalesce((select max(at) + interval '10 minutes' from usage_rollups where cluster_id = ${clusterId}),
                          (select min(at) from usage_samples where cluster_id = ${clusterId})) as at),
        raw as (
          select to_timestamp(floor(extract(epoch from s.at) / ${ROLLUP_SECONDS}) * ${ROLLUP_SECONDS}) as b, s.at, x.key, x.cpu, x.mem
          from usage_samples s join usage_key_sets k on k.id = s.keys_id
          cross join lateral unnest(k.pod_keys, s.pod_cpu, s.pod_mem) as x(key, cpu, mem)
          where s.cluster_id = ${clusterId} and s.at >= (select at from since) and s.at < ${until}::timestamptz),
        per_key as (select b, key, round(avg(cpu))::int as cpu, max(mem) as mem from raw group by b, key),
        buckets as (
          select b, array_agg(key order by key) as keys, array_agg(cpu order by key) as cpu, array_agg(mem order by key) as mem
          from per_key group by b),
        counted as (select b, count(distinct at)::int as n from raw group by b),
        ids as (select b.*, c.n, 'rollup:' || md5(${clusterId} || E'\\n' || array_to_string(b.keys, E'\\n')) as id from buckets b join counted c using (b)),
        uses as (
          insert into usage_key_set_uses (keys_id, cluster_id, last_used_at)
          select keys_id, ${clusterId}::uuid, max(at) from usage_samples
            where cluster_id = ${clusterId} and at >= (select at from since) and at < ${until}::timestamptz group by keys_id
          union all
          select id, ${clusterId}::uuid, max(b) from ids group by id
          on conflict (keys_id) do update set last_used_at = greatest(usage_key_set_uses.last_used_at, excluded.last_used_at)),
        keysets as (
          insert into usage_key_sets (id, cluster_id, pod_keys, node_keys)
          select distinct on (id) id, ${clusterId}::uuid, keys, '{}'::text[] from ids
          on conflict (id) do nothing),
        written as (
          insert into usage_rollups (cluster_id, at, keys_id, pod_cpu, pod_mem, samples)
          select ${clusterId}::uuid, b, id, cpu, mem, n from ids
          on conflict (cluster_id, at) do nothing
          returning 1)
        select count(*)::int as n from written`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Deletes the history of `clusterIds` (all on `plan`) older than the plan keeps: raw samples past
 * their day (rolled up by then), rollups past the plan's window. Both are range deletes on the
 * (cluster_id, at) primary key.
 */
export async function pruneUsage(db: Db, clusterIds: readonly string[], plan: Plan, now: Date): Promise<{ samples: number; rollups: number }> {
  if (clusterIds.length === 0) return { samples: 0, rollups: 0 };
  const ids = `{${clusterIds.join(',')}}`;
  const hours = RETENTION_HOURS[plan];
  const rawCutoff = new Date(now.getTime() - Math.min(hours, RAW_RETENTION_HOURS) * 3600_000).toISOString();
  const rollupCutoff = new Date(now.getTime() - hours * 3600_000).toISOString();
  const [s] = await queryRows<{ n: number }>(
    db,
    sql`with d as (delete from usage_samples where cluster_id = any(${ids}::uuid[]) and at < ${rawCutoff}::timestamptz returning 1) select count(*)::int as n from d`,
  );
  const [r] = await queryRows<{ n: number }>(
    db,
    sql`with d as (delete from usage_rollups where cluster_id = any(${ids}::uuid[]) and at < ${rollupCutoff}::timestamptz returning 1) select count(*)::int as n from d`,
  );
  return { samples: Number(s?.n ?? 0), rollups: Number(r?.n ?? 0) };
}

/**
 * Deletes the key sets of `clusterIds` (all on `plan`) that nothing kept can point to: raw key sets
 * last used (as the rollups saw it) before the raw samples' cutoff and not by a sample newer than
 * the last rollup, rollup key sets last used before the plan's cutoff; never a cluster's current
 * one. Candidates come from usage_key_set_uses' time index, so no sample table is scanned.
 */
export async function deleteUnusedKeySets(db: Db, clusterIds: readonly string[], plan: Plan, now: Date): Promise<number> {
  if (clusterIds.length === 0) return 0;
  const ids = `{${clusterIds.join(',')}}`;
  const hours = RETENTION_HOURS[plan];
  const rawCutoff = new Date(now.getTime() - Math.min(hours, RAW_RETENTION_HOURS) * 3600_000).toISOString();
  const rollupCutoff = new Date(now.getTime() - hours * 3600_000).toISOString();
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`with cand as (
          select u.keys_id, u.cluster_id from usage_key_set_uses u
          where u.cluster_id = any(${ids}::uuid[])
            and u.last_used_at < case when u.keys_id like 'rollup:%' then ${rollupCutoff}::timestamptz else ${rawCutoff}::timestamptz end),
        gone as (
          delete from usage_key_sets k using cand c
          where k.id = c.keys_id
            and k.id is distinct from (select usage_keys_id from clusters where id = c.cluster_id)
            and not exists (
              select 1 from usage_samples s where s.cluster_id = c.cluster_id and s.keys_id = c.keys_id
                and s.at >= coalesce((select max(at) from usage_rollups r where r.cluster_id = c.cluster_id), '-infinity'::timestamptz))
          returning k.id),
        forgotten as (delete from usage_key_set_uses u using gone g where u.keys_id = g.id returning 1)
        select count(*)::int as n from forgotten`,
  );
  return Number(row?.n ?? 0);
}

/** One upkeep pass over every cluster: roll up, then prune by each cluster's org plan. */
export async function runRetention(db: Db, now: Date): Promise<RetentionResult> {
  const clusters = await queryRows<{ id: string; plan: Plan }>(db, sql`select c.id, o.plan from clusters c join orgs o on o.id = c.org_id`);
  let rolledUp = 0;
  for (const c of clusters) rolledUp += await rollUpCluster(db, c.id, now);
  let samplesDeleted = 0;
  let rollupsDeleted = 0;
  let keySetsDeleted = 0;
  for (const plan of Object.keys(RETENTION_HOURS) as Plan[]) {
    const ids = clusters.filter((c) => c.plan === plan).map((c) => c.id);
    const res = await pruneUsage(db, ids, plan, now);
    samplesDeleted += res.samples;
    rollupsDeleted += res.rollups;
    keySetsDeleted += await deleteUnusedKeySets(db, ids, plan, now);
  }
  return { rolledUp, samplesDeleted, rollupsDeleted, keySetsDeleted };
}

/**
 * Runs runRetention every `intervalMs` under LOCKS.pruneJob; a replica that finds the lock taken
 * skips that pass. A pass is idempotent (rollups never overwrite, deletes are by cutoff).
 */
export function startRetentionJob(deps: JobDeps & { intervalMs?: number }): Job {
  return startLockedJob(deps, {
    name: 'usage retention job',
    lock: LOCKS.pruneJob,
    intervalMs: deps.intervalMs ?? 60_000,
    pass: async (tx) => {
      const r = await runRetention(tx, new Date());
      if (r.samplesDeleted || r.rollupsDeleted || r.keySetsDeleted) deps.log.info('usage history pruned', r);
    },
  });
}
