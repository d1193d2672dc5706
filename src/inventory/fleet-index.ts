// The fleet pod index job: keeps fleet_pods (what /pods lists, sorts and searches) in step with the
// heartbeat's pod inventory and usage, on exactly one replica (advisory lock). It runs apart from the
// heartbeat on purpose: ingest stays "write only what changed, a constant two rows per unchanged beat",
// and this job writes a pod only when its inventory digest changed or its usage moved noticeably.
import { sql, type SQL } from 'drizzle-orm';
import { LOCKS, queryRows, type Db } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import { HEALTHY_STATUSES, INIT_PROGRESS_PATTERN as INIT_PROGRESS, PROGRESS_STATUSES } from './pod-status';

/**
 * A usage change smaller than this is not written (the table shows usage, the drawer the exact sample):
 * CPU within max(5m, 10 %), memory within max(1 MiB, 1 %).
 */
const CPU_SLACK_MILLI = 5;
const MEM_SLACK_BYTES = 1024 * 1024;

/** Pods one statement of the job takes at most (whole clusters: a bigger cluster is taken alone). */
export const BATCH_PODS = 10_000;

export type IndexPassResult = { inventory: number; usage: number; failed: number };
export type IndexBatchResult = IndexPassResult & { more: boolean };

type Due = { id: string; inventory: boolean };

type IndexOptions = { now: Date; usageEverySeconds: number; onlyClusterIds?: readonly string[] };

/** Every due cluster at time `now`, batch after batch (see indexFleetPodsBatch); `onlyClusterIds` narrows it. */
export async function indexFleetPods(db: Db, opts: IndexOptions): Promise<IndexPassResult> {
  const total: IndexPassResult = { inventory: 0, usage: 0, failed: 0 };
  const failed = new Set<string>();
  for (;;) {
    const r = await indexFleetPodsBatch(db, { ...opts, skip: failed });
    total.inventory += r.inventory;
    total.usage += r.usage;
    total.failed += r.failed;
    if (!r.more) return total;
  }
}

/**
 * One batch at time `now`, set-based: up to `maxPods` pods' worth of due clusters, those whose pod inventory
 * digest differs from what the index was built from first (re-synced, changed rows only), then those that beat
 * since their usage was last refreshed at least `usageEverySeconds` ago (usage refreshed). One statement per
 * kind for the whole batch; should it fail (a cluster deleted meanwhile breaks its rows' foreign key), the batch's
 * clusters are retried one by one so only the broken one is left out, and added to `skip`, which later batches
 * leave alone. `more`: due clusters remain.
 */
export async function indexFleetPodsBatch(db: Db, opts: IndexOptions & { maxPods?: number; skip?: Set<string> }): Promise<IndexBatchResult> {
  const nowIso = opts.now.toISOString();
  const only = opts.onlyClusterIds ? sql`and c.id = any(${uuids(opts.onlyClusterIds)})` : sql``;
  const skip = opts.skip?.size ? sql`and c.id <> all(${uuids([...opts.skip])})` : sql``;
  const budget = opts.maxPods ?? BATCH_PODS;
  const due = await queryRows<Due & { more: boolean }>(
    db,
    sql`with due as (
          select c.id, (c.pods_hash is distinct from s.pods_hash) as inventory, greatest(c.pods_listed, 1) as pods
          from clusters c left join fleet_pod_state s on s.cluster_id = c.id
          where (c.pods_hash is distinct from s.pods_hash
             or (c.pods_hash is not null and c.last_heartbeat_at > s.synced_at
                 and s.synced_at <= ${nowIso}::timestamptz - make_interval(secs => ${opts.usageEverySeconds})))
            ${only} ${skip}),
        ranked as (select id, inventory, pods, sum(pods) over (order by inventory desc, id) as running from due)
        select id, inventory, (select count(*) from due) > (select count(*) from ranked where running - pods < ${budget}) as more
        from ranked where running - pods < ${budget} order by inventory desc, id`,
  );
  const inventory = due.filter((d) => d.inventory).map((d) => d.id);
  const usage = due.filter((d) => !d.inventory).map((d) => d.id);
  if (due.length) await lookUpByIndex(db);
  const run = async (ids: string[], write: (tx: Db, ids: string[]) => Promise<void>): Promise<string[]> => {
    if (ids.length === 0) return [];
    try {
      // A savepoint: a failed statement leaves the caller's transaction usable for the retries.
      await db.transaction((sp) => write(sp, ids));
      return [];
    } catch {
      const failed: string[] = [];
      for (const id of ids) await db.transaction((sp) => write(sp, [id])).catch(() => failed.push(id));
      return failed;
    }
  };
  const failedSync = await run(inventory, (tx, ids) => syncClustersPods(tx, ids, opts.now));
  const failedUsage = await run(usage, (tx, ids) => refreshClustersUsage(tx, ids, opts.now));
  for (const id of [...failedSync, ...failedUsage]) opts.skip?.add(id);
  return {
    inventory: inventory.length - failedSync.length,
    usage: usage.length - failedUsage.length,
    failed: failedSync.length + failedUsage.length,
    more: due[0]?.more ?? false,
  };
}

/**
 * For the rest of the job's transaction: no sequential scans. Every lookup of the batch statements is one pod's row or
 * one cluster's rows, meant to go through an index. On index tables the planner believes empty or tiny (a first
 * enrollment wave, an index just emptied, statistics not yet taken) it would rather scan them whole for each lookup,
 * and as the statement fills those same tables every scan reads further: one batch of 10,000 pods then ran for 13
 * minutes in a 7,000-cluster run, holding every other query's dead rows back while it did.
 */
async function lookUpByIndex(db: Db): Promise<void> {
  await db.execute(sql`select set_config('enable_seqscan', 'off', true)`);
}

function uuids(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/**
 * The usage sample of each cluster's latest heartbeat as (cluster_id, key, cpu, mem, at) rows; null values =
 * no metrics for that pod. No rows for a cluster whose latest beat brought no sample (metrics-server gone):
 * an older sample would show usage the cluster no longer reports.
 */
function latestUsage(ids: SQL) {
  return sql`latest as (
      select b.id as cluster_id, l.at, l.pod_keys, l.pod_cpu, l.pod_mem
      from unnest(${ids}) as b(id) join clusters c on c.id = b.id
      cross join lateral (
        select s.at, k.pod_keys, s.pod_cpu, s.pod_mem from usage_samples s join usage_key_sets k on k.id = s.keys_id
        where s.cluster_id = b.id and s.at >= c.last_heartbeat_at order by s.at desc limit 1) l),
    u as (select l.cluster_id, l.at, x.key, x.cpu, x.mem from latest l cross join lateral unnest(l.pod_keys, l.pod_cpu, l.pod_mem) as x(key, cpu, mem))`;
}

/** True when the usage (cpu, mem) moved enough from the stored row `fu` (fleet_pod_usage) to be written. */
function usageMoved(cpu: SQL, mem: SQL): SQL {
  return sql`((fu.cpu_milli is null) <> (${cpu} is null) or (fu.mem_bytes is null) <> (${mem} is null)
      or coalesce(abs(fu.cpu_milli - ${cpu}) > greatest(${CPU_SLACK_MILLI}, fu.cpu_milli / 10), false)
      or coalesce(abs(fu.mem_bytes - ${mem}) > greatest(${MEM_SLACK_BYTES}, fu.mem_bytes / 100), false))`;
}

/**
 * Writes `from`'s (cluster_id, namespace, name, cpu, mem, at, and the pod's requests and limits) rows into
 * fleet_pod_usage where missing, where usage moved, or where a request or limit changed (the share sorts read them).
 */
function upsertUsage(from: SQL): SQL {
  // Lateral lookups here and in the statements below (`limit`/`offset 0` keep them from being flattened into
  // joins): each batch touches a few thousand of the fleet's hundreds of thousands of rows, which the planner,
  // with statistics lagging a wave of new pods, would rather hash whole.
  return sql`insert into fleet_pod_usage (cluster_id, namespace, name, cpu_milli, mem_bytes, usage_at, cpu_request_milli, cpu_limit_milli, mem_request_bytes, mem_limit_bytes)
      select n.cluster_id, n.namespace, n.name, n.cpu, n.mem, n.at, n.cpu_request_milli, n.cpu_limit_milli, n.mem_request_bytes, n.mem_limit_bytes from ${from} n
        left join lateral (select * from fleet_pod_usage fu where fu.cluster_id = n.cluster_id and fu.namespace = n.namespace and fu.name = n.name limit 1) fu on true
      where fu.cluster_id is null or ${usageMoved(sql`n.cpu`, sql`n.mem`)}
        or (fu.cpu_request_milli, fu.cpu_limit_milli, fu.mem_request_bytes, fu.mem_limit_bytes) <> (n.cpu_request_milli, n.cpu_limit_milli, n.mem_request_bytes, n.mem_limit_bytes)
      on conflict (cluster_id, namespace, name) do update set cpu_milli = excluded.cpu_milli, mem_bytes = excluded.mem_bytes, usage_at = excluded.usage_at,
        cpu_request_milli = excluded.cpu_request_milli, cpu_limit_milli = excluded.cpu_limit_milli, mem_request_bytes = excluded.mem_request_bytes, mem_limit_bytes = excluded.mem_limit_bytes
      returning 1`;
}

/**
 * Brings the clusters' fleet_pods rows to their cluster_pods rows (new or changed ones upserted, vanished
 * ones deleted with their usage), their usage to the latest beat's, and records each cluster's digest and
 * per-status counts (which fleet_pod_state's trigger adds to its organization's, fleet_pod_org_counts) — one
 * statement for all of them, so it all comes from one snapshot of the inventory.
 * (The usage rows reference pods inserted by the same statement: foreign keys are checked at its end.)
 */
export async function syncClustersPods(db: Db, clusterIds: readonly string[], now: Date): Promise<void> {
  const healthy = `{${HEALTHY_STATUSES.join(',')}}`;
  const progress = `{${PROGRESS_STATUSES.join(',')}}`;
  const ids = uuids(clusterIds);
  // `pods` is each cluster's rows read through its own index range, everything but usage computed there, and
  // materialized narrow: joined to the usage afterwards, once, the usage is not re-read per cluster.
  await db.execute(sql`with ${latestUsage(ids)},
    pods as materialized (
      select p.cluster_id, o.org_id, p.namespace, p.name, p.status, p.phase, p.ready, p.restarts, p.node_name, p.owner_kind, p.owner_name,
        coalesce(floor(extract(epoch from p.k8s_created_at)), 0)::bigint as created_unix, p.images,
        p.cpu_request_milli, p.cpu_limit_milli, p.mem_request_bytes, p.mem_limit_bytes, p.content_hash,
        (p.phase = 'Running' and split_part(p.ready, '/', 1) <> split_part(p.ready, '/', 2)) as not_ready,
        (p.status <> all(${healthy}::text[]) and p.status <> all(${progress}::text[]) and p.status !~ ${INIT_PROGRESS}) as failing,
        (p.status like '%CrashLoopBackOff' or coalesce(d.crash, false)) as crash_looping,
        (p.status = any(${progress}::text[]) and p.status <> 'Terminating' or p.status ~ ${INIT_PROGRESS}) as pending_like,
        coalesce(d.last_restart, 0) as last_restart_unix,
        lower(p.namespace || ' ' || p.name || ' ' || p.owner_kind || '/' || p.owner_name || ' ' || array_to_string(p.images, ' ')) as search
      from unnest(${ids}) as b(id) join clusters o on o.id = b.id
        cross join lateral (select * from cluster_pods p where p.cluster_id = b.id offset 0) p
        cross join lateral (
          select bool_or(c->>'stateReason' = 'CrashLoopBackOff') as crash, max((c->>'lastTerminatedAt')::bigint) as last_restart
          from jsonb_array_elements(p.detail->'containerDetails') c) d),
    src as (
      select p.*, u.cpu, u.mem, u.at, (p.mem_limit_bytes > 0 and u.mem >= 0.9 * p.mem_limit_bytes) is true as oom_risk
      from pods p left join u on u.cluster_id = p.cluster_id and u.key = p.namespace || '/' || p.name),
    upserted as (
      insert into fleet_pods (cluster_id, org_id, namespace, name, status, phase, ready, restarts, node_name, owner_kind, owner_name, created_unix, images,
        cpu_request_milli, cpu_limit_milli, mem_request_bytes, mem_limit_bytes,
        not_ready, failing, crash_looping, pending_like, last_restart_unix, oom_risk, search, content_hash)
      select src.cluster_id, src.org_id, src.namespace, src.name, src.status, src.phase, src.ready, src.restarts, src.node_name, src.owner_kind, src.owner_name, src.created_unix, src.images,
        src.cpu_request_milli, src.cpu_limit_milli, src.mem_request_bytes, src.mem_limit_bytes,
        src.not_ready, src.failing, src.crash_looping, src.pending_like, src.last_restart_unix, src.oom_risk, src.search, src.content_hash
      from src left join lateral (
        select f.cluster_id, f.content_hash, f.oom_risk from fleet_pods f where f.cluster_id = src.cluster_id and f.namespace = src.namespace and f.name = src.name limit 1) f on true
      where f.cluster_id is null or f.content_hash <> src.content_hash or f.oom_risk <> src.oom_risk
      on conflict (cluster_id, namespace, name) do update set
        status = excluded.status, phase = excluded.phase, ready = excluded.ready, restarts = excluded.restarts, node_name = excluded.node_name,
        owner_kind = excluded.owner_kind, owner_name = excluded.owner_name, created_unix = excluded.created_unix, images = excluded.images,
        cpu_request_milli = excluded.cpu_request_milli, cpu_limit_milli = excluded.cpu_limit_milli, mem_request_bytes = excluded.mem_request_bytes,
        mem_limit_bytes = excluded.mem_limit_bytes, not_ready = excluded.not_ready, failing = excluded.failing, crash_looping = excluded.crash_looping,
        pending_like = excluded.pending_like, last_restart_unix = excluded.last_restart_unix, oom_risk = excluded.oom_risk, search = excluded.search,
        content_hash = excluded.content_hash
      returning 1),
    usage as (${upsertUsage(sql`src`)}),
    removed as (
      delete from fleet_pods f using (
          select g.cluster_id, g.namespace, g.name
          from unnest(${ids}) as b(id) cross join lateral (select cluster_id, namespace, name from fleet_pods g where g.cluster_id = b.id offset 0) g
          where not exists (select 1 from cluster_pods p where p.cluster_id = g.cluster_id and p.namespace = g.namespace and p.name = g.name)) d
        where f.cluster_id = d.cluster_id and f.namespace = d.namespace and f.name = d.name
      returning 1),
    counts as (
      select cluster_id, jsonb_object_agg(status, n) as status_counts
      from (select cluster_id, status, count(*) as n from src group by cluster_id, status) g group by cluster_id)
    insert into fleet_pod_state (cluster_id, org_id, pods_hash, usage_at, status_counts, synced_at)
    select c.id, c.org_id, c.pods_hash, l.at, coalesce(n.status_counts, '{}'::jsonb), ${now.toISOString()}::timestamptz
    from clusters c left join latest l on l.cluster_id = c.id left join counts n on n.cluster_id = c.id
    where c.id = any(${ids})
    on conflict (cluster_id) do update set pods_hash = excluded.pods_hash, usage_at = excluded.usage_at, status_counts = excluded.status_counts, synced_at = excluded.synced_at`);
}

/**
 * Moves each cluster's latest beat's usage (none: null) into its fleet_pod_usage rows, only where it moved
 * noticeably; a pod's fleet_pods row changes only when its OOM-risk flag flips. One statement for all of them.
 */
export async function refreshClustersUsage(db: Db, clusterIds: readonly string[], now: Date): Promise<void> {
  const ids = uuids(clusterIds);
  // As in syncClustersPods: each cluster's rows through its own index range, joined to the usage once.
  await db.execute(sql`with ${latestUsage(ids)},
    pods as materialized (
      select f.cluster_id, f.namespace, f.name, f.oom_risk, f.cpu_request_milli, f.cpu_limit_milli, f.mem_request_bytes, f.mem_limit_bytes
      from unnest(${ids}) as b(id) cross join lateral (select * from fleet_pods f where f.cluster_id = b.id offset 0) f),
    n as (
      select f.cluster_id, f.namespace, f.name, u.cpu, u.mem, u.at, f.oom_risk as was_oom,
        f.cpu_request_milli, f.cpu_limit_milli, f.mem_request_bytes, f.mem_limit_bytes,
        (f.mem_limit_bytes > 0 and u.mem >= 0.9 * f.mem_limit_bytes) is true as oom
      from pods f left join u on u.cluster_id = f.cluster_id and u.key = f.namespace || '/' || f.name),
    usage as (${upsertUsage(sql`n`)}),
    flipped as (
      update fleet_pods f set oom_risk = n.oom
      from n where f.cluster_id = n.cluster_id and f.namespace = n.namespace and f.name = n.name and n.oom <> n.was_oom
      returning 1)
    update fleet_pod_state s set usage_at = coalesce(l.at, s.usage_at), synced_at = ${now.toISOString()}::timestamptz
    from unnest(${ids}) as b(id) left join latest l on l.cluster_id = b.id
    where s.cluster_id = b.id`);
}

/**
 * Every `intervalMs`, on whichever replica holds the lock (the others skip), indexes what is due, one batch
 * of BATCH_PODS per transaction. A backlog (a cold index: a restore, a wave of new clusters) is worked off
 * batch after batch within `share` of the time (default 0.5, of one database connection; the server gives it more
 * while its heartbeats get their turns at once and less as a line builds: podIndexShare in src/agents/admission.ts),
 * so heartbeats keep their latency while it catches up. A batch only ever converges the index; a cluster that failed
 * is not retried until the next tick.
 */
export function startPodIndexJob(deps: JobDeps & { intervalMs?: number; usageEverySeconds?: number; share?: number | (() => number) }): Job {
  let failed = new Set<string>();
  return startLockedJob(deps, {
    name: 'pod index job',
    lock: LOCKS.podIndexJob,
    intervalMs: deps.intervalMs ?? 3000,
    share: deps.share,
    pass: async (tx) => {
      const r = await indexFleetPodsBatch(tx, { now: new Date(), usageEverySeconds: deps.usageEverySeconds ?? 30, skip: failed });
      if (r.failed) deps.log.warn('pod index: clusters failed to sync', { inventory: r.inventory, usage: r.usage, failed: r.failed });
      if (!r.more) failed = new Set();
      return { more: r.more };
    },
  });
}
