// JSON API for pods (curl users): the fleet-wide list, one cluster's pods, one pod, its usage history.
// Scoped to the caller's org subtree; keyset-paginated with opaque cursors; bounded everywhere.
import { OneOf } from '../http/responses';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { requireCaller } from '../http/caller';
import { badRequest, notFound } from '../http/errors';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { requireCluster } from '../clusters/access';
import { listScopeClusters } from '../clusters/store';
import { listPods, type PodCursor } from '../inventory/fleet-pods';
import { findPodDetail } from '../inventory/store';
import { RETENTION_HOURS, latestPodUsage } from '../inventory/usage';
import { POD_SORTS, type PodSort } from './vocabulary';
import { PodDetailResponse, PodMetricsResponse, PodPage } from './responses';
import { podDetailJson, podJsonOfRow, setOrNull } from './pod-json';
import { buildFilter, hasNul, metricsOf, metricsState, parseTime, podProblems, podUsageSeries, resolveWindow, type FilterInput } from './service';

const FilterQuery = {
  namespace: t.Optional(t.String({ maxLength: 253, description: 'Exact namespace' })),
  status: t.Optional(t.String({ maxLength: 128, description: 'Exact kubectl STATUS, e.g. Running, CrashLoopBackOff, Init:0/1' })),
  q: t.Optional(t.String({ maxLength: 100, description: 'Case-insensitive substring of pod, namespace, owner or image' })),
  owner: t.Optional(t.String({ maxLength: 400, description: 'Top owner as Kind/name (e.g. Deployment/web), or a name of any kind' })),
  node: t.Optional(t.String({ maxLength: 253, description: 'Exact node name' })),
  problem: t.Optional(
    t.Union([t.Literal('true'), t.Literal('false'), t.Literal('1'), t.Literal('0')], {
      description: 'Only pods not ready, crash-looping or restarted in the last hour, failing, pending over 5 min, or at ≥ 90 % of their memory limit',
    }),
  ),
  sort: t.Optional(OneOf(POD_SORTS)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, description: 'Page size, 1–200 (default 50)' })),
  cursor: t.Optional(t.String({ maxLength: 2048, description: 'nextCursor of the previous page (same sort)' })),
};

const FleetQuery = t.Object(
  {
    cluster: t.Optional(
      t.Union([t.String({ maxLength: 4000 }), t.Array(t.String({ maxLength: 64 }), { maxItems: 200 })], {
        description: 'Cluster id(s): repeat the parameter or separate with commas',
      }),
    ),
    ...FilterQuery,
  },
  { additionalProperties: false },
);
const ClusterQuery = t.Object(FilterQuery, { additionalProperties: false });

const CURSOR_SHAPE = ['text', 'int', 'text', 'text', 'uuid'] as const;

function cursorOf(c: PodCursor): string {
  return encodeCursor([c.sort, c.key, c.namespace, c.name, c.clusterId]);
}

/** The cursor's position; a cursor that is malformed or from another sort is a 400. */
function readCursor(cursor: string | undefined, sort: PodSort): PodCursor | undefined {
  if (!cursor) return undefined;
  const [s, key, namespace, name, clusterId] = decodeCursor(cursor, CURSOR_SHAPE);
  if (s !== sort) throw badRequest(`cursor: belongs to sort=${s.slice(0, 20)}, not sort=${sort}; start again without a cursor`);
  return { sort, key, namespace, name, clusterId };
}

function clusterIdsOf(raw: string | string[] | undefined): string[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const ids = list
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (ids.length > 200) throw badRequest('cluster: at most 200 clusters');
  return ids;
}

function filterInput(q: Record<string, unknown>, clusters: string[]): FilterInput {
  return {
    clusters,
    q: q.q as string | undefined,
    namespace: q.namespace as string | undefined,
    status: q.status as string | undefined,
    owner: q.owner as string | undefined,
    node: q.node as string | undefined,
    problem: q.problem === 'true' || q.problem === '1',
  };
}

export function podsApi(deps: AppDeps) {
  const { db } = deps;
  const page = async (orgIds: readonly string[], input: FilterInput, query: { sort?: PodSort; limit?: number; cursor?: string }): Promise<PodPage> => {
    const sort = query.sort ?? 'name';
    const limit = query.limit ?? 50;
    const after = readCursor(query.cursor, sort);
    const { filter, picked, outside } = await buildFilter(db, orgIds, input);
    // A foreign cluster id answers like a missing one.
    if (outside.length) throw notFound('cluster');
    const res = await listPods(db, filter, { sort, limit, after });
    // The rows' clusters, and the clusters whose agents send counts only: in scope but never listing pods.
    const [shown, countsOnly] = await Promise.all([
      listScopeClusters(db, orgIds, { ids: [...new Set(res.rows.map((r) => r.clusterId))] }),
      picked.length ? picked.filter((c) => c.protocol !== null && c.protocol < 2) : listScopeClusters(db, orgIds, { countsOnly: true }),
    ]);
    const byId = new Map(shown.map((c) => [c.id, c]));
    return {
      // Every row's cluster is in scope: the filter only reads clusters of it.
      pods: res.rows.map((r) => podJsonOfRow(byId.get(r.clusterId)!, r)),
      nextCursor: res.next ? cursorOf(res.next) : null,
      clustersWithoutPodList: countsOnly.map((c) => ({ id: c.id, name: c.name })),
    };
  };
  return new Elysia({ name: 'pods-api', prefix: '/v1' })
    .get(
      '/clusters/pods',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return page(caller.scopeOrgIds, filterInput(ctx.query, clusterIdsOf(ctx.query.cluster)), ctx.query);
      },
      {
        query: FleetQuery,
        response: { 200: PodPage },
        detail: {
          tags: ['pods'],
          summary: 'Pods of every cluster in the caller’s org subtree, filtered, sorted (name, restarts, age, cpu, memory) and keyset-paginated',
        },
      },
    )
    .get(
      '/clusters/:id/pods',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id);
        // Scoped to the cluster's own organization: one visible through another org than the current one is still
        // the caller's to read.
        return page([cluster.orgId], filterInput(ctx.query, [cluster.id]), ctx.query);
      },
      {
        query: ClusterQuery,
        response: { 200: PodPage },
        detail: { tags: ['pods'], summary: 'Pods of one cluster, with the same filters, sorts and cursors as the fleet list' },
      },
    )
    .get(
      '/clusters/:id/pods/:namespace/:name',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id);
        const { namespace, name } = ctx.params;
        const found = hasNul(namespace, name) ? null : await findPodDetail(db, cluster.id, namespace, name);
        if (!found) throw notFound('pod');
        const usage = found.usageAvailable ? await latestPodUsage(db, cluster.id, namespace, name) : null;
        const metrics = metricsState(metricsOf(cluster), found.usageAvailable);
        return podDetailJson(cluster, found, usage, metrics, podProblems(found.detail, usage?.memBytes ?? null, new Date()));
      },
      {
        response: { 200: PodDetailResponse },
        detail: {
          tags: ['pods'],
          summary:
            'One pod as of its cluster’s latest heartbeat: the object the lists answer, usage from the newest sample (or why there is none), and its containers, owners and labels',
        },
      },
    )
    .get(
      '/clusters/:id/pods/:namespace/:name/metrics',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
        const { namespace, name } = ctx.params;
        const from = ctx.query.from !== undefined ? parseTime(ctx.query.from) : undefined;
        const to = ctx.query.to !== undefined ? parseTime(ctx.query.to) : undefined;
        if (from === null) throw badRequest('from: not a time (ISO 8601 or unix seconds)');
        if (to === null) throw badRequest('to: not a time (ISO 8601 or unix seconds)');
        const found = hasNul(namespace, name) ? null : await findPodDetail(db, cluster.id, namespace, name);
        if (!found) throw notFound('pod');
        const now = new Date();
        const window = resolveWindow(org.plan, now, { from, to, stepSeconds: ctx.query.step });
        if (!window) throw badRequest(`from: must be before to, within the ${org.plan} plan's ${RETENTION_HOURS[org.plan]} h of history`);
        const series = await podUsageSeries(db, cluster.id, namespace, name, { ...window, now });
        const metrics = metricsState(metricsOf(cluster), found.usageAvailable);
        const d = found.detail;
        return {
          plan: org.plan,
          retentionFrom: window.retentionFrom.toISOString(),
          from: series.from.toISOString(),
          to: series.to.toISOString(),
          stepSeconds: series.stepSeconds,
          source: series.source,
          metrics: metrics.available ? { available: true, reason: null } : { available: false, reason: metrics.reason },
          cpu: { requestMilli: setOrNull(d.cpuRequestMilli), limitMilli: setOrNull(d.cpuLimitMilli) },
          memory: { requestBytes: setOrNull(d.memRequestBytes), limitBytes: setOrNull(d.memLimitBytes) },
          points: series.points.map((p) => ({ t: new Date(p.t * 1000).toISOString(), cpuMilli: p.cpuMilli, memBytes: p.memBytes })),
        };
      },
      {
        query: t.Object(
          {
            from: t.Optional(
              t.String({
                maxLength: 40,
                description: 'Start (ISO 8601 or unix seconds); default one hour before `to`; moved up to the plan’s retention start',
              }),
            ),
            to: t.Optional(t.String({ maxLength: 40, description: 'End (ISO 8601 or unix seconds); default now' })),
            step: t.Optional(t.Integer({ minimum: 15, maximum: 86400, description: 'Bucket size in seconds (15–86400); default keeps ~360 points' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PodMetricsResponse },
        detail: {
          tags: ['pods'],
          summary:
            'A pod’s CPU and memory over time in buckets (CPU averaged, memory peak), within the org plan’s retention (free 24 h, pro 7 d, enterprise 30 d)',
        },
      },
    );
}
