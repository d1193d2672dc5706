// The /pods filters and the addresses built from them: the filtered list, a pod's key and its drawer.
import type { PodSort } from '../../src/pods/vocabulary';

export type PodsFilters = {
  q: string;
  clusters: string[];
  namespace: string;
  status: string;
  /** "Kind/name" or "name". */
  owner: string;
  node: string;
  problem: boolean;
  sort: PodSort;
  group: 'pods' | 'owner';
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
