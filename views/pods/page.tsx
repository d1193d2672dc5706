// The /pods page: the filter form, notes on clusters whose pods cannot all be listed, the polled live
// part (table.tsx) and the drawer's slot.
import Html from '@kitajs/html';
import { POD_SORTS, type PodSort } from '../../src/pods/vocabulary';
import { podsUrl } from './filters';
import { plural } from '../shared/format';
import { POD_COLUMNS, POD_DRAWER_ID, PODS_TABLE_ID, PodsLive, type PodsLiveProps } from './table';
import { ColumnChooser, DensityToggle } from '../shared/table-tools';

/** How each sort reads in the sort menu. */
export const SORT_TEXT: Record<PodSort, string> = {
  name: 'Name',
  restarts: 'Restarts (most first)',
  age: 'Age (newest first)',
  cpu: 'CPU (highest first)',
  memory: 'Memory (highest first)',
  cpu_of_request: 'CPU, % of request',
  cpu_of_limit: 'CPU, % of limit',
  memory_of_request: 'Memory, % of request',
  memory_of_limit: 'Memory, % of limit',
};

export type PodsPageProps = PodsLiveProps & {
  /** The cluster filter's choices: the chosen clusters, then the scope's first by name (PICK_MAX in all at most). */
  clusterOptions: { id: string; name: string }[];
  /** Clusters whose agents send counts only (protocol 1): their pods cannot be listed. At most PICK_MAX, of the total. */
  countsOnly: { id: string; name: string }[];
  countsOnlyTotal: number;
  /** Clusters whose pod list was cut by the agent or the server. At most PICK_MAX, of the total. */
  truncated: { id: string; name: string; listed: number; total: number }[];
  truncatedTotal: number;
  drawer: JSX.Element | string;
};

/** Clusters the picker and the notes list at most: a fleet of thousands would make the page megabytes of names. */
export const PICK_MAX = 200;

/** The clusters chosen, then the others in the order given, up to PICK_MAX in all (the chosen always shown). */
function pickable(options: { id: string; name: string }[], chosen: string[]): { id: string; name: string }[] {
  if (options.length <= PICK_MAX) return options;
  const picked = new Set(chosen);
  const out = options.filter((c) => picked.has(c.id));
  for (const c of options) {
    if (out.length >= PICK_MAX) break;
    if (!picked.has(c.id)) out.push(c);
  }
  return out;
}

/** ", and N more" after a list cut at PICK_MAX. */
function more(shown: number, total: number): string {
  return total > shown ? `, and ${plural(total - shown, 'other')}` : '';
}

export function PodsPage(props: PodsPageProps): JSX.Element {
  const f = props.filters;
  const filtered = f.q || f.clusters.length || f.namespace || f.status || f.owner || f.node || f.problem;
  return (
    <>
      <div class="row page-head">
        <h1>Pods</h1>
        <span class="muted" safe>
          {`across ${plural(props.clustersInScope, 'cluster')}`}
        </span>
        <span class="spacer"></span>
        {f.group === 'pods' ? <ColumnChooser table={PODS_TABLE_ID} columns={POD_COLUMNS} /> : ''}
        <DensityToggle />
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
              {pickable(props.clusterOptions, f.clusters).map((c) => (
                <label>
                  <input type="checkbox" name="cluster" value={c.id} checked={f.clusters.includes(c.id)} /> <span safe>{c.name}</span>
                </label>
              ))}
              {props.clustersInScope > PICK_MAX ? (
                <p class="muted small" safe>
                  {`The first ${PICK_MAX} of ${props.clustersInScope.toLocaleString('en-US')} clusters by name, and those chosen. Open a cluster's page to list its pods alone.`}
                </p>
              ) : (
                ''
              )}
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
          ))}
          <span safe>{more(props.countsOnly.length, props.countsOnlyTotal)}</span> {props.countsOnlyTotal === 1 ? 'runs an agent' : 'run agents'} of protocol 1,
          which report{props.countsOnlyTotal === 1 ? 's' : ''} pod counts but no pod list: upgrade the agent to list its pods here.
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
          <span safe>{more(props.truncated.length, props.truncatedTotal)}</span>
        </p>
      ) : (
        ''
      )}
      <PodsLive {...props} />
      <div id={POD_DRAWER_ID}>{props.drawer as 'safe'}</div>
    </>
  );
}
