// The fleet pod table's queries over the index (fleet_pods, keyset-paginated on every sort): pages, status
// and problem counts, the workloads-across-clusters grouping. Callers pass the cluster ids already scoped
// to the caller's org subtree; nothing here decides who may see what.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { USAGE_SORTS, type PodProblem, type PodRow, type PodSort, type WorkloadGroup } from '../pods/vocabulary';

/** A pod Pending (or still creating) longer than this is a problem pod. */
export const PENDING_PROBLEM_MINUTES = 5;
/** A restart within this window makes a pod "restarting" (a restart count alone may be weeks old). */
export const RESTART_PROBLEM_MINUTES = 60;

export type PodFilter = {
  /**
   * Whose pods: these clusters (already checked to be within the caller's scope) when given, else every cluster
   * of `orgIds` (the caller's scope, which the statement reads itself: a fleet of thousands is not sent as a list
   * of ids). An empty one, or neither, lists nothing.
   */
  clusterIds?: readonly string[];
  orgIds?: readonly string[];
  namespace?: string;
  /** kubectl STATUS, exact (Running, CrashLoopBackOff, Init:0/1…). */
  status?: string;
  /** Case-insensitive substring of pod, namespace, owner or image. */
  q?: string;
  ownerKind?: string;
  ownerName?: string;
  node?: string;
  problem?: boolean;
};

/** Where a page starts: the sort key of the previous page's last row. */
export type PodCursor = { sort: PodSort; key: number; namespace: string; name: string; clusterId: string };

export type PodPage = { rows: PodRow[]; next: PodCursor | null };

/**
 * The sort key each sort orders by (ascending), then namespace, name, cluster id; unknown usage last. The
 * usage ones repeat fleet_pod_usage's index expressions word for word (shares in basis points: see the schema).
 */
const SORT_KEY: Record<PodSort, SQL> = {
  name: sql`0`,
  restarts: sql`(-f.restarts)`,
  age: sql`(-f.created_unix)`,
  cpu: sql`coalesce(-u.cpu_milli, 1)`,
  memory: sql`coalesce(-u.mem_bytes, 1)`,
  cpu_of_request: sql`coalesce(-(u.cpu_milli::bigint * 10000 / nullif(u.cpu_request_milli, 0)), 1)`,
  cpu_of_limit: sql`coalesce(-(u.cpu_milli::bigint * 10000 / nullif(u.cpu_limit_milli, 0)), 1)`,
  memory_of_request: sql`coalesce(-(u.mem_bytes * 10000 / nullif(u.mem_request_bytes, 0)), 1)`,
  memory_of_limit: sql`coalesce(-(u.mem_bytes * 10000 / nullif(u.mem_limit_bytes, 0)), 1)`,
};

const READS_USAGE_FIRST: ReadonlySet<PodSort> = new Set(USAGE_SORTS);

/**
 * Matched pods with their usage looked up one by one (a search's few thousand rows): left to itself the
 * planner hashes the whole usage table to join a couple of thousand pods. (`limit 1` keeps the lateral
 * subquery from being flattened back into that join.)
 */
const WITH_USAGE = sql`fleet_pods f left join lateral (
    select u.cpu_milli, u.mem_bytes, u.usage_at, u.cpu_request_milli, u.cpu_limit_milli, u.mem_request_bytes, u.mem_limit_bytes from fleet_pod_usage u where u.cluster_id = f.cluster_id and u.namespace = f.namespace and u.name = f.name
    limit 1) u on true`;

/**
 * The rows to read: usage sorts walk fleet_pod_usage's index and look each pod up; the others walk
 * fleet_pods (and look usage up for the page's rows once it is cut). `t` names the table whose key columns the
 * order and keyset use.
 */
function source(sort: PodSort): { from: SQL; t: SQL } {
  return READS_USAGE_FIRST.has(sort)
    ? { from: sql`fleet_pod_usage u join fleet_pods f on u.cluster_id = f.cluster_id and u.namespace = f.namespace and u.name = f.name`, t: sql`u` }
    : { from: sql`fleet_pods f`, t: sql`f` };
}

function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/** Whether the filter's scope names no cluster at all. */
function noScope(f: PodFilter): boolean {
  return f.clusterIds ? f.clusterIds.length === 0 : !f.orgIds?.length;
}

/**
 * The filter's scope over fleet_pods `f`: its clusters, or its organizations by the rows' own org_id — a short list
 * the planner estimates from the column's statistics (a list of the organizations' clusters read in the statement
 * it could not: it then sorted every pod in scope to cut a page).
 */
function podsInScope(f: PodFilter): SQL {
  return f.clusterIds ? sql`f.cluster_id = any(${uuidArray(f.clusterIds)})` : sql`f.org_id = any(${uuidArray(f.orgIds ?? [])})`;
}

/** LIKE pattern for a literal substring (its %, _ and \ escaped), lower-cased like fleet_pods.search. */
export function containsPattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

function cutoffs(now: Date): { pending: number; restart: number } {
  const s = Math.floor(now.getTime() / 1000);
  return { pending: s - PENDING_PROBLEM_MINUTES * 60, restart: s - RESTART_PROBLEM_MINUTES * 60 };
}

/**
 * The problem-pod condition. Its first half repeats the partial index's predicate word for word so
 * the planner can use fleet_pods_problem_idx; the second half adds the time-dependent parts.
 */
function problemCondition(now: Date): SQL {
  const c = cutoffs(now);
  return sql`(f.failing or f.not_ready or f.crash_looping or f.oom_risk or f.pending_like or f.restarts > 0)
    and (f.failing or f.not_ready or f.crash_looping or f.oom_risk
      or (f.pending_like and f.created_unix < ${c.pending}) or (f.restarts > 0 and f.last_restart_unix > ${c.restart}))`;
}

function conditions(f: PodFilter, now: Date, opts: { withStatus: boolean }): SQL[] {
  const conds: SQL[] = [podsInScope(f)];
  if (f.namespace) conds.push(sql`f.namespace = ${f.namespace}`);
  if (opts.withStatus && f.status) conds.push(sql`f.status = ${f.status}`);
  if (f.q) conds.push(sql`f.search like ${containsPattern(f.q)}`);
  if (f.ownerName) conds.push(sql`f.owner_name = ${f.ownerName}`);
  if (f.ownerKind) conds.push(sql`f.owner_kind = ${f.ownerKind}`);
  if (f.node) conds.push(sql`f.node_name = ${f.node}`);
  if (f.problem) conds.push(problemCondition(now));
  return conds;
}

const POD_COLUMNS = sql`f.cluster_id, f.namespace, f.name, f.status, f.phase, f.ready, f.restarts, f.node_name, f.owner_kind, f.owner_name,
  f.created_unix, f.images, f.cpu_request_milli, f.cpu_limit_milli, f.mem_request_bytes, f.mem_limit_bytes,
  f.failing, f.not_ready, f.crash_looping, f.oom_risk, f.pending_like, f.last_restart_unix`;
const USAGE_COLUMNS = sql`u.cpu_milli, u.mem_bytes, u.usage_at`;
const ROW_COLUMNS = sql`${POD_COLUMNS}, ${USAGE_COLUMNS}`;

/** The usage of a page's rows `m`, looked up after the page was cut (a search sorted by anything but usage). */
const PAGE_USAGE = sql`left join lateral (
    select u.cpu_milli, u.mem_bytes, u.usage_at from fleet_pod_usage u where u.cluster_id = m.cluster_id and u.namespace = m.namespace and u.name = m.name
    limit 1) u on true`;

/** A search's matched rows: with usage when the sort needs it, otherwise without (looked up per page row later). */
function matchedColumns(sort: PodSort): { columns: SQL; from: SQL; pageUsage: SQL; pageColumns: SQL } {
  return READS_USAGE_FIRST.has(sort)
    ? { columns: ROW_COLUMNS, from: WITH_USAGE, pageUsage: sql``, pageColumns: sql`m.*` }
    : { columns: POD_COLUMNS, from: sql`fleet_pods f`, pageUsage: PAGE_USAGE, pageColumns: sql`m.*, ${USAGE_COLUMNS}` };
}

type RawRow = {
  cluster_id: string;
  namespace: string;
  name: string;
  status: string;
  phase: string;
  ready: string;
  restarts: number;
  node_name: string;
  owner_kind: string;
  owner_name: string;
  created_unix: string | number;
  images: string[];
  cpu_request_milli: string | number;
  cpu_limit_milli: string | number;
  mem_request_bytes: string | number;
  mem_limit_bytes: string | number;
  cpu_milli: number | null;
  mem_bytes: string | number | null;
  usage_at: string | Date | null;
  failing: boolean;
  not_ready: boolean;
  crash_looping: boolean;
  oom_risk: boolean;
  pending_like: boolean;
  last_restart_unix: string | number;
  sort_key: string | number;
};

function toRow(r: RawRow, now: Date): PodRow {
  const c = cutoffs(now);
  const created = Number(r.created_unix);
  const problems: PodProblem[] = [];
  if (r.failing) problems.push('failing');
  if (r.crash_looping) problems.push('crash_loop');
  else if (r.restarts > 0 && Number(r.last_restart_unix) > c.restart) problems.push('restarting');
  if (r.not_ready) problems.push('not_ready');
  if (r.pending_like && created < c.pending) problems.push('pending');
  if (r.oom_risk) problems.push('oom_risk');
  return {
    clusterId: r.cluster_id,
    namespace: r.namespace,
    name: r.name,
    status: r.status,
    phase: r.phase,
    ready: r.ready,
    restarts: Number(r.restarts),
    nodeName: r.node_name,
    ownerKind: r.owner_kind,
    ownerName: r.owner_name,
    createdUnix: created,
    images: r.images,
    cpuRequestMilli: Number(r.cpu_request_milli),
    cpuLimitMilli: Number(r.cpu_limit_milli),
    memRequestBytes: Number(r.mem_request_bytes),
    memLimitBytes: Number(r.mem_limit_bytes),
    cpuMilli: r.cpu_milli === null ? null : Number(r.cpu_milli),
    memBytes: r.mem_bytes === null ? null : Number(r.mem_bytes),
    usageAt: r.usage_at === null ? null : new Date(r.usage_at),
    problems,
  };
}

/**
 * One page of pods, `limit` at most, in the order of `sort` (name ascending; the others largest
 * first), continuing after `after`. Keyset: a stable set is walked without duplicates or gaps.
 */
export async function listPods(db: Db, f: PodFilter, page: { sort: PodSort; limit: number; after?: PodCursor; now?: Date }): Promise<PodPage> {
  if (noScope(f)) return { rows: [], next: null };
  const now = page.now ?? new Date();
  const key = SORT_KEY[page.sort];
  // A search of 3+ characters goes through the trigram index and sorts what matched. Left to itself
  // the planner may walk the sort order's index instead, hoping for matches early: it reads tens of
  // thousands of rows when the matching pods sort late. (Shorter terms have no trigram to use.)
  const searching = !!f.q && f.q.length >= 3;
  const { from, t } = searching ? { from: sql``, t: sql`f` } : source(page.sort);
  const conds = conditions(f, now, { withStatus: true });
  if (page.after) {
    const a = page.after;
    conds.push(
      page.sort === 'name'
        ? sql`(f.namespace, f.name, f.cluster_id) > (${a.namespace}, ${a.name}, ${a.clusterId}::uuid)`
        : sql`(${key}, ${t}.namespace, ${t}.name, ${t}.cluster_id) > (${a.key}, ${a.namespace}, ${a.name}, ${a.clusterId}::uuid)`,
    );
  }
  const order = page.sort === 'name' ? sql`f.namespace, f.name, f.cluster_id` : sql`${key}, ${t}.namespace, ${t}.name, ${t}.cluster_id`;
  const where = sql.join(conds, sql` and `);
  const query = searching
    ? (() => {
        const mc = matchedColumns(page.sort);
        return sql`with m as materialized (select ${mc.columns}, ${key} as sort_key from ${mc.from} where ${where})
            select ${mc.pageColumns} from (select * from m order by sort_key, namespace, name, cluster_id limit ${page.limit + 1}) m ${mc.pageUsage}
            order by m.sort_key, m.namespace, m.name, m.cluster_id`;
      })()
    : READS_USAGE_FIRST.has(page.sort)
      ? sql`select ${ROW_COLUMNS}, ${key} as sort_key from ${from} where ${where} order by ${order} limit ${page.limit + 1}`
      : // The page is cut from fleet_pods alone, then its rows' usage looked up: a join before the cut is only cheap
        // while the planner's statistics say so (without them it joined 7,000 rows to show 51).
        sql`select m.*, ${USAGE_COLUMNS} from (select ${POD_COLUMNS}, ${key} as sort_key from ${from} where ${where} order by ${order} limit ${page.limit + 1}) m
            ${PAGE_USAGE} order by m.sort_key, m.namespace, m.name, m.cluster_id`;
  const raw = await queryRows<RawRow>(db, query);
  const more = raw.length > page.limit;
  const rows = raw.slice(0, page.limit);
  const last = rows[rows.length - 1];
  return {
    rows: rows.map((r) => toRow(r, now)),
    next: more && last ? { sort: page.sort, key: Number(last.sort_key), namespace: last.namespace, name: last.name, clusterId: last.cluster_id } : null,
  };
}

export type StatusCounts = { byStatus: Record<string, number>; total: number };

/**
 * Pods per STATUS under the filter, ignoring its status (the chips offer the others). Without per-pod filters the
 * counts are not counted from pods: an organization tree's come from its organizations' sums (fleet_pod_org_counts,
 * a few rows however many clusters), picked clusters' from each one's summary row.
 */
export async function countPodsByStatus(db: Db, f: PodFilter, now = new Date()): Promise<StatusCounts> {
  const byStatus: Record<string, number> = {};
  if (noScope(f)) return { byStatus, total: 0 };
  const perPod = f.namespace || f.q || f.ownerKind || f.ownerName || f.node || f.problem;
  const rows = perPod
    ? await queryRows<{ status: string; n: number }>(
        db,
        sql`select f.status, count(*)::int as n from fleet_pods f where ${sql.join(conditions(f, now, { withStatus: false }), sql` and `)} group by f.status`,
      )
    : f.clusterIds
      ? await queryRows<{ status: string; n: number }>(
          db,
          sql`select e.key as status, sum(e.value::int)::int as n from fleet_pod_state s cross join lateral jsonb_each_text(s.status_counts) e
            where s.cluster_id = any(${uuidArray(f.clusterIds)}) group by e.key`,
        )
      : await queryRows<{ status: string; n: number }>(
          db,
          sql`select status, sum(pods)::int as n from fleet_pod_org_counts where org_id = any(${uuidArray(f.orgIds ?? [])}) group by status`,
        );
  let total = 0;
  for (const r of rows) {
    byStatus[r.status] = Number(r.n);
    total += Number(r.n);
  }
  return { byStatus, total };
}

/** Problem pods under the filter (its own problem flag aside), for the "problem pods" chip. */
export async function countProblemPods(db: Db, f: PodFilter, now = new Date()): Promise<number> {
  if (noScope(f)) return 0;
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from fleet_pods f where ${sql.join(conditions({ ...f, problem: true }, now, { withStatus: true }), sql` and `)}`,
  );
  return Number(row?.n ?? 0);
}

export type PodPageWithCounts = { page: PodPage; counts: StatusCounts; problems: number };

/**
 * A page, the status counts and the problem count in one statement, for a search: all three would
 * otherwise read the same trigram matches from the heap, one after the other. Counts ignore the
 * status filter (the chips offer the other statuses); the page and the problem count apply it.
 */
export async function searchPodsWithCounts(
  db: Db,
  f: PodFilter,
  page: { sort: PodSort; limit: number; after?: PodCursor; now?: Date },
): Promise<PodPageWithCounts> {
  if (noScope(f)) return { page: { rows: [], next: null }, counts: { byStatus: {}, total: 0 }, problems: 0 };
  const now = page.now ?? new Date();
  const key = SORT_KEY[page.sort];
  const matched = sql.join(conditions({ ...f, problem: false }, now, { withStatus: false }), sql` and `);
  const inPage: SQL[] = [];
  if (f.status) inPage.push(sql`m.status = ${f.status}`);
  if (f.problem) inPage.push(sql`m.problem`);
  if (page.after) {
    const a = page.after;
    inPage.push(sql`(m.sort_key, m.namespace, m.name, m.cluster_id) > (${page.sort === 'name' ? 0 : a.key}, ${a.namespace}, ${a.name}, ${a.clusterId}::uuid)`);
  }
  const pageWhere = inPage.length ? sql`where ${sql.join(inPage, sql` and `)}` : sql``;
  const mc = matchedColumns(page.sort);
  const problemWhere = f.status ? sql`where m.problem and m.status = ${f.status}` : sql`where m.problem`;
  const [row] = await queryRows<{ rows: RawRow[] | string; counts: Record<string, number> | string; problems: number }>(
    db,
    sql`with m as materialized (
          select ${mc.columns}, ${key} as sort_key, (${problemCondition(now)}) as problem
          from ${mc.from}
          where ${matched})
        select
          (select coalesce(json_agg(x order by x.sort_key, x.namespace, x.name, x.cluster_id), '[]'::json) from (
            select ${mc.pageColumns} from (select * from m ${pageWhere} order by sort_key, namespace, name, cluster_id limit ${page.limit + 1}) m ${mc.pageUsage}) x) as rows,
          (select coalesce(json_object_agg(status, n), '{}'::json) from (select status, count(*)::int as n from m where ${f.problem ? sql`m.problem` : sql`true`} group by status) y) as counts,
          (select count(*)::int from m ${problemWhere}) as problems`,
  );
  const raw = (typeof row.rows === 'string' ? JSON.parse(row.rows) : row.rows) as RawRow[];
  const countsObj = (typeof row.counts === 'string' ? JSON.parse(row.counts) : row.counts) as Record<string, number>;
  const more = raw.length > page.limit;
  const rows = raw.slice(0, page.limit);
  const last = rows[rows.length - 1];
  let total = 0;
  for (const n of Object.values(countsObj)) total += Number(n);
  return {
    page: {
      rows: rows.map((r) => toRow(r, now)),
      next: more && last ? { sort: page.sort, key: Number(last.sort_key), namespace: last.namespace, name: last.name, clusterId: last.cluster_id } : null,
    },
    counts: { byStatus: countsObj, total },
    problems: Number(row.problems),
  };
}

export type WorkloadCursor = { ownerName: string; namespace: string; ownerKind: string };

/**
 * Workloads (namespace, top owner kind and name) across clusters, one entry per cluster, ordered by owner
 * name, namespace, kind; `limit` workloads per page. Pods without an owner are left out.
 */
export async function listWorkloads(
  db: Db,
  f: PodFilter,
  page: { limit: number; after?: WorkloadCursor; now?: Date },
): Promise<{ groups: WorkloadGroup[]; next: WorkloadCursor | null }> {
  if (noScope(f)) return { groups: [], next: null };
  const now = page.now ?? new Date();
  const conds = [...conditions(f, now, { withStatus: true }), sql`f.owner_kind <> ''`];
  if (page.after) conds.push(sql`(f.owner_name, f.namespace, f.owner_kind) > (${page.after.ownerName}, ${page.after.namespace}, ${page.after.ownerKind})`);
  const where = sql.join(conds, sql` and `);
  const keys = await queryRows<{ owner_name: string; namespace: string; owner_kind: string }>(
    db,
    sql`select f.owner_name, f.namespace, f.owner_kind from fleet_pods f where ${where}
        group by f.owner_name, f.namespace, f.owner_kind order by f.owner_name, f.namespace, f.owner_kind limit ${page.limit + 1}`,
  );
  const more = keys.length > page.limit;
  const chosen = keys.slice(0, page.limit);
  if (chosen.length === 0) return { groups: [], next: null };
  const array = (values: string[]) => `{${values.map(pgQuote).join(',')}}`;
  const names = array(chosen.map((k) => k.owner_name));
  const namespaces = array(chosen.map((k) => k.namespace));
  const kinds = array(chosen.map((k) => k.owner_kind));
  const rows = await queryRows<{
    owner_name: string;
    namespace: string;
    owner_kind: string;
    cluster_id: string;
    pods: number;
    ready_c: number;
    total_c: number;
    restarts: number;
    images: string[] | null;
    statuses: Record<string, number>;
  }>(
    db,
    sql`with p as (
          select f.owner_name, f.namespace, f.owner_kind, f.cluster_id, f.ready, f.restarts, f.status, f.images from fleet_pods f
          where ${where} and (f.owner_name, f.namespace, f.owner_kind) in (select * from unnest(${names}::text[], ${namespaces}::text[], ${kinds}::text[]))),
        agg as (
          select owner_name, namespace, owner_kind, cluster_id, count(*)::int as pods,
            sum(coalesce(nullif(split_part(ready, '/', 1), '')::int, 0))::int as ready_c, sum(coalesce(nullif(split_part(ready, '/', 2), '')::int, 0))::int as total_c,
            sum(restarts)::int as restarts
          from p group by 1, 2, 3, 4),
        imgs as (select owner_name, namespace, owner_kind, cluster_id, array_agg(distinct i order by i) as images from p cross join lateral unnest(p.images) i group by 1, 2, 3, 4),
        st as (
          select owner_name, namespace, owner_kind, cluster_id, jsonb_object_agg(status, n) as statuses
          from (select owner_name, namespace, owner_kind, cluster_id, status, count(*)::int as n from p group by 1, 2, 3, 4, 5) x group by 1, 2, 3, 4)
        select agg.*, imgs.images, st.statuses from agg
          left join imgs using (owner_name, namespace, owner_kind, cluster_id)
          left join st using (owner_name, namespace, owner_kind, cluster_id)`,
  );
  const keyOf = (name: string, namespace: string, kind: string) => JSON.stringify([name, namespace, kind]);
  const groups = new Map<string, WorkloadGroup>();
  for (const k of chosen)
    groups.set(keyOf(k.owner_name, k.namespace, k.owner_kind), {
      namespace: k.namespace,
      ownerKind: k.owner_kind,
      ownerName: k.owner_name,
      pods: 0,
      clusters: [],
    });
  for (const r of rows) {
    const g = groups.get(keyOf(r.owner_name, r.namespace, r.owner_kind));
    if (!g) continue;
    g.pods += Number(r.pods);
    g.clusters.push({
      clusterId: r.cluster_id,
      pods: Number(r.pods),
      readyContainers: Number(r.ready_c),
      containers: Number(r.total_c),
      restarts: Number(r.restarts),
      images: r.images ?? [],
      statuses: r.statuses ?? {},
    });
  }
  const last = chosen[chosen.length - 1];
  return { groups: [...groups.values()], next: more ? { ownerName: last.owner_name, namespace: last.namespace, ownerKind: last.owner_kind } : null };
}

/** An element of a Postgres array literal, quoted. */
function pgQuote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}
