// Wake-ups of the command channel across replicas, over the bus (LISTEN/NOTIFY):
//   niro_command_queued  payload = cluster id   a long-poll for that cluster, on any replica, claims at once
//   niro_command_done    payload = command id   a caller waiting for that result (ping) reads it at once
// One channel per kind (not per cluster): each replica LISTENs twice in all, however many agents poll it.
// Notifications are published after the row is committed, never from inside a transaction.
import type { Bus } from '../db/bus';

export const QUEUED_CHANNEL = 'niro_command_queued';
export const DONE_CHANNEL = 'niro_command_done';

/**
 * A registration for one key. Notifications that arrive before `next()` is called are latched, so
 * "register, check the database, then wait" never misses one that lands between the check and the wait.
 */
export type Watch = {
  /** Resolves true on a notification (or a latched one), false after `ms` or when `signal` aborts. */
  next(ms: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
};

export type CommandSignals = {
  /** Live once resolved: a publish after this is seen by the watch. */
  watchQueued(clusterId: string): Promise<Watch>;
  watchDone(commandId: string): Promise<Watch>;
  publishQueued(clusterId: string): Promise<void>;
  publishDone(commandId: string): Promise<void>;
  /** Long-polls currently held for a cluster on this replica (for the per-cluster cap). */
  heldPolls(clusterId: string): number;
};

type Waiter = { latched: boolean; wake: ((notified: boolean) => void) | null };

function createTopic(bus: Bus, channel: string) {
  const waiters = new Map<string, Set<Waiter>>();
  let live: Promise<unknown> | null = null;
  const dispatch = (key: string): void => {
    for (const w of waiters.get(key) ?? []) {
      if (w.wake) w.wake(true);
      else w.latched = true;
    }
  };
  const subscribe = (): Promise<unknown> => {
    // Once per replica and channel. A failed LISTEN (database down) is retried by the next watcher.
    live ??= bus.subscribe(channel, dispatch).catch((e) => {
      live = null;
      throw e;
    });
    return live;
  };
  return {
    count: (key: string): number => waiters.get(key)?.size ?? 0,
    async watch(key: string): Promise<Watch> {
      const waiter: Waiter = { latched: false, wake: null };
      let set = waiters.get(key);
      if (!set) waiters.set(key, (set = new Set()));
      set.add(waiter);
      const close = (): void => {
        waiter.wake?.(false);
        const s = waiters.get(key);
        s?.delete(waiter);
        if (s && s.size === 0) waiters.delete(key);
      };
      try {
        await subscribe();
      } catch (e) {
        close();
        throw e;
      }
      return {
        next(ms, signal) {
          if (waiter.latched) {
            waiter.latched = false;
            return Promise.resolve(true);
          }
          if (signal?.aborted || ms <= 0) return Promise.resolve(false);
          return new Promise<boolean>((resolve) => {
            const finish = (notified: boolean): void => {
              clearTimeout(timer);
              signal?.removeEventListener('abort', onAbort);
              waiter.wake = null;
              resolve(notified);
            };
            const onAbort = (): void => finish(false);
            const timer = setTimeout(() => finish(false), ms);
            signal?.addEventListener('abort', onAbort, { once: true });
            waiter.wake = finish;
          });
        },
        close,
      };
    },
    publish: (key: string): Promise<void> => bus.publish(channel, key),
  };
}

/**
 * The signals of one replica (one bus). server.ts creates them once and every plugin of the app shares
 * them through its deps: a second set on the same bus would LISTEN twice and not count the first's polls.
 */
export function createCommandSignals(bus: Bus): CommandSignals {
  const queued = createTopic(bus, QUEUED_CHANNEL);
  const done = createTopic(bus, DONE_CHANNEL);
  return {
    watchQueued: (clusterId) => queued.watch(clusterId),
    watchDone: (commandId) => done.watch(commandId),
    publishQueued: (clusterId) => queued.publish(clusterId),
    publishDone: (commandId) => done.publish(commandId),
    heldPolls: (clusterId) => queued.count(clusterId),
  };
}
