import Html from '@kitajs/html';
import { EmptyRow } from '../shared/empty-row';
import { Pager } from '../shared/pager';
import { Name } from '../shared/names';
import { plural } from '../shared/format';
import { PodStatusBadge } from '../pods/parts';
import type { ContainerDetail } from '../../src/contract';

/** A pod as the Logs tab lists it, with the containers one can tail. */
export type LogsPod = {
  namespace: string;
  name: string;
  status: string;
  restarts: number;
  ownerKind: string;
  ownerName: string;
  containers: Pick<ContainerDetail, 'name' | 'kind' | 'restarts' | 'lastTerminationReason'>[];
};

export type LogsTabProps = {
  clusterId: string;
  /** One page of the cluster's pods (or of those matching `q`). */
  pods: LogsPod[];
  q: string;
  /** Pods in the cluster's list, when not searching. */
  total: number | null;
  nextUrl: string | null;
  /** The first page, when this is not it. */
  firstUrl: string | null;
  enabled: boolean;
};

/** Path of a pod's full-screen log viewer (the pod drawer links here too). */
export function podLogsPath(clusterId: string, namespace: string, pod: string, opts: { container?: string; previous?: boolean } = {}): string {
  const query = new URLSearchParams();
  if (opts.container) query.set('container', opts.container);
  if (opts.previous) query.set('previous', '1');
  const qs = query.toString();
  return `/clusters/${encodeURIComponent(clusterId)}/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/logs${qs ? `?${qs}` : ''}`;
}

/** Path of a workload tail across clusters. */
export function workloadLogsPath(kind: string, name: string, namespace: string | null, clusterIds: string[]): string {
  const query = new URLSearchParams({ kind, name });
  if (namespace) query.set('namespace', namespace);
  for (const id of clusterIds) query.append('cluster', id);
  return `/logs/workload?${query}`;
}

/** A crashed container's previous instance is what on-call wants first. */
function previousContainer(p: LogsPod): string | null {
  const crashed = p.containers.find((c) => c.restarts > 0 || c.lastTerminationReason);
  return crashed ? crashed.name : null;
}

function ownerLabel(p: LogsPod): string {
  return p.ownerKind ? `${p.ownerKind}/${p.ownerName}` : '-';
}

/** The cluster's Logs tab: its pods (searchable, a page at a time), each one click from its live tail. */
export function LogsTab(props: LogsTabProps): JSX.Element {
  return (
    <>
      <form method="get" class="row" style="margin-bottom: 12px">
        <input type="search" name="q" value={props.q} placeholder="Pod, namespace or owner" aria-label="Search pods" />
        <button class="secondary">Search</button>
        <span class="muted">{props.total !== null ? plural(props.total, 'pod') : ''}</span>
      </form>
      <div class="table-wrap">
        <table id="log-pods" class="fit">
          <thead>
            <tr>
              <th class="col-namespace">Namespace</th>
              <th class="col-pod">Pod</th>
              <th class="col-status">Status</th>
              <th class="col-restarts">Restarts</th>
              <th class="col-containers">Containers</th>
              <th class="col-owner">Owner</th>
              <th class="col-logs">Logs</th>
            </tr>
          </thead>
          <tbody>
            {props.pods.length === 0 ? (
              <EmptyRow columns={7}>No pods {props.q ? 'match' : 'reported yet'}.</EmptyRow>
            ) : (
              props.pods.map((p) => {
                const previous = previousContainer(p);
                return (
                  <tr data-pod={`${p.namespace}/${p.name}`}>
                    <td>
                      <Name text={p.namespace} mono what="namespace" />
                    </td>
                    <td>
                      {props.enabled ? (
                        <Name text={p.name} mono href={podLogsPath(props.clusterId, p.namespace, p.name)} what="pod name" />
                      ) : (
                        <Name text={p.name} mono what="pod name" />
                      )}
                    </td>
                    <td>
                      <PodStatusBadge status={p.status} />
                    </td>
                    <td safe>{String(p.restarts)}</td>
                    <td class="wrap mono" safe>
                      {p.containers.map((c) => (c.kind === 'app' ? c.name : `${c.name} (${c.kind})`)).join(', ')}
                    </td>
                    <td>
                      <Name text={ownerLabel(p)} mono copy={false} />
                    </td>
                    {props.enabled ? (
                      <LogButtons clusterId={props.clusterId} pod={p} previous={previous} />
                    ) : (
                      <td class="muted" data-logs-off>
                        off
                      </td>
                    )}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
      <Pager href={props.nextUrl} label="Next →" first={props.firstUrl} />
    </>
  );
}

/** A pod's way into its logs: the live tail, its previous instance when it restarted, its workload's tail. */
function LogButtons(props: { clusterId: string; pod: LogsPod; previous: string | null }): JSX.Element {
  const p = props.pod;
  const previous = props.previous;
  // A flex row inside the cell: a cell that is itself a flex box leaves the table's fixed layout.
  return (
    <td>
      <div class="row actions">
        <a class="button secondary" href={podLogsPath(props.clusterId, p.namespace, p.name)}>
          Logs
        </a>
        {previous ? (
          <a
            class="button secondary"
            href={podLogsPath(props.clusterId, p.namespace, p.name, { container: previous, previous: true })}
            title="Logs of the previous (crashed) instance"
          >
            Previous
          </a>
        ) : (
          ''
        )}
        {p.ownerKind && p.ownerKind !== 'Node' ? (
          <a class="button secondary" href={workloadLogsPath(p.ownerKind, p.ownerName, p.namespace, [])} title="Every pod of this workload, across clusters">
            Workload
          </a>
        ) : (
          ''
        )}
      </div>
    </td>
  );
}
