// The polled part of /pods: status chips, the pod table (or the workload groups) and the pager.
import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Name } from '../shared/names';
import { columnClass, type TableColumn } from '../shared/table-tools';
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
export const PODS_TABLE_ID = 'pods-table';

/** The pod table's columns, in order; the pod's name always shows. */
export const POD_COLUMNS: readonly TableColumn[] = [
  { key: 'cluster', label: 'Cluster' },
  { key: 'namespace', label: 'Namespace' },
  { key: 'pod', label: 'Pod', fixed: true },
  { key: 'status', label: 'Status' },
  { key: 'ready', label: 'Ready' },
  { key: 'restarts', label: 'Restarts' },
  { key: 'node', label: 'Node', hidden: true },
  { key: 'age', label: 'Age' },
  { key: 'cpu', label: 'CPU' },
  { key: 'memory', label: 'Memory' },
  { key: 'owner', label: 'Owner' },
];
const col = (key: string): string => columnClass(POD_COLUMNS, key);

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
  /** The clusters the rows and groups shown name (not every cluster in scope: a fleet may hold thousands). */
  clusters: Record<string, ClusterRef>;
  /** Clusters in the caller's scope. */
  clustersInScope: number;
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

/**
 * A column header that sorts. A usage column offers three orders, one click each in turn: usage, then % of
 * request, then % of limit (`cycle`); the label says which one is on.
 */
function SortHeader(props: { filters: PodsFilters; column: string; label: string; cycle: readonly PodSort[] }): JSX.Element {
  const current = props.cycle.indexOf(props.filters.sort);
  const on = current >= 0;
  const next = props.cycle[(current + 1) % props.cycle.length];
  const shown = on ? props.filters.sort : props.cycle[0];
  const label = props.label + (SORT_SUFFIX[shown] ?? '') + (on ? (shown === 'name' ? ' ▲' : ' ▼') : '');
  const title = props.cycle.length > 1 ? `Sort by ${props.cycle.map((s) => SORT_HINT[s]).join(', then ')} (one click each)` : undefined;
  return (
    <th class={col(props.column)} aria-sort={on ? (shown === 'name' ? 'ascending' : 'descending') : undefined}>
      <a href={podsUrl({ ...props.filters, sort: next })} data-sort={next} title={title} safe>
        {label}
      </a>
    </th>
  );
}

const SORT_SUFFIX: Partial<Record<PodSort, string>> = {
  cpu_of_request: ' % req',
  cpu_of_limit: ' % lim',
  memory_of_request: ' % req',
  memory_of_limit: ' % lim',
};
const SORT_HINT: Partial<Record<PodSort, string>> = {
  cpu: 'usage',
  memory: 'usage',
  cpu_of_request: '% of request',
  cpu_of_limit: '% of limit',
  memory_of_request: '% of request',
  memory_of_limit: '% of limit',
};
const CPU_SORTS: readonly PodSort[] = ['cpu', 'cpu_of_request', 'cpu_of_limit'];
const MEMORY_SORTS: readonly PodSort[] = ['memory', 'memory_of_request', 'memory_of_limit'];

/** Plain header cells of the columns that do not sort. */
function Th(props: { column: string }): JSX.Element {
  const c = POD_COLUMNS.find((x) => x.key === props.column)!;
  return (
    <th class={col(c.key)} safe>
      {c.label}
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
      <table id={PODS_TABLE_ID} class="fit">
        <thead>
          <tr>
            <Th column="cluster" />
            <Th column="namespace" />
            <SortHeader filters={f} column="pod" label="Pod" cycle={['name']} />
            <Th column="status" />
            <Th column="ready" />
            <SortHeader filters={f} column="restarts" label="Restarts" cycle={['restarts']} />
            <Th column="node" />
            <SortHeader filters={f} column="age" label="Age" cycle={['age']} />
            <SortHeader filters={f} column="cpu" label="CPU" cycle={CPU_SORTS} />
            <SortHeader filters={f} column="memory" label="Memory" cycle={MEMORY_SORTS} />
            <Th column="owner" />
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 ? (
            <EmptyRow columns={POD_COLUMNS.length}>
              {props.clustersInScope === 0 ? (
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
  // The cells show usage against what the table is sorted by: % of request when sorted so, else % of limit.
  const prefer = props.filters.sort.endsWith('_of_request') ? 'request' : 'limit';
  return (
    <tr data-pod={key} class={props.selected === key ? 'selected' : ''}>
      <td class={col('cluster')}>
        <Name text={c?.name ?? r.clusterId.slice(0, 8)} href={`/clusters/${r.clusterId}`} copy={false} />
        <small class={stale ? 'stale' : 'muted'} title="Last heartbeat of the cluster: the row is as of then" data-heartbeat>
          {stale ? <span class="chip">stale</span> : ''} <Age at={c?.lastHeartbeatAt ?? null} />
        </small>
      </td>
      <td class={col('namespace')}>
        <Name text={r.namespace} mono what="namespace" />
      </td>
      <td class={col('pod')}>
        <Name
          text={r.name}
          mono
          href={open}
          attrs={{
            'hx-get': podPath(r.clusterId, r.namespace, r.name),
            'hx-target': `#${POD_DRAWER_ID}`,
            'hx-swap': 'innerHTML',
            'hx-push-url': open,
            'data-open-pod': '',
          }}
          what="pod name"
        />
        {r.problems.length ? (
          <small class="problems" safe>
            {r.problems.map((p) => PROBLEM_TEXT[p] ?? p).join(', ')}
          </small>
        ) : (
          ''
        )}
      </td>
      <td class={col('status')}>
        <PodStatusBadge status={r.status} />
      </td>
      <td class={`${col('ready')}${r.problems.includes('not_ready') ? ' warn' : ''}`} safe>
        {r.ready}
      </td>
      <td class={col('restarts')} safe>
        {String(r.restarts)}
      </td>
      <td class={col('node')}>{r.nodeName ? <Name text={r.nodeName} mono what="node name" /> : <span class="muted">—</span>}</td>
      <td class={col('age')}>
        <PodAge unix={r.createdUnix} />
      </td>
      <td class={col('cpu')}>
        <UsageCell
          used={r.cpuMilli}
          request={r.cpuRequestMilli}
          limit={r.cpuLimitMilli}
          kind="cpu"
          unavailable={c?.metricsUnavailable ?? undefined}
          prefer={prefer}
        />
      </td>
      <td class={col('memory')}>
        <UsageCell
          used={r.memBytes}
          request={r.memRequestBytes}
          limit={r.memLimitBytes}
          kind="memory"
          unavailable={c?.metricsUnavailable ?? undefined}
          prefer={prefer}
        />
      </td>
      <td class={col('owner')}>
        {ownerFilter ? (
          <>
            <Name
              text={r.ownerName}
              href={podsUrl({ ...props.filters, owner: ownerFilter, group: 'owner' })}
              attrs={{ title: `${ownerFilter}: this workload across clusters` }}
              copy={false}
            />
            <small class="muted" safe>
              {r.ownerKind}
            </small>
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
    </tr>
  );
}
