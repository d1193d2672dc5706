// What the pod API and pages share: the caller's clusters, filters from request values, why metrics
// are missing, and the usage chart's windows and buckets by plan.
import type { Db } from '../db/client';
import { listScopeClusters, type ScopeCluster } from '../clusters/store';
import type { Plan } from '../orgs/schema';
import type { Cluster } from '../clusters/schema';
import type { PodDetailJson } from '../inventory/store';
import { PENDING_PROBLEM_MINUTES, RESTART_PROBLEM_MINUTES, type PodFilter } from '../inventory/fleet-pods';
import { RETENTION_HOURS, podUsageSeries } from '../inventory/usage';
import { HEALTHY_STATUSES, PROGRESS_STATUSES, isInitProgress } from '../inventory/pod-status';
import { CHART_WINDOWS, type ChartWindow, type PodProblem } from './vocabulary';

export type { ScopeCluster };

export type FilterInput = {
  q?: string;
  clusters?: readonly string[];
  namespace?: string;
  status?: string;
  owner?: string;
  node?: string;
  problem?: boolean;
};

/** Names from a URL path: one with a NUL byte names no pod (Postgres text cannot hold it). */
export function hasNul(...values: string[]): boolean {
  return values.some((v) => v.includes('\u0000'));
}

/** "Deployment/web" → kind and name; "web" → any kind named web. */
export function parseOwner(owner: string): { kind?: string; name?: string } {
  const s = owner.trim();
  if (!s) return {};
  const i = s.indexOf('/');
  if (i < 0) return { name: s };
  const kind = s.slice(0, i).trim();
  const name = s.slice(i + 1).trim();
  return { kind: kind || undefined, name: name || undefined };
}

export type ScopedFilter = {
  filter: PodFilter;
  /** The requested clusters within scope, in request order, once each, and their rows. */
  clusters: string[];
  picked: ScopeCluster[];
  /** Requested cluster ids outside the scope (foreign, deleted, malformed), left out of the filter. */
  outside: string[];
};

/**
 * The store filter for a request over the caller's scope `orgIds`. Requested cluster ids outside it are dropped
 * and listed in `outside`: the API answers them like a missing cluster, the page ignores them (a stale bookmark
 * still loads). Without requested clusters the filter names the organizations, and the statements read their
 * clusters themselves: a fleet of thousands is never read into memory to list a page of pods.
 */
export async function buildFilter(db: Db, orgIds: readonly string[], input: FilterInput): Promise<ScopedFilter> {
  const requested = [...new Set(input.clusters ?? [])];
  const found = new Map((requested.length ? await listScopeClusters(db, orgIds, { ids: requested }) : []).map((c) => [c.id, c]));
  const picked = requested.filter((id) => found.has(id));
  const outside = requested.filter((id) => !found.has(id));
  const owner = parseOwner(input.owner ?? '');
  const clean = (s: string | undefined) => (s ?? '').trim() || undefined;
  // Postgres text cannot hold NUL, so a value with one matches no pod (and must not reach a query).
  const impossible = [input.q, input.namespace, input.status, input.owner, input.node].some((v) => v?.includes('\u0000'));
  return {
    clusters: picked,
    picked: picked.map((id) => found.get(id)!),
    outside,
    filter: {
      ...(impossible ? { clusterIds: [] } : picked.length ? { clusterIds: picked } : { orgIds }),
      q: clean(input.q),
      namespace: clean(input.namespace),
      status: clean(input.status),
      ownerKind: owner.kind,
      ownerName: owner.name,
      node: clean(input.node),
      problem: input.problem || undefined,
    },
  };
}

export type MetricsState = { available: true } | { available: false; reason: string };

/**
 * Whether usage can be shown for the cluster (and the pod, when given), and if not, why — in words
 * an operator can act on. Never an error: the pod is still shown.
 */
export function metricsState(cluster: Pick<ScopeCluster, 'protocol' | 'podMetrics'>, podUsageAvailable?: boolean): MetricsState {
  if (!cluster.podMetrics || (cluster.protocol ?? 0) < 2)
    return { available: false, reason: 'this cluster’s agent (protocol 1) does not report per-pod usage; upgrade the agent' };
  const cap = cluster.podMetrics;
  if (!cap?.enabled) {
    const denied = /denied|forbidden/i.test(cap?.detectedBy ?? '');
    return {
      available: false,
      reason: denied
        ? `the agent is not allowed to read pod metrics (metrics.k8s.io) — grant it the escalated role (${cap?.detectedBy ?? 'no detail'})`
        : `metrics-server is not installed or not serving in this cluster (${cap?.detectedBy ?? 'metrics.k8s.io not served'})`,
    };
  }
  if (podUsageAvailable === false)
    return { available: false, reason: 'metrics-server has no sample for this pod yet (it is new, not running, or just restarted)' };
  return { available: true };
}

/** metricsState's input from a full cluster row. */
export function metricsOf(cluster: Pick<Cluster, 'protocol' | 'capabilities'>): Pick<ScopeCluster, 'protocol' | 'podMetrics'> {
  return { protocol: cluster.protocol, podMetrics: cluster.capabilities?.podMetrics ?? null };
}

const HEALTHY: ReadonlySet<string> = new Set(HEALTHY_STATUSES);
const PROGRESS: ReadonlySet<string> = new Set(PROGRESS_STATUSES);

/** The same problem reasons the fleet table shows, for one pod as of its latest heartbeat. */
export function podProblems(p: PodDetailJson, memBytes: number | null, now: Date): PodProblem[] {
  const out: PodProblem[] = [];
  const s = Math.floor(now.getTime() / 1000);
  const init = isInitProgress(p.status);
  if (!HEALTHY.has(p.status) && !PROGRESS.has(p.status) && !init) out.push('failing');
  const crash = p.status.endsWith('CrashLoopBackOff') || p.containerDetails.some((c) => c.stateReason === 'CrashLoopBackOff');
  const lastRestart = Math.max(0, ...p.containerDetails.map((c) => c.lastTerminatedAt ?? 0));
  if (crash) out.push('crash_loop');
  else if (p.restarts > 0 && lastRestart > s - RESTART_PROBLEM_MINUTES * 60) out.push('restarting');
  const [ready, total] = p.ready.split('/');
  if (p.phase === 'Running' && ready !== total) out.push('not_ready');
  if (((PROGRESS.has(p.status) && p.status !== 'Terminating') || init) && p.createdUnix < s - PENDING_PROBLEM_MINUTES * 60) out.push('pending');
  if (p.memLimitBytes > 0 && memBytes !== null && memBytes >= 0.9 * p.memLimitBytes) out.push('oom_risk');
  return out;
}

/** Seconds of each chart window, by key. */
export const WINDOWS: Record<string, number> = Object.fromEntries(CHART_WINDOWS.map((w) => [w.key, w.seconds]));

/** Chart windows within the plan's retention, shortest first. */
export function windowsForPlan(plan: Plan): ChartWindow[] {
  return CHART_WINDOWS.filter((w) => w.seconds <= RETENTION_HOURS[plan] * 3600).map((w) => w.key);
}

const NICE_STEPS = [15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 21600, 43200, 86400];
/** Points a chart aims for, and the most the API returns. */
export const TARGET_POINTS = 360;
export const MAX_POINTS = 2000;

/** The smallest "round" bucket that keeps a window within TARGET_POINTS. */
export function defaultStep(windowSeconds: number): number {
  return NICE_STEPS.find((s) => windowSeconds / s <= TARGET_POINTS) ?? 86400;
}

export type UsageWindow = { from: Date; to: Date; stepSeconds: number; retentionFrom: Date };

/**
 * Resolves a requested window against the plan: `from` before the retention start is moved up to it,
 * `to` after now comes back to now, `step` is at least window/MAX_POINTS. Null when nothing is left
 * (`from` not before `to` once both are moved).
 */
export function resolveWindow(plan: Plan, now: Date, input: { from?: Date; to?: Date; stepSeconds?: number }): UsageWindow | null {
  const retentionFrom = new Date(now.getTime() - RETENTION_HOURS[plan] * 3600_000);
  const to = input.to && input.to < now ? input.to : now;
  const from = input.from ? (input.from < retentionFrom ? retentionFrom : input.from) : new Date(to.getTime() - 3600_000);
  if (from >= to) return null;
  const seconds = (to.getTime() - from.getTime()) / 1000;
  const step = Math.max(input.stepSeconds ?? defaultStep(seconds), Math.ceil(seconds / MAX_POINTS));
  return { from, to, stepSeconds: step, retentionFrom };
}

/** Parses an ISO 8601 time or unix seconds; null when it is neither. */
export function parseTime(value: string): Date | null {
  const v = value.trim();
  if (/^\d{1,12}(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export { podUsageSeries };
