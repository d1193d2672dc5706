// The polled part of /pods: status chips, the pod table (or the workload groups) and the pager.
import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Age } from '../clusters/parts';
import type { ClusterStatus } from '../../src/clusters/vocabulary';
import type { PodRow, PodSort } from '../../src/pods/vocabulary';
import { PROBLEM_TEXT, PodAge, PodStatusBadge, UsageCell } from './parts';
import { podKey, podPath, podsUrl, type PodsFilters } from './filters';
import { WorkloadGroups, type WorkloadGroupView } from './workloads';

/** The polled part of /pods: chips, table (or workload groups) and pager; replaced by a morph every 5 s. */
export const PODS_LIVE_ID = 'pods-live';
/** Where the pod drawer goes; outside the polled part, so a refresh never closes it. */
export const POD_DRAWER_ID = 'pod-drawer';

export type ClusterRef = {
  id: string;
  name: string;
  status: ClusterStatus;
  lastHeartbeatAt: Date | null;
  /** Why usage is missing for the whole cluster, or null when it reports metrics. */
  metricsUnavailable: string | null;
};

/** The table shows neither the phase, the images nor when usage was measured. */
export type PodRowView = Omit<PodRow, 'phase' | 'images' | 'usageAt'>;

export type PodsLiveProps = {
  filters: PodsFilters;
  rows: PodRowView[];
  groups: WorkloadGroupView[];
  counts: { byStatus: Record<string, number>; total: number };
  problemCount: number;
  clusters: Record<string, ClusterRef>;
  liveUrl: string;
  nextUrl: string | null;
  firstUrl: string | null;
  /** "clusterId/namespace/name" of the pod whose drawer is open. */
  selected: string | null;
  /** The URL of this page as shown (filters and page), to which a pod key is added to open its drawer. */
  pageQuery: string;
};

const CHIP_ORDER = [
  'Running',
  'Pending',
  'CrashLoopBackOff',
  'Error',
  'ImagePullBackOff',
  'ErrImagePull',
  'OOMKilled',
  'ContainerCreating',
  'Terminating',
  'Completed',
];

function chipStatuses(counts: Record<string, number>, current: string): string[] {
  const known = CHIP_ORDER.filter((s) => counts[s]);
  const others = Object.keys(counts)
    .filter((s) => !CHIP_ORDER.includes(s) && counts[s])
    .sort((a, b) => counts[b] - counts[a]);
  const list = [...known, ...others];
  if (current && !list.includes(current)) list.push(current);
  return list;
}

function SortHeader(props: { filters: PodsFilters; sort: PodSort; label: string }): JSX.Element {
  const on = props.filters.sort === props.sort;
  return (
    <th aria-sort={on ? (props.sort === 'name' ? 'ascending' : 'descending') : undefined}>
      <a href={podsUrl({ ...props.filters, sort: props.sort })} data-sort={props.sort} safe>
        {props.label + (on ? (props.sort === 'name' ? ' ▲' : ' ▼') : '')}
      </a>
    </th>
  );
}

export function PodsLive(props: PodsLiveProps): JSX.Element {
  const f = props.filters;
  return (
    <div id={PODS_LIVE_ID} hx-get={props.liveUrl} hx-trigger="every 5s" hx-swap="outerMorph">
      <div class="row summary" aria-label="Pods by status">
        <a class={`chip${f.status === '' && !f.problem ? ' on' : ''}`} href={podsUrl({ ...f, status: '', problem: false })} data-count="all" safe>
          {`All ${props.counts.total.toLocaleString('en-US')}`}
        </a>
        {chipStatuses(props.counts.byStatus, f.status).map((s) => (
          <a class={`chip${f.status === s ? ' on' : ''}`} href={podsUrl({ ...f, status: f.status === s ? '' : s })} data-count={s} safe>
            {`${s} ${(props.counts.byStatus[s] ?? 0).toLocaleString('en-US')}`}
          </a>
        ))}
        <a
          class={`chip problem${f.problem ? ' on' : ''}`}
          href={podsUrl({ ...f, problem: !f.problem })}
          data-count="problem"
          title="Not ready, crash-looping or restarted in the last hour, failing, pending over 5 min, or memory at 90 % of its limit"
          safe
        >
          {`Problem pods ${props.problemCount.toLocaleString('en-US')}`}
        </a>
      </div>
      {f.group === 'owner' ? <WorkloadGroups {...props} /> : <PodTable {...props} />}
      <div class="pager">
        {props.firstUrl ? (
          <a class="button secondary" href={props.firstUrl}>
            ← First page
          </a>
        ) : (
          ''
        )}
        {props.nextUrl ? (
          <a class="button secondary" href={props.nextUrl} data-next>
            Next →
          </a>
        ) : (
          ''
        )}
      </div>
    </div>
  );
}

function PodTable(props: PodsLiveProps): JSX.Element {
  const f = props.filters;
  return (
    <div class="table-wrap">
      <table id="pods-table">
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Namespace</th>
            <SortHeader filters={f} sort="name" label="Pod" />
            <th>Status</th>
            <th>Ready</th>
            <SortHeader filters={f} sort="restarts" label="Restarts" />
            <th>Node</th>
            <SortHeader filters={f} sort="age" label="Age" />
            <SortHeader filters={f} sort="cpu" label="CPU" />
            <SortHeader filters={f} sort="memory" label="Memory" />
            <th>Owner</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 ? (
            <EmptyRow columns={11}>
              {Object.keys(props.clusters).length === 0 ? (
                <span>
                  No clusters yet. <a href="/clusters/new">Add a cluster</a> and its pods show here after its first heartbeat.
                </span>
              ) : (
                'No pod matches these filters.'
              )}
            </EmptyRow>
          ) : (
            props.rows.map((r) => <PodRow row={r} {...props} />)
          )}
        </tbody>
      </table>
    </div>
  );
}

function PodRow(props: PodsLiveProps & { row: PodRowView }): JSX.Element {
  const r = props.row;
  const c = props.clusters[r.clusterId];
  const key = podKey(r.clusterId, r.namespace, r.name);
  const stale = c && (c.status === 'unknown' || c.status === 'offline');
  const open = `${props.pageQuery}${props.pageQuery.includes('?') ? '&' : '?'}pod=${encodeURIComponent(key)}`;
  const ownerFilter = r.ownerKind ? `${r.ownerKind}/${r.ownerName}` : '';
  return (
    <tr data-pod={key} class={props.selected === key ? 'selected' : ''}>
      <td>
        <a href={`/clusters/${r.clusterId}`} safe>
          {c?.name ?? r.clusterId.slice(0, 8)}
        </a>
        <br />
        <small class={stale ? 'stale' : 'muted'} title="Last heartbeat of the cluster: the row is as of then" data-heartbeat>
          {stale ? <span class="chip">stale</span> : ''} <Age at={c?.lastHeartbeatAt ?? null} />
        </small>
      </td>
      <td class="mono" safe>
        {r.namespace}
      </td>
      <td class="mono">
        <a
          href={open}
          hx-get={podPath(r.clusterId, r.namespace, r.name)}
          hx-target={`#${POD_DRAWER_ID}`}
          hx-swap="innerHTML"
          hx-push-url={open}
          data-open-pod
          safe
        >
          {r.name}
        </a>
        {r.problems.length ? (
          <small class="problems" safe>
            {' ' + r.problems.map((p) => PROBLEM_TEXT[p] ?? p).join(', ')}
          </small>
        ) : (
          ''
        )}
      </td>
      <td>
        <PodStatusBadge status={r.status} />
      </td>
      <td class={r.problems.includes('not_ready') ? 'warn' : ''} safe>
        {r.ready}
      </td>
      <td safe>{String(r.restarts)}</td>
      <td class="mono" safe>
        {r.nodeName || '—'}
      </td>
      <td>
        <PodAge unix={r.createdUnix} />
      </td>
      <td>
        <UsageCell used={r.cpuMilli} request={r.cpuRequestMilli} limit={r.cpuLimitMilli} kind="cpu" unavailable={c?.metricsUnavailable ?? undefined} />
      </td>
      <td>
        <UsageCell used={r.memBytes} request={r.memRequestBytes} limit={r.memLimitBytes} kind="memory" unavailable={c?.metricsUnavailable ?? undefined} />
      </td>
      <td>
        {ownerFilter ? (
          <a href={podsUrl({ ...props.filters, owner: ownerFilter, group: 'owner' })} title="This workload across clusters" safe>
            {ownerFilter}
          </a>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
    </tr>
  );
}
