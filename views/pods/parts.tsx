import Html from '@kitajs/html';
import { formatBytes, formatCpu } from '../clusters/parts';
import { DONE_STATUSES, PROGRESS_STATUSES, RUNNING_STATUSES, isInitProgress } from '../../src/inventory/pod-status';
import type { PodProblem } from '../../src/pods/vocabulary';
import { RelativeTime } from '../shared/time';

const RUNNING: ReadonlySet<string> = new Set(RUNNING_STATUSES);
const DONE: ReadonlySet<string> = new Set(DONE_STATUSES);
const PROGRESS: ReadonlySet<string> = new Set(PROGRESS_STATUSES);

/** The badge colour of a kubectl STATUS, in the cluster badges' palette. */
export function podStatusClass(status: string): string {
  if (RUNNING.has(status)) return 'running';
  if (DONE.has(status)) return 'completed';
  if (PROGRESS.has(status) || isInitProgress(status)) return 'pending';
  if (status === 'Unknown' || status === '') return '';
  return 'error';
}

export function PodStatusBadge(props: { status: string }): JSX.Element {
  return (
    <span class={`badge ${podStatusClass(props.status)}`} data-pod-status={props.status} safe>
      {props.status || 'Unknown'}
    </span>
  );
}

export const PROBLEM_TEXT: Record<PodProblem, string> = {
  failing: 'failing',
  crash_loop: 'crash loop',
  restarting: 'restarted < 1 h ago',
  not_ready: 'not ready',
  pending: 'pending > 5 min',
  oom_risk: 'memory ≥ 90 % of limit',
};

/** kubectl's AGE column ("12m", worded by the browser) for a moment in unix seconds; "—" when unknown (0). */
export function PodAge(props: { unix: number }): JSX.Element {
  if (!props.unix) return <span class="muted">—</span>;
  return <RelativeTime at={new Date(props.unix * 1000)} style="age" />;
}

/** What a usage figure is compared with: the limit when set, else the request. */
export function usageBase(request: number, limit: number): { total: number; of: 'limit' | 'request' } | null {
  if (limit > 0) return { total: limit, of: 'limit' };
  if (request > 0) return { total: request, of: 'request' };
  return null;
}

/**
 * Usage with its share of the limit (or request) as a bar; "—" with the reason in the title when
 * the cluster has no metrics for the pod.
 */
export function UsageCell(props: { used: number | null; request: number; limit: number; kind: 'cpu' | 'memory'; unavailable?: string }): JSX.Element {
  const format = props.kind === 'cpu' ? formatCpu : formatBytes;
  if (props.used === null)
    return (
      <span class="muted" title={props.unavailable ?? 'metrics unavailable'}>
        —
      </span>
    );
  const base = usageBase(props.request, props.limit);
  if (!base) {
    return (
      <span class="usage" title="no request or limit set">
        <span safe>{format(props.used)}</span>
        <small class="muted">no request/limit</small>
      </span>
    );
  }
  const pct = Math.round((props.used / base.total) * 100);
  const hot = props.kind === 'memory' && base.of === 'limit' && pct >= 90;
  return (
    <span class="usage" title={`${format(props.used)} of ${format(base.total)} ${base.of}`} data-usage-pct={String(pct)}>
      <span class={`bar${hot ? ' hot' : ''}`}>
        <span style={`width:${Math.min(100, pct)}%`}></span>
      </span>
      <small safe>{`${format(props.used)} · ${pct}% of ${base.of}`}</small>
    </span>
  );
}
