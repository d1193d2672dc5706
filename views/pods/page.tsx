// The /pods page: the filter form, notes on clusters whose pods cannot all be listed, the polled live
// part (table.tsx) and the drawer's slot.
import Html from '@kitajs/html';
import { POD_SORTS, type PodSort } from '../../src/pods/vocabulary';
import { podsUrl } from './filters';
import { POD_DRAWER_ID, PodsLive, type PodsLiveProps } from './table';

/** How each sort reads in the sort menu. */
export const SORT_TEXT: Record<PodSort, string> = {
  name: 'Name',
  restarts: 'Restarts (most first)',
  age: 'Age (newest first)',
  cpu: 'CPU (highest first)',
  memory: 'Memory (highest first)',
};

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
          <input
            type="text"
            name="status"
            value={f.status}
            placeholder="Status, e.g. CrashLoopBackOff"
            maxlength="128"
            aria-label="Status"
            list="pod-statuses"
          />
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
            {POD_SORTS.map((s) => (
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
          {props.countsOnly.length === 1 ? 'runs an agent' : 'run agents'} of protocol 1, which report{props.countsOnly.length === 1 ? 's' : ''} pod counts but
          no pod list: upgrade the agent to list its pods here.
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
