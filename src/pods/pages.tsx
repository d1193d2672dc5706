// HTML for pods: /pods (the fleet table or the same workloads side by side across clusters), its
// polled fragment, and the pod drawer with its own polled part and usage chart. Every page embeds
// the fragments their own routes render.
import { Elysia, t } from 'elysia';
import Html from '@kitajs/html';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { requireCaller, type Caller } from '../http/caller';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { badRequest, notFound } from '../http/errors';
import { isHtmx, redirect, renderPage } from '../http/page';
import { requireCluster } from '../clusters/access';
import type { Cluster } from '../clusters/schema';
import { countScopeClusters, listScopeClusters, type ScopeCounts } from '../clusters/store';
import { isUuid } from '../db/client';
import type { VisibleOrg } from '../orgs/store';
import { PodsLive, type ClusterRef, type PodsLiveProps } from '../../views/pods/table';
import { PICK_MAX, PodsPage } from '../../views/pods/page';
import { podsUrl, type PodsFilters } from '../../views/pods/filters';
import { PodChart, PodDrawer, PodDrawerDetails, PodDrawerLive, type ChartProps, type DrawerLiveProps, type DrawerPolicies } from '../../views/pods/drawer';
import { loadPodFindings } from '../policies/view-model';
import {
  countPodsByStatus,
  countProblemPods,
  listPods,
  listWorkloads,
  searchPodsWithCounts,
  type PodCursor,
  type PodPage,
  type WorkloadCursor,
} from '../inventory/fleet-pods';
import { findPodDetail } from '../inventory/store';
import { latestPodUsage } from '../inventory/usage';
import { buildFilter, hasNul, metricsOf, metricsState, podProblems, podUsageSeries, windowsForPlan, WINDOWS, defaultStep, type ScopeCluster } from './service';
import { POD_SORTS, type ChartWindow, type PodSort } from './vocabulary';

const PAGE_SIZE = 50;
const WORKLOADS_PER_PAGE = 10;

const PodsQuery = t.Object({
  q: t.Optional(t.String({ maxLength: 100 })),
  cluster: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Array(t.String({ maxLength: 64 }), { maxItems: 500 })])),
  namespace: t.Optional(t.String({ maxLength: 253 })),
  status: t.Optional(t.String({ maxLength: 128 })),
  owner: t.Optional(t.String({ maxLength: 400 })),
  node: t.Optional(t.String({ maxLength: 253 })),
  problem: t.Optional(t.String({ maxLength: 5 })),
  sort: t.Optional(t.String({ maxLength: 20 })),
  group: t.Optional(t.String({ maxLength: 10 })),
  cursor: t.Optional(t.String({ maxLength: 2048 })),
  pod: t.Optional(t.String({ maxLength: 700 })),
});
type PodsQuery = typeof PodsQuery.static;

/** Clusters a page's URL may name (more are ignored, as are those out of scope). */
const MAX_URL_CLUSTERS = 500;

/**
 * Filters from the URL; values that aren't ours (an unknown sort, a cluster out of scope) fall back quietly. The
 * clusters are those requested; buildFilter keeps those in scope.
 */
function filtersOf(q: PodsQuery): PodsFilters {
  const raw = q.cluster === undefined ? [] : Array.isArray(q.cluster) ? q.cluster : [q.cluster];
  return {
    q: (q.q ?? '').trim(),
    clusters: [...new Set(raw)].slice(0, MAX_URL_CLUSTERS),
    namespace: (q.namespace ?? '').trim(),
    status: (q.status ?? '').trim(),
    owner: (q.owner ?? '').trim(),
    node: (q.node ?? '').trim(),
    problem: q.problem === '1' || q.problem === 'true' || q.problem === 'on',
    sort: (POD_SORTS as readonly string[]).includes(q.sort ?? '') ? (q.sort as PodSort) : 'name',
    group: q.group === 'owner' ? 'owner' : 'pods',
  };
}

/**
 * The live fragment follows the page the browser shows (htmx sends it as HX-Current-URL): after the
 * drawer pushed `pod=…` into the address bar, the next refresh keeps that row selected.
 */
function liveQuery(request: Request, own: PodsQuery): PodsQuery {
  const current = request.headers.get('hx-current-url');
  if (!current) return own;
  try {
    const u = new URL(current);
    if (u.pathname !== '/pods') return own;
    const clusters = u.searchParams.getAll('cluster');
    const get = (k: string) => u.searchParams.get(k)?.slice(0, 2048) ?? undefined;
    return {
      q: get('q'),
      cluster: clusters.slice(0, 500),
      namespace: get('namespace'),
      status: get('status'),
      owner: get('owner'),
      node: get('node'),
      problem: get('problem'),
      sort: get('sort'),
      group: get('group'),
      cursor: get('cursor'),
      pod: get('pod'),
    };
  } catch {
    return own;
  }
}

function readPodCursor(cursor: string | undefined, sort: PodSort): PodCursor | undefined {
  if (!cursor) return undefined;
  const [s, key, namespace, name, clusterId] = decodeCursor(cursor, ['text', 'int', 'text', 'text', 'uuid']);
  // A cursor of another sort (an edited URL) starts from the top rather than failing.
  if (s !== sort) return undefined;
  return { sort, key, namespace, name, clusterId };
}

/**
 * A workloads page's cursor. One of the shape before workloads were told apart by namespace (a stale
 * bookmark: name and kind only) starts from the top; any other that does not decode is a 400.
 */
function readWorkloadCursor(cursor: string | undefined): WorkloadCursor | undefined {
  if (!cursor) return undefined;
  try {
    decodeCursor(cursor, ['text', 'text']);
    return undefined;
  } catch {
    const [name, namespace, kind] = decodeCursor(cursor, ['text', 'text', 'text']);
    return { ownerName: name, namespace, ownerKind: kind };
  }
}

/** References to `shown` (the clusters a page's rows and groups name). */
function clusterRefs(shown: readonly ScopeCluster[]): Record<string, ClusterRef> {
  const out: Record<string, ClusterRef> = {};
  for (const c of shown) {
    const m = metricsState(c);
    out[c.id] = { id: c.id, name: c.name, status: c.status, lastHeartbeatAt: c.lastHeartbeatAt, metricsUnavailable: m.available ? null : m.reason };
  }
  return out;
}

type LiveData = PodsLiveProps & { picked: ScopeCluster[]; scopeCounts: ScopeCounts };

async function loadLive(db: Db, orgIds: readonly string[], q: PodsQuery): Promise<LiveData> {
  const requested = filtersOf(q);
  const [{ filter, clusters, picked }, scopeCounts] = await Promise.all([buildFilter(db, orgIds, requested), countScopeClusters(db, orgIds)]);
  const filters = { ...requested, clusters };
  const now = new Date();
  const base = podsUrl(filters);
  let rows: PodsLiveProps['rows'] = [];
  let groups: PodsLiveProps['groups'] = [];
  let nextUrl: string | null = null;
  let cursorParam: string | null = null;
  let counted: { counts: PodsLiveProps['counts']; problems: number } | null = null;
  if (filters.group === 'owner') {
    const after = readWorkloadCursor(q.cursor);
    if (after) cursorParam = q.cursor!;
    const res = await listWorkloads(db, filter, { limit: WORKLOADS_PER_PAGE, after, now });
    groups = res.groups;
    if (res.next) nextUrl = podsUrl(filters, { cursor: encodeCursor([res.next.ownerName, res.next.namespace, res.next.ownerKind]) });
  } else {
    const after = readPodCursor(q.cursor, filters.sort);
    if (after) cursorParam = q.cursor!;
    let res: PodPage;
    if (filter.q && filter.q.length >= 3) {
      // A search reads its matches once, for the page and both counts.
      const searched = await searchPodsWithCounts(db, filter, { sort: filters.sort, limit: PAGE_SIZE, after, now });
      res = searched.page;
      counted = { counts: searched.counts, problems: searched.problems };
    } else {
      res = await listPods(db, filter, { sort: filters.sort, limit: PAGE_SIZE, after, now });
    }
    rows = res.rows;
    if (res.next) nextUrl = podsUrl(filters, { cursor: encodeCursor([res.next.sort, res.next.key, res.next.namespace, res.next.name, res.next.clusterId]) });
  }
  if (!counted) {
    const [counts, problems] = await Promise.all([countPodsByStatus(db, filter, now), countProblemPods(db, filter, now)]);
    counted = { counts, problems };
  }
  const selected = q.pod && /^[0-9a-f-]{36}\/[^/]+\/[^/]+$/i.test(q.pod) ? q.pod : null;
  const shownIds = [...new Set([...rows.map((r) => r.clusterId), ...groups.flatMap((g) => g.clusters.map((c) => c.clusterId))])];
  const shown = await listScopeClusters(db, orgIds, { ids: shownIds });
  return {
    picked,
    scopeCounts,
    filters,
    rows,
    groups,
    counts: counted.counts,
    problemCount: counted.problems,
    clusters: clusterRefs(shown),
    clustersInScope: scopeCounts.total,
    liveUrl: `/pods/live${base.slice('/pods'.length)}`,
    nextUrl,
    firstUrl: cursorParam ? base : null,
    selected,
    pageQuery: podsUrl(filters, { cursor: cursorParam }),
  };
}

function logsEnabled(cluster: Cluster): boolean {
  return cluster.capabilities?.logs?.enabled === true;
}

async function loadChart(
  db: Db,
  cluster: Cluster,
  org: VisibleOrg,
  namespace: string,
  name: string,
  windowKey: string | undefined,
  usageAvailable: boolean,
  limits: { cpuRequest: number; cpuLimit: number; memRequest: number; memLimit: number },
  now: Date,
): Promise<ChartProps> {
  const windows = windowsForPlan(org.plan);
  const window = (windows as string[]).includes(windowKey ?? '') ? (windowKey as ChartWindow) : '1h';
  const metrics = metricsState(metricsOf(cluster), usageAvailable);
  const seconds = WINDOWS[window];
  const series = await podUsageSeries(db, cluster.id, namespace, name, {
    from: new Date(now.getTime() - seconds * 1000),
    to: now,
    stepSeconds: defaultStep(seconds),
    now,
  });
  return {
    clusterId: cluster.id,
    namespace,
    name,
    window,
    windows,
    plan: org.plan,
    // History stays worth showing after metrics went away (the reason is shown above it).
    metrics: metrics.available || !series.points.some((p) => p.cpuMilli !== null || p.memBytes !== null) ? metrics : { available: true },
    data: {
      t: series.points.map((p) => p.t),
      cpu: series.points.map((p) => p.cpuMilli),
      mem: series.points.map((p) => p.memBytes),
      ...limits,
      stepSeconds: series.stepSeconds,
      source: series.source,
      from: Math.floor(series.from.getTime() / 1000),
      to: Math.floor(series.to.getTime() / 1000),
    },
  };
}

/** The drawer's polled part: the pod as of its cluster's latest heartbeat and its latest usage. */
/** `now` decides which problems a pod has (pending too long, restarted lately). */
async function loadDrawerLive(
  db: Db,
  cluster: Cluster,
  namespace: string,
  name: string,
  now = new Date(),
): Promise<DrawerLiveProps & { usageAvailable: boolean }> {
  const found = hasNul(namespace, name) ? null : await findPodDetail(db, cluster.id, namespace, name);
  const usage = found?.usageAvailable ? await latestPodUsage(db, cluster.id, namespace, name) : null;
  const p = found?.detail ?? null;
  return {
    cluster: { id: cluster.id, name: cluster.name, status: cluster.status, lastHeartbeatAt: cluster.lastHeartbeatAt, logsEnabled: logsEnabled(cluster) },
    namespace,
    name,
    pod: p,
    usage: usage ? { cpuMilli: usage.cpuMilli, memBytes: usage.memBytes, at: usage.at } : null,
    metrics: metricsState(metricsOf(cluster), found?.usageAvailable ?? false),
    problems: p ? podProblems(p, usage?.memBytes ?? null, now) : [],
    usageAvailable: found?.usageAvailable ?? false,
  };
}

/** The whole drawer: its polled part and the usage chart. */
async function loadDrawer(
  db: Db,
  cluster: Cluster,
  org: VisibleOrg,
  namespace: string,
  name: string,
  windowKey?: string,
): Promise<DrawerLiveProps & { chart: ChartProps; policies?: DrawerPolicies }> {
  const now = new Date();
  const live = await loadDrawerLive(db, cluster, namespace, name, now);
  const p = live.pod;
  if (!p) return { ...live, chart: {} as ChartProps };
  const limits = { cpuRequest: p.cpuRequestMilli, cpuLimit: p.cpuLimitMilli, memRequest: p.memRequestBytes, memLimit: p.memLimitBytes };
  const [chart, policies] = await Promise.all([
    loadChart(db, cluster, org, namespace, name, windowKey, live.usageAvailable, limits, now),
    loadPodFindings(db, cluster, namespace, p.ownerChain),
  ]);
  return { ...live, chart, policies };
}

/** "clusterId/namespace/name" → its parts, or null when malformed. */
function parsePodKey(key: string | undefined): { clusterId: string; namespace: string; name: string } | null {
  if (!key) return null;
  const m = /^([0-9a-f-]{36})\/([^/]+)\/([^/]+)$/i.exec(key);
  return m && isUuid(m[1]) && !hasNul(m[2], m[3]) ? { clusterId: m[1], namespace: m[2], name: m[3] } : null;
}

export function podsPages(deps: AppDeps) {
  const { db } = deps;
  const drawerFor = async (caller: Caller, clusterId: string, namespace: string, name: string, closeUrl: string, windowKey?: string) => {
    const { cluster, org } = await requireCluster(db, caller, clusterId);
    const data = await loadDrawer(db, cluster, org, namespace, name, windowKey);
    return <PodDrawer {...data} closeUrl={closeUrl} />;
  };
  return new Elysia({ name: 'pods-pages' })
    .get(
      '/pods',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const orgIds = caller.scopeOrgIds;
        const { picked, scopeCounts, ...live } = await loadLive(db, orgIds, ctx.query);
        // The picker's first clusters by name, the counts-only agents and the cut lists: each at most PICK_MAX, with
        // their totals (a fleet of thousands is not read to draw its filter).
        const [first, countsOnly, truncated] = await Promise.all([
          listScopeClusters(db, orgIds, { limit: PICK_MAX }),
          scopeCounts.countsOnly ? listScopeClusters(db, orgIds, { countsOnly: true, limit: PICK_MAX }) : [],
          scopeCounts.truncated ? listScopeClusters(db, orgIds, { truncated: true, limit: PICK_MAX }) : [],
        ]);
        const key = parsePodKey(ctx.query.pod);
        let drawer: JSX.Element | string = '';
        if (key) {
          // A pod link from a stale bookmark or a foreign cluster: the table loads, the drawer says so.
          drawer = await drawerFor(caller, key.clusterId, key.namespace, key.name, live.pageQuery).catch((e) => {
            if ((e as { status?: number }).status === 404) return <p class="flash error">That pod's cluster was not found.</p>;
            throw e;
          });
        }
        const body = (
          <PodsPage
            {...live}
            clusterOptions={[...picked, ...first.filter((c) => !live.filters.clusters.includes(c.id))].map((c) => ({ id: c.id, name: c.name }))}
            countsOnly={countsOnly.map((c) => ({ id: c.id, name: c.name }))}
            countsOnlyTotal={scopeCounts.countsOnly}
            truncated={truncated.map((c) => ({ id: c.id, name: c.name, listed: c.podsListed, total: c.podsTotal }))}
            truncatedTotal={scopeCounts.truncated}
            drawer={drawer}
          />
        );
        return renderPage(caller, ctx.cookie, { title: 'Pods', active: 'pods', body, scripts: ['uplot.css', 'uplot.js', 'charts.js'] });
      },
      { query: PodsQuery },
    )
    .get(
      '/pods/live',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { picked: _picked, scopeCounts: _counts, ...live } = await loadLive(db, caller.scopeOrgIds, liveQuery(ctx.request, ctx.query));
        return <PodsLive {...live} />;
      },
      { query: PodsQuery },
    )
    .get('/clusters/:id/pods/:namespace/:name', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { id, namespace, name } = ctx.params;
      const key = `${id}/${namespace}/${name}`;
      if (!isHtmx(ctx.request)) {
        await requireCluster(db, caller, id);
        return redirect(`/pods?cluster=${encodeURIComponent(id)}&pod=${encodeURIComponent(key)}`);
      }
      // Closing goes back to the page the browser shows, without the pod.
      let close = '/pods';
      const current = ctx.request.headers.get('hx-current-url');
      if (current) {
        try {
          const u = new URL(current);
          u.searchParams.delete('pod');
          if (u.pathname === '/pods') close = u.pathname + (u.search || '');
        } catch {}
      }
      return drawerFor(caller, id, namespace, name, close);
    })
    .get('/clusters/:id/pods/:namespace/:name/live', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster } = await requireCluster(db, caller, ctx.params.id);
      return <PodDrawerLive {...(await loadDrawerLive(db, cluster, ctx.params.namespace, ctx.params.name))} />;
    })
    .get('/clusters/:id/pods/:namespace/:name/details', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster } = await requireCluster(db, caller, ctx.params.id);
      return <PodDrawerDetails {...(await loadDrawerLive(db, cluster, ctx.params.namespace, ctx.params.name))} />;
    })
    .get(
      '/clusters/:id/pods/:namespace/:name/chart',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
        const { namespace, name } = ctx.params;
        const found = hasNul(namespace, name) ? null : await findPodDetail(db, cluster.id, namespace, name);
        if (!found) throw notFound('pod');
        if (ctx.query.window !== undefined && !(ctx.query.window in WINDOWS)) throw badRequest('window: one of 1h, 6h, 24h, 7d, 30d');
        const d = found.detail;
        const limits = { cpuRequest: d.cpuRequestMilli, cpuLimit: d.cpuLimitMilli, memRequest: d.memRequestBytes, memLimit: d.memLimitBytes };
        return <PodChart {...(await loadChart(db, cluster, org, namespace, name, ctx.query.window, found.usageAvailable, limits, new Date()))} />;
      },
      { query: t.Object({ window: t.Optional(t.String({ maxLength: 10 })) }) },
    );
}
