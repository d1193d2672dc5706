import Html from '@kitajs/html';
import { formatBytes, formatCpu } from '../clusters/parts';
import { DONE_STATUSES, PROGRESS_STATUSES, RUNNING_STATUSES, isInitProgress } from '../../src/inventory/pod-status';
import type { PodProblem } from '../../src/pods/vocabulary';

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

/** "45s", "12m", "3h", "5d" — kubectl's AGE column. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function PodAge(props: { unix: number; now: Date }): JSX.Element {
  if (!props.unix) return <span class="muted">—</span>;
  const iso = new Date(props.unix * 1000).toISOString();
  return (
    <time datetime={iso} title={iso.replace('T', ' ').slice(0, 19) + ' UTC'} safe>
      {formatDuration(props.now.getTime() / 1000 - props.unix)}
    </time>
  );
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
  if (props.used === null) return <span class="muted" title={props.unavailable ?? 'metrics unavailable'}>—</span>;
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
