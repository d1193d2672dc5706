import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Age, StatusBadge, type StatusKey } from '../clusters/parts';
import { PROBLEM_TEXT, PodAge, PodStatusBadge, UsageCell } from './parts';
import type { WorkloadGroup } from '../../src/pods/store';

/** The polled part of /pods: chips, table (or workload groups) and pager; replaced by a morph every 5 s. */
export const PODS_LIVE_ID = 'pods-live';
/** Where the pod drawer goes; outside the polled part, so a refresh never closes it. */
export const POD_DRAWER_ID = 'pod-drawer';

export const SORTS = ['name', 'restarts', 'age', 'cpu', 'memory'] as const;
export type SortKey = (typeof SORTS)[number];
export const SORT_TEXT: Record<SortKey, string> = { name: 'Name', restarts: 'Restarts (most first)', age: 'Age (newest first)', cpu: 'CPU (highest first)', memory: 'Memory (highest first)' };

export type PodsFilters = {
  q: string;
  clusters: string[];
  namespace: string;
  status: string;
  /** "Kind/name" or "name". */
  owner: string;
  node: string;
  problem: boolean;
  sort: SortKey;
  group: 'pods' | 'owner';
};

export type ClusterRef = {
  id: string;
  name: string;
  status: StatusKey;
  lastHeartbeatAt: Date | null;
  /** Why usage is missing for the whole cluster, or null when it reports metrics. */
  metricsUnavailable: string | null;
};

export type PodRowView = {
  clusterId: string;
  namespace: string;
  name: string;
  status: string;
  ready: string;
  restarts: number;
  nodeName: string;
  ownerKind: string;
  ownerName: string;
  createdUnix: number;
  cpuRequestMilli: number;
  cpuLimitMilli: number;
  memRequestBytes: number;
  memLimitBytes: number;
  cpuMilli: number | null;
  memBytes: number | null;
  problems: string[];
};

export type PodsLiveProps = {
  filters: PodsFilters;
  rows: PodRowView[];
  groups: WorkloadGroup[];
  counts: { byStatus: Record<string, number>; total: number };
  problemCount: number;
  clusters: Record<string, ClusterRef>;
  now: Date;
  liveUrl: string;
  nextUrl: string | null;
  firstUrl: string | null;
  /** "clusterId/namespace/name" of the pod whose drawer is open. */
  selected: string | null;
  /** The URL of this page as shown (filters and page), to which a pod key is added to open its drawer. */
  pageQuery: string;
};

/** /pods?… from filters; `extra` adds cursor and pod. Empty and default values are left out. */
export function podsUrl(f: PodsFilters, extra: { cursor?: string | null; pod?: string | null } = {}): string {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  for (const c of f.clusters) p.append('cluster', c);
  if (f.namespace) p.set('namespace', f.namespace);
  if (f.status) p.set('status', f.status);
  if (f.owner) p.set('owner', f.owner);
  if (f.node) p.set('node', f.node);
  if (f.problem) p.set('problem', '1');
  if (f.sort !== 'name') p.set('sort', f.sort);
  if (f.group !== 'pods') p.set('group', f.group);
  if (extra.cursor) p.set('cursor', extra.cursor);
  if (extra.pod) p.set('pod', extra.pod);
  const s = p.toString();
  return s ? `/pods?${s}` : '/pods';
}

export function podKey(clusterId: string, namespace: string, name: string): string {
  return `${clusterId}/${namespace}/${name}`;
}

/** The drawer fragment's URL (namespace and name are untrusted: encoded). */
export function podPath(clusterId: string, namespace: string, name: string): string {
  return `/clusters/${clusterId}/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

const CHIP_ORDER = ['Running', 'Pending', 'CrashLoopBackOff', 'Error', 'ImagePullBackOff', 'ErrImagePull', 'OOMKilled', 'ContainerCreating', 'Terminating', 'Completed'];

function chipStatuses(counts: Record<string, number>, current: string): string[] {
  const known = CHIP_ORDER.filter((s) => counts[s]);
  const others = Object.keys(counts)
    .filter((s) => !CHIP_ORDER.includes(s) && counts[s])
    .sort((a, b) => counts[b] - counts[a]);
  const list = [...known, ...others];
  if (current && !list.includes(current)) list.push(current);
  return list;
}

function SortHeader(props: { filters: PodsFilters; sort: SortKey; label: string }): JSX.Element {
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
        <a class={`chip problem${f.problem ? ' on' : ''}`} href={podsUrl({ ...f, problem: !f.problem })} data-count="problem" title="Not ready, crash-looping or restarted in the last hour, failing, pending over 5 min, or memory at 90 % of its limit" safe>
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
          {stale ? <span class="chip">stale</span> : ''} <Age at={c?.lastHeartbeatAt ?? null} now={props.now} />
        </small>
      </td>
      <td class="mono" safe>
        {r.namespace}
      </td>
      <td class="mono">
        <a href={open} hx-get={podPath(r.clusterId, r.namespace, r.name)} hx-target={`#${POD_DRAWER_ID}`} hx-swap="innerHTML" hx-push-url={open} data-open-pod safe>
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
        <PodAge unix={r.createdUnix} now={props.now} />
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

/** The most common image list among the clusters of a workload; others are drift. */
function usualImages(g: WorkloadGroup): string {
  const tally = new Map<string, number>();
  for (const c of g.clusters) {
    const k = c.images.join('\n');
    tally.set(k, (tally.get(k) ?? 0) + c.pods);
  }
  let best = '';
  let n = -1;
  for (const [k, v] of tally) if (v > n) (best = k), (n = v);
  return best;
}

function WorkloadGroups(props: PodsLiveProps): JSX.Element {
  if (props.groups.length === 0) return <p class="empty panel">No workload matches these filters.</p>;
  return (
    <div class="workloads">
      {props.groups.map((g) => {
        const usual = usualImages(g);
        const drift = g.clusters.filter((c) => c.images.join('\n') !== usual).length;
        const ready = g.clusters.reduce((a, c) => a + c.readyContainers, 0);
        const total = g.clusters.reduce((a, c) => a + c.containers, 0);
        const sorted = [...g.clusters].sort((a, b) => (props.clusters[a.clusterId]?.name ?? '').localeCompare(props.clusters[b.clusterId]?.name ?? '') || a.namespace.localeCompare(b.namespace));
        return (
          <section class="panel workload" data-workload={`${g.ownerKind}/${g.ownerName}`}>
            <div class="row">
              <h2 safe>{`${g.ownerKind} ${g.ownerName}`}</h2>
              <span class="muted" safe>
                {`${g.clusters.length} cluster${g.clusters.length === 1 ? '' : 's'} · ${g.pods} pods · ${ready}/${total} containers ready`}
              </span>
              {drift ? (
                <span class="chip drift" title="Clusters whose images differ from the most common set" safe>
                  {`image drift in ${drift}`}
                </span>
              ) : (
                ''
              )}
              <span class="spacer"></span>
              <a href={podsUrl({ ...props.filters, owner: `${g.ownerKind}/${g.ownerName}`, group: 'pods' })} safe>
                {`List its ${g.pods} pods`}
              </a>
            </div>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Cluster</th>
                    <th>Namespace</th>
                    <th>Pods</th>
                    <th>Ready</th>
                    <th>Restarts</th>
                    <th>Statuses</th>
                    <th>Images</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((c) => {
                    const ref = props.clusters[c.clusterId];
                    const differs = c.images.join('\n') !== usual;
                    return (
                      <tr data-workload-cluster={ref?.name ?? c.clusterId} class={differs ? 'drift' : ''}>
                        <td>
                          <a href={`/clusters/${c.clusterId}`} safe>
                            {ref?.name ?? c.clusterId.slice(0, 8)}
                          </a>
                          {ref && (ref.status === 'unknown' || ref.status === 'offline') ? (
                            <>
                              {' '}
                              <StatusBadge status={ref.status} />
                            </>
                          ) : (
                            ''
                          )}
                        </td>
                        <td class="mono" safe>
                          {c.namespace}
                        </td>
                        <td safe>{String(c.pods)}</td>
                        <td class={c.readyContainers < c.containers ? 'warn' : ''} safe>
                          {`${c.readyContainers}/${c.containers}`}
                        </td>
                        <td safe>{String(c.restarts)}</td>
                        <td>
                          {Object.entries(c.statuses).map(([s, n]) => (
                            <>
                              <PodStatusBadge status={s} />
                              {n > 1 ? <small safe>{` ×${n} `}</small> : ' '}
                            </>
                          ))}
                        </td>
                        <td class="mono wrap">
                          {c.images.map((i) => (
                            <div safe>{i}</div>
                          ))}
                          {differs ? <small class="muted">differs from the usual</small> : ''}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </div>
  );
}

export type PodsPageProps = PodsLiveProps & {
  /** Every cluster in scope, for the cluster filter. */
  clusterOptions: { id: string; name: string }[];
  /** Clusters whose agents send counts only (protocol 1): their pods cannot be listed. */
  countsOnly: { id: string; name: string }[];
  /** Clusters whose pod list was cut by the agent or the server. */
  truncated: { id: string; name: string; listed: number; total: number }[];
  drawer: JSX.Element | string;
};

export function PodsPage(props: PodsPageProps): JSX.Element {
  const f = props.filters;
  const filtered = f.q || f.clusters.length || f.namespace || f.status || f.owner || f.node || f.problem;
  return (
    <>
      <div class="row">
        <h1>Pods</h1>
        <span class="muted" safe>
          {`across ${props.clusterOptions.length} cluster${props.clusterOptions.length === 1 ? '' : 's'}`}
        </span>
        <span class="spacer"></span>
        <nav class="tabs compact" aria-label="View">
          <a href={podsUrl({ ...f, group: 'pods' })} class={f.group === 'pods' ? 'active' : ''}>
            Pods
          </a>
          <a href={podsUrl({ ...f, group: 'owner' })} class={f.group === 'owner' ? 'active' : ''}>
            Workloads across clusters
          </a>
        </nav>
      </div>
      <form method="get" action="/pods" class="filters panel" role="search">
        <input type="hidden" name="group" value={f.group} />
        <div class="row">
          <input type="search" name="q" value={f.q} placeholder="Search pod, namespace, owner, image" maxlength="100" aria-label="Search" />
          <details class="pick">
            <summary aria-label="Clusters" safe>
              {f.clusters.length === 0 ? 'All clusters' : `${f.clusters.length} cluster${f.clusters.length === 1 ? '' : 's'}`}
            </summary>
            <div class="pick-list">
              {props.clusterOptions.map((c) => (
                <label>
                  <input type="checkbox" name="cluster" value={c.id} checked={f.clusters.includes(c.id)} /> <span safe>{c.name}</span>
                </label>
              ))}
            </div>
          </details>
          <input type="text" name="namespace" value={f.namespace} placeholder="Namespace" maxlength="253" aria-label="Namespace" />
          <input type="text" name="status" value={f.status} placeholder="Status, e.g. CrashLoopBackOff" maxlength="128" aria-label="Status" list="pod-statuses" />
          <datalist id="pod-statuses">
            {Object.keys(props.counts.byStatus).map((s) => (
              <option value={s}></option>
            ))}
          </datalist>
          <input type="text" name="owner" value={f.owner} placeholder="Owner, e.g. Deployment/web" maxlength="300" aria-label="Owner" />
          <input type="text" name="node" value={f.node} placeholder="Node" maxlength="253" aria-label="Node" />
          <label class="inline">
            <input type="checkbox" name="problem" value="1" checked={f.problem} /> Problem pods only
          </label>
          <select name="sort" aria-label="Sort">
            {SORTS.map((s) => (
              <option value={s} selected={f.sort === s} safe>
                {`Sort: ${SORT_TEXT[s]}`}
              </option>
            ))}
          </select>
          <button>Filter</button>
          {filtered ? (
            <a href={podsUrl({ ...f, q: '', clusters: [], namespace: '', status: '', owner: '', node: '', problem: false })} class="button secondary">
              Clear
            </a>
          ) : (
            ''
          )}
        </div>
      </form>
      {props.countsOnly.length ? (
        <p class="flash info" data-note="protocol-1">
          <strong>Counts only:</strong>{' '}
          {props.countsOnly.map((c, i) => (
            <>
              {i ? ', ' : ''}
              <a href={`/clusters/${c.id}`} safe>
                {c.name}
              </a>
            </>
          ))}{' '}
          {props.countsOnly.length === 1 ? 'runs an agent' : 'run agents'} of protocol 1, which report{props.countsOnly.length === 1 ? 's' : ''} pod counts but no pod list: upgrade the agent to list its pods here.
        </p>
      ) : (
        ''
      )}
      {props.truncated.length ? (
        <p class="flash info" data-note="truncated">
          <strong>Partial lists:</strong>{' '}
          {props.truncated.map((c, i) => (
            <>
              {i ? ', ' : ''}
              <a href={`/clusters/${c.id}`} safe>
                {c.name}
              </a>
              <span safe>{` (${c.listed} of ${c.total})`}</span>
            </>
          ))}
        </p>
      ) : (
        ''
      )}
      <PodsLive {...props} />
      <div id={POD_DRAWER_ID}>{props.drawer as 'safe'}</div>
    </>
  );
}

