// One collection of the agent's watch-fed view: listed once, then kept current by a watch, holding only what the
// `map` function keeps of each object (a mapped record, never the raw object). The rules, as client-go's reflector
// has them plus two of our own:
// - a watch the server ends (its timeout) resumes from the last resourceVersion seen (bookmarks move it too);
// - "410 Gone" or any ERROR event re-lists; so does a watch whose connection failed (the API server may have
//   restarted with a different history: resuming there could miss changes silently, a list cannot);
// - a full re-list every `relistEveryMs` (jittered ±20 % per collection, so a fleet spreads out) repairs anything a
//   watch could have missed;
// - a list replaces the records at once, and the next watch starts at that list's resourceVersion, so a change racing
//   with the list is either in it or replayed by the watch.
// Forbidden (RBAC) is logged once and retried rarely: granting the role later starts the watch without a restart.
import { type BackoffPolicy, computeBackoffMs, sleep } from './backoff.ts';
import { KubeError, type KubeApi, type ListOptions } from './kube-api.ts';
import type { ObjectMeta, WatchEvent } from './kube-objects.ts';
import type { Logger } from './log.ts';

/** syncing: the first list is under way · synced: listed and watched · forbidden: RBAC refuses the list · failing: the list fails otherwise. */
export type CollectionStatus = 'syncing' | 'synced' | 'forbidden' | 'failing';

/** A forbidden collection is tried again this often (the role may be granted later). */
const FORBIDDEN_RETRY_MS = 5 * 60_000;
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000 };
/** The safety-net re-list, before jitter. */
export const RELIST_EVERY_MS = 10 * 60_000;

export interface CollectionSpec<R> {
  name: string;
  path: string;
  list?: Omit<ListOptions, 'visit'>;
  /** What is kept of an object; called for listed and watched objects alike. */
  map(object: never): R;
}

/** Runs lists one at a time: collections listing at once would hold all their pages in memory together. */
export interface ListQueue {
  run<T>(list: () => Promise<T>): Promise<T>;
}

export function createListQueue(): ListQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(list) {
      const next = tail.then(list, list);
      tail = next.catch(() => undefined);
      return next;
    },
  };
}

export interface WatchLoopOptions {
  kube: KubeApi;
  log: Logger;
  signal: AbortSignal;
  /** Back-off between failed lists or watches; tests shorten it. */
  backoff?: BackoffPolicy;
  /** The safety-net re-list period; tests shorten it. */
  relistEveryMs?: number;
  /** Random in [0, 1) for the jitter; tests pin it. */
  random?: () => number;
  /** Shared by the collections of one process so their lists take turns (peak memory at start); absent: each lists at once. */
  listing?: ListQueue;
}

export interface WatchedCollection<R> {
  status(): CollectionStatus;
  /** Resolves once the first list was answered (or failed). */
  started: Promise<void>;
  /** The records of this moment, keyed "namespace/name". */
  records(): ReadonlyMap<string, R>;
  /** Lists done so far (1 = the first one): re-lists show here. */
  lists(): number;
  /** Bumped on every change to the records (list or event): a reader can tell whether anything moved. */
  generation(): number;
}

export function objectKey(metadata: { namespace?: string; name: string }): string {
  return `${metadata.namespace ?? ''}/${metadata.name}`;
}

export function watchCollection<R>(options: WatchLoopOptions, spec: CollectionSpec<R>): WatchedCollection<R> {
  const backoff = options.backoff ?? RETRY_BACKOFF;
  const random = options.random ?? Math.random;
  const relistEveryMs = options.relistEveryMs ?? RELIST_EVERY_MS;
  const log = options.log.child({ collection: spec.name });
  const map = spec.map as (object: { metadata: ObjectMeta }) => R;
  const state = { status: 'syncing' as CollectionStatus, records: new Map<string, R>(), lists: 0, generation: 0 };
  let markStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });

  /** Lists page by page, mapping each page as it comes: no page outlives its mapping. */
  async function list(): Promise<string> {
    const records = new Map<string, R>();
    const { resourceVersion } = await options.kube.listCollection<{ metadata: ObjectMeta }>(spec.path, {
      ...spec.list,
      visit: (page: { metadata: ObjectMeta }[]) => {
        for (const item of page) records.set(objectKey(item.metadata), map(item));
      },
    });
    state.records = records;
    state.lists++;
    state.generation++;
    return resourceVersion;
  }

  async function run(): Promise<void> {
    let resourceVersion: string | null = null;
    let failures = 0;
    let forbiddenLogged = false;
    let relistAt = 0;
    while (!options.signal.aborted) {
      if (resourceVersion === null) {
        try {
          resourceVersion = await (options.listing ? options.listing.run(list) : list());
          if (state.status === 'forbidden') log.info('allowed to read again');
          state.status = 'synced';
          failures = 0;
          relistAt = Date.now() + relistEveryMs * (0.8 + 0.4 * random());
          markStarted();
        } catch (error) {
          failures++;
          if (error instanceof KubeError && error.status === 403) {
            // Said once per process: every beat would repeat it for as long as the role lacks the rule.
            if (!forbiddenLogged) log.warn('forbidden by RBAC: heartbeats go without it', { error: error.message, path: spec.path });
            forbiddenLogged = true;
            state.status = 'forbidden';
            state.records = new Map();
            state.generation++;
            markStarted();
            await sleep(FORBIDDEN_RETRY_MS, options.signal);
          } else {
            if (state.status !== 'synced') state.status = 'failing';
            log.warn('list failed', { error: (error as Error).message, attempt: failures });
            markStarted();
            await sleep(computeBackoffMs(failures, backoff), options.signal);
          }
          continue;
        }
      }
      const outcome = await watchOnce(resourceVersion, relistAt);
      resourceVersion = outcome.resourceVersion;
      if (outcome.error) {
        failures++;
        log.debug('watch ended', { error: outcome.error, attempt: failures, relist: resourceVersion === null });
        await sleep(computeBackoffMs(failures, backoff), options.signal);
      } else if (outcome.reason === 'ended') failures = 0;
    }
  }

  /** One watch request, until the server ends it, it fails, or the re-list is due; returns where to resume (null: list). */
  async function watchOnce(from: string, relistAt: number): Promise<{ resourceVersion: string | null; reason: 'ended' | 'gone' | 'relist'; error?: string }> {
    let resourceVersion: string | null = from;
    let gone = false;
    const handle = options.kube.watchCollection<{ metadata: ObjectMeta; code?: number; message?: string }>(
      spec.path,
      from,
      (event: WatchEvent<{ metadata: ObjectMeta; code?: number; message?: string }>) => {
        if (gone) return;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
            state.records.set(objectKey(event.object.metadata), map(event.object));
            state.generation++;
            break;
          case 'DELETED':
            state.records.delete(objectKey(event.object.metadata));
            state.generation++;
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            // A Status: 410 "too old resource version", "too large resource version" (a restored etcd), or any other:
            // the only way on is a fresh list.
            gone = true;
            handle.abort();
            return;
        }
        resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
      },
      spec.list,
    );
    let due = false;
    const timer = setTimeout(
      () => {
        due = true;
        handle.abort();
      },
      Math.max(0, relistAt - Date.now()),
    );
    const onAbort = (): void => handle.abort();
    options.signal.addEventListener('abort', onAbort);
    const { error } = await handle.done;
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    if (gone) return { resourceVersion: null, reason: 'gone' };
    if (due) return { resourceVersion: null, reason: 'relist' };
    // No answer, or a connection that broke: the server may not be the one whose history we hold.
    if (error)
      return {
        resourceVersion: error.status === 0 || error.status === 410 || error.status === 403 ? null : resourceVersion,
        reason: 'ended',
        error: error.message,
      };
    return { resourceVersion, reason: 'ended' };
  }

  void run();
  return {
    status: () => state.status,
    started,
    records: () => state.records,
    lists: () => state.lists,
    generation: () => state.generation,
  };
}
