// The agent's in-memory view of the workloads (Deployments, StatefulSets, DaemonSets) and PodDisruptionBudgets:
// listed once, then kept current by watches, so a heartbeat reads memory instead of listing them every beat.
// A watch the server ends (its timeout) resumes from the last resourceVersion; "410 Gone" (the version was
// compacted away) or a failed watch re-lists that collection alone. Forbidden (RBAC) is logged once and
// retried rarely: granting the role later starts the watch without a restart.
import { type BackoffPolicy, computeBackoffMs, sleep } from './backoff.ts';
import { KubeError, type KubeApi } from './kube-api.ts';
import type { AppsWorkload, ObjectMeta, PodDisruptionBudget, WatchEvent } from './kube-objects.ts';
import type { Logger } from './log.ts';
import type { WorkloadObjects } from './collect/workloads.ts';

export const WATCHED_COLLECTIONS = {
  deployments: '/apis/apps/v1/deployments',
  statefulSets: '/apis/apps/v1/statefulsets',
  daemonSets: '/apis/apps/v1/daemonsets',
  pdbs: '/apis/policy/v1/poddisruptionbudgets',
} as const;
export type CollectionName = keyof typeof WATCHED_COLLECTIONS;

/** syncing: the first list is under way · synced: listed and watched · forbidden: RBAC refuses the list · failing: the list fails otherwise. */
export type CollectionStatus = 'syncing' | 'synced' | 'forbidden' | 'failing';

/** A forbidden collection is tried again this often (the role may be granted later). */
const FORBIDDEN_RETRY_MS = 5 * 60_000;
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000 };

export interface WatchCacheOptions {
  kube: KubeApi;
  log: Logger;
  signal: AbortSignal;
  /** Back-off between failed lists or watches; tests shorten it. */
  backoff?: BackoffPolicy;
}

export interface WatchCache {
  status(name: CollectionName): CollectionStatus;
  /** Resolves once every collection has had its first list answered (or failed), or after `timeoutMs`. */
  whenStarted(timeoutMs: number): Promise<void>;
  /** The objects of this moment; null when the workloads can't be read (forbidden or not listed yet). */
  objects(): WorkloadObjects | null;
  /** Lists done so far per collection (1 = the first one): re-lists show here. */
  lists(name: CollectionName): number;
}

/** What the cache keeps of an object: not its managedFields or annotations (a good part of its bytes). */
function slim<T extends { metadata: ObjectMeta }>(object: T): T {
  const { managedFields: _managed, annotations: _annotations, ...metadata } = object.metadata as ObjectMeta & { managedFields?: unknown };
  return { ...object, metadata };
}

interface Collection {
  status: CollectionStatus;
  items: Map<string, { metadata: ObjectMeta }>;
  lists: number;
  started: Promise<void>;
}

export function startWatchCache(options: WatchCacheOptions): WatchCache {
  const backoff = options.backoff ?? RETRY_BACKOFF;
  const collections = new Map<CollectionName, Collection>();
  for (const name of Object.keys(WATCHED_COLLECTIONS) as CollectionName[]) {
    let markStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const collection: Collection = { status: 'syncing', items: new Map(), lists: 0, started };
    collections.set(name, collection);
    void run(name, collection, markStarted);
  }

  async function run(name: CollectionName, collection: Collection, markStarted: () => void): Promise<void> {
    const path = WATCHED_COLLECTIONS[name];
    const log = options.log.child({ collection: name });
    let resourceVersion: string | null = null;
    let failures = 0;
    let forbiddenLogged = false;
    while (!options.signal.aborted) {
      if (resourceVersion === null) {
        try {
          const list = await options.kube.listCollection<{ metadata: ObjectMeta }>(path);
          collection.items = new Map(list.items.map((item) => [key(item), slim(item)]));
          collection.lists++;
          if (collection.status === 'forbidden') log.info('allowed to read again');
          collection.status = 'synced';
          resourceVersion = list.resourceVersion;
          failures = 0;
          markStarted();
        } catch (error) {
          failures++;
          if (error instanceof KubeError && error.status === 403) {
            // Said once per process: every beat would repeat it for as long as the role lacks the rule.
            if (!forbiddenLogged) log.warn('forbidden by RBAC: heartbeats go without it', { error: error.message, path });
            forbiddenLogged = true;
            collection.status = 'forbidden';
            collection.items = new Map();
            markStarted();
            await sleep(FORBIDDEN_RETRY_MS, options.signal);
          } else {
            if (collection.status !== 'synced') collection.status = 'failing';
            log.warn('list failed', { error: (error as Error).message, attempt: failures });
            markStarted();
            await sleep(computeBackoffMs(failures, backoff), options.signal);
          }
          continue;
        }
      }
      const outcome = await watchOnce(path, collection, resourceVersion);
      resourceVersion = outcome.resourceVersion;
      if (outcome.error) {
        failures++;
        log.debug('watch ended', { error: outcome.error, attempt: failures, relist: resourceVersion === null });
        await sleep(computeBackoffMs(failures, backoff), options.signal);
      } else if (!outcome.gone) failures = 0;
    }
  }

  /** One watch request; returns where to resume: a resourceVersion, or null to list again. */
  async function watchOnce(path: string, collection: Collection, from: string): Promise<{ resourceVersion: string | null; gone?: boolean; error?: string }> {
    let resourceVersion: string | null = from;
    let gone = false;
    const handle = options.kube.watchCollection<{ metadata: ObjectMeta; code?: number; message?: string }>(
      path,
      from,
      (event: WatchEvent<{ metadata: ObjectMeta; code?: number; message?: string }>) => {
        if (gone) return;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
            collection.items.set(key(event.object), slim(event.object));
            break;
          case 'DELETED':
            collection.items.delete(key(event.object));
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            // A Status: 410 "too old resource version" (or any other): the only way on is a fresh list.
            gone = true;
            resourceVersion = null;
            handle.abort();
            return;
        }
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
      },
    );
    const onAbort = (): void => handle.abort();
    options.signal.addEventListener('abort', onAbort);
    const { error } = await handle.done;
    options.signal.removeEventListener('abort', onAbort);
    if (gone) return { resourceVersion: null, gone: true };
    if (error) return { resourceVersion: error.status === 410 || error.status === 403 ? null : resourceVersion, error: error.message };
    return { resourceVersion };
  }

  const values = <T>(name: CollectionName): T[] => [...collections.get(name)!.items.values()] as T[];

  return {
    status: (name) => collections.get(name)!.status,
    lists: (name) => collections.get(name)!.lists,
    async whenStarted(timeoutMs) {
      const all = Promise.all([...collections.values()].map((c) => c.started)).then(() => undefined);
      await Promise.race([all, sleep(timeoutMs, options.signal)]);
    },
    objects() {
      const workloadKinds: CollectionName[] = ['deployments', 'statefulSets', 'daemonSets'];
      // All three or none: a missing kind would make the control plane resolve its workloads as removed.
      if (workloadKinds.some((name) => collections.get(name)!.status !== 'synced')) return null;
      return {
        deployments: values<AppsWorkload>('deployments'),
        statefulSets: values<AppsWorkload>('statefulSets'),
        daemonSets: values<AppsWorkload>('daemonSets'),
        pdbs: collections.get('pdbs')!.status === 'synced' ? values<PodDisruptionBudget>('pdbs') : null,
      };
    },
  };
}

function key(object: { metadata: ObjectMeta }): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
