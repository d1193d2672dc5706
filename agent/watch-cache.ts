// The agent's in-memory view of the workloads (Deployments, StatefulSets, DaemonSets) and PodDisruptionBudgets:
// listed once, then kept current by watches, so a heartbeat reads memory instead of listing them every beat.
// A watch the server ends (its timeout) resumes from the last resourceVersion; "410 Gone" (the version was
// compacted away) or a failed watch re-lists that collection alone. Forbidden (RBAC) is logged once and
// retried rarely: granting the role later starts the watch without a restart.
import { sleep } from './backoff.ts';
import type { AppsWorkload, ObjectMeta, PodDisruptionBudget } from './kube-objects.ts';
import type { WorkloadObjects } from './collect/workloads.ts';
import { type CollectionStatus, watchCollection, type WatchedCollection, type WatchLoopOptions } from './watch-loop.ts';

export type { CollectionStatus } from './watch-loop.ts';

export const WATCHED_COLLECTIONS = {
  deployments: '/apis/apps/v1/deployments',
  statefulSets: '/apis/apps/v1/statefulsets',
  daemonSets: '/apis/apps/v1/daemonsets',
  pdbs: '/apis/policy/v1/poddisruptionbudgets',
} as const;
export type CollectionName = keyof typeof WATCHED_COLLECTIONS;

export interface WatchCacheOptions extends WatchLoopOptions {}

export interface WatchCache {
  status(name: CollectionName): CollectionStatus;
  /** Resolves once every collection has had its first list answered (or failed), or after `timeoutMs`. */
  whenStarted(timeoutMs: number): Promise<void>;
  /** The objects of this moment; null when the workloads can't be read (forbidden or not listed yet). */
  objects(): WorkloadObjects | null;
  /** Lists done so far per collection (1 = the first one): re-lists show here. */
  lists(name: CollectionName): number;
  /** Moves whenever any collection's objects change: equal generations hold equal objects. */
  generation(): number;
}

/** What the cache keeps of an object: not its managedFields or annotations (a good part of its bytes). */
function slim<T extends { metadata: ObjectMeta }>(object: T): T {
  const { managedFields: _managed, annotations: _annotations, ...metadata } = object.metadata as ObjectMeta & { managedFields?: unknown };
  return { ...object, metadata };
}

export function startWatchCache(options: WatchCacheOptions): WatchCache {
  const collections = new Map<CollectionName, WatchedCollection<{ metadata: ObjectMeta }>>();
  for (const name of Object.keys(WATCHED_COLLECTIONS) as CollectionName[]) {
    collections.set(name, watchCollection(options, { name, path: WATCHED_COLLECTIONS[name], map: slim }));
  }

  const values = <T>(name: CollectionName): T[] => [...collections.get(name)!.records().values()] as T[];
  const all = Promise.all([...collections.values()].map((c) => c.started)).then(() => undefined);
  const started = { done: false };
  void all.then(() => (started.done = true));

  return {
    status: (name) => collections.get(name)!.status(),
    lists: (name) => collections.get(name)!.lists(),
    async whenStarted(timeoutMs) {
      // Asked every beat: once started, no timer is armed.
      if (!started.done) await Promise.race([all, sleep(timeoutMs, options.signal)]);
    },
    generation: () => {
      let sum = 0;
      for (const c of collections.values()) sum += c.generation();
      return sum;
    },
    objects() {
      const workloadKinds: CollectionName[] = ['deployments', 'statefulSets', 'daemonSets'];
      // All three or none: a missing kind would make the control plane resolve its workloads as removed.
      if (workloadKinds.some((name) => collections.get(name)!.status() !== 'synced')) return null;
      return {
        deployments: values<AppsWorkload>('deployments'),
        statefulSets: values<AppsWorkload>('statefulSets'),
        daemonSets: values<AppsWorkload>('daemonSets'),
        pdbs: collections.get('pdbs')!.status() === 'synced' ? values<PodDisruptionBudget>('pdbs') : null,
      };
    },
  };
}
