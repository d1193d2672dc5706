import Html from '@kitajs/html';
import { StatusBadge } from '../clusters/parts';
import type { ClusterStatus } from '../../src/clusters/vocabulary';
import type { WorkloadGroup } from '../../src/pods/vocabulary';
import { PodStatusBadge } from './parts';
import { podsUrl, type PodsFilters } from './filters';
import { plural } from '../shared/format';
import { Name } from '../shared/names';

/** One workload in one cluster. */
export type WorkloadClusterView = {
  clusterId: string;
  pods: number;
  /** Containers ready / containers, summed over the pods. */
  readyContainers: number;
  containers: number;
  restarts: number;
  images: string[];
  /** Pods per kubectl STATUS. */
  statuses: Record<string, number>;
};

/** A workload as Kubernetes identifies it (namespace, kind, name), across the clusters that run it. */
export type WorkloadGroupView = { namespace: string; ownerKind: string; ownerName: string; pods: number; clusters: WorkloadClusterView[] };

export type WorkloadGroupsProps = {
  filters: PodsFilters;
  groups: WorkloadGroupView[];
  clusters: Record<string, { name: string; status: ClusterStatus }>;
};

/** The most common image list among the clusters of a workload; others are drift. */
function usualImages(g: WorkloadGroupView): string {
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

/**
 * The workloads-across-clusters view of /pods: one panel per workload (namespace, kind, name), one row per
 * cluster. Image drift compares one workload's clusters only, never two namespaces' unrelated apps.
 */
export function WorkloadGroups(props: WorkloadGroupsProps): JSX.Element {
  if (props.groups.length === 0) return <p class="empty panel">No workload matches these filters.</p>;
  return (
    <div class="workloads">
      <p class="muted small" data-note="workload-identity">
        A workload is a namespace, a kind and a name: the same name in another namespace is another workload. Its rows are the clusters that run it.
      </p>
      {props.groups.map((g) => {
        const usual = usualImages(g);
        const drift = g.clusters.filter((c) => c.images.join('\n') !== usual).length;
        const ready = g.clusters.reduce((a, c) => a + c.readyContainers, 0);
        const total = g.clusters.reduce((a, c) => a + c.containers, 0);
        const sorted = [...g.clusters].sort((a, b) => (props.clusters[a.clusterId]?.name ?? '').localeCompare(props.clusters[b.clusterId]?.name ?? ''));
        return (
          <section class="panel workload" data-workload={`${g.namespace}/${g.ownerKind}/${g.ownerName}`}>
            <div class="row">
              <h2 safe>{`${g.ownerKind} ${g.ownerName}`}</h2>
              <span class="chip mono" title="Namespace" safe>
                {g.namespace}
              </span>
              <span class="muted" safe>
                {`${plural(g.clusters.length, 'cluster')} · ${plural(g.pods, 'pod')} · ${ready}/${total} containers ready`}
              </span>
              {drift ? (
                <span class="chip drift" title="Clusters whose images differ from the most common set" safe>
                  {`image drift in ${drift}`}
                </span>
              ) : (
                ''
              )}
              <span class="spacer"></span>
              <a href={podsUrl({ ...props.filters, namespace: g.namespace, owner: `${g.ownerKind}/${g.ownerName}`, group: 'pods' })} safe>
                {g.pods === 1 ? 'List its pod' : `List its ${g.pods} pods`}
              </a>
            </div>
            <div class="table-wrap">
              <table class="fit workload-clusters">
                <thead>
                  <tr>
                    <th class="col-cluster">Cluster</th>
                    <th class="col-pods">Pods</th>
                    <th class="col-ready">Ready</th>
                    <th class="col-restarts">Restarts</th>
                    <th class="col-statuses">Statuses</th>
                    <th class="col-images">Images</th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((c) => {
                    const ref = props.clusters[c.clusterId];
                    const differs = c.images.join('\n') !== usual;
                    return (
                      <tr data-workload-cluster={ref?.name ?? c.clusterId} class={differs ? 'drift' : ''}>
                        <td>
                          <Name text={ref?.name ?? c.clusterId.slice(0, 8)} href={`/clusters/${c.clusterId}`} what="cluster name" />
                          {ref && (ref.status === 'unknown' || ref.status === 'offline') ? (
                            <>
                              {' '}
                              <StatusBadge status={ref.status} />
                            </>
                          ) : (
                            ''
                          )}
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
