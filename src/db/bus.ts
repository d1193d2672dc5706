import type { Sql } from 'postgres';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Publish/subscribe on named channels, across replicas. Postgres LISTEN/NOTIFY underneath:
 * payloads must stay under 8000 bytes and delivery is at most once — callers that need
 * ordering or gap detection put sequence numbers in their payloads.
 */
export type Bus = {
  publish(channel: string, payload: string): Promise<void>;
  /**
   * Resolves once the subscription is live; the returned function unsubscribes. `onMissed` is called each time the
   * bus listens again after losing its connection: notifications sent in between are lost, and a subscriber that
   * keeps state from them (a cache they evict from) starts over.
   */
  subscribe(channel: string, onMessage: (payload: string) => void, onMissed?: () => void): Promise<() => Promise<void>>;
};

export const MAX_BUS_PAYLOAD_BYTES = 7900;

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`bad bus channel name: ${channel}`);
}

/** What the bus's own listening connection reports: each notification, and each time its connection closes. */
export type ListenerEvents = { onnotify(channel: string, payload: string): void; onclose(): void };

/** How long the bus waits before listening again after a failed try, first and at most (ms). */
const RELISTEN_FIRST_MS = 100;
const RELISTEN_CAP_MS = 2000;

/**
 * The bus over Postgres: NOTIFY through the pool (`client`), LISTEN on one connection of its own
 * (`openListener`, a single-connection client reporting the events given).
 *
 * A LISTEN lives as long as its connection. When Postgres restarts or fails over, the connection closes and
 * every subscription would be gone for good (postgres.js's own `listen` tries again once, at once, while the
 * server is still down, and then forgets the channel): here the bus listens again on every channel that has
 * subscribers, retrying with backoff until it goes through. Notifications sent while nobody listened are lost
 * (NOTIFY is at most once); subscribers that carry sequence numbers (the log relay) ask again for what they
 * missed.
 */
export function createPostgresBus(client: Sql, openListener: (events: ListenerEvents) => Sql): Bus & { close(): Promise<void> } {
  /** Per channel: each handler with its onMissed (a no-op when none was given). */
  const channels = new Map<string, { handlers: Map<(payload: string) => void, () => void>; live: Promise<void> }>();
  let closed = false;
  let lost = false;
  let relistening: Promise<void> | null = null;
  const listener = openListener({
    onnotify(channel, payload) {
      for (const handler of channels.get(channel)?.handlers.keys() ?? []) handler(payload);
    },
    onclose() {
      if (closed) return;
      lost = true;
      relisten();
    },
  });
  const listenOn = (names: string[]) => listener.unsafe(names.map((c) => `listen "${c}"`).join('; '));
  // One loop at a time; a close while it runs (the new connection dropped too) makes it go round again.
  const relisten = (): void => {
    relistening ??= (async () => {
      let wait = RELISTEN_FIRST_MS;
      while (lost && !closed) {
        lost = false;
        const names = [...channels.keys()];
        if (names.length === 0) continue;
        try {
          await listenOn(names);
          for (const name of names) for (const missed of channels.get(name)?.handlers.values() ?? []) missed();
        } catch {
          lost = true;
          await Bun.sleep(wait);
          wait = Math.min(RELISTEN_CAP_MS, wait * 2);
        }
      }
    })().finally(() => {
      relistening = null;
      if (lost && !closed) relisten();
    });
  };
  return {
    async publish(channel, payload) {
      checkChannel(channel);
      await client`select pg_notify(${channel}, ${payload})`;
    },
    async subscribe(channel, onMessage, onMissed) {
      checkChannel(channel);
      let entry = channels.get(channel);
      if (!entry) {
        const handlers = new Map<(payload: string) => void, () => void>();
        const live = listenOn([channel]).then(() => undefined);
        channels.set(channel, (entry = { handlers, live }));
        // A failed first LISTEN leaves nothing behind: the caller sees the error and may subscribe again.
        live.catch(() => {
          if (channels.get(channel)?.live === live) channels.delete(channel);
        });
      }
      await entry.live;
      // The channel's last subscriber left (and it was unlistened) while this one waited: listen anew.
      if (channels.get(channel) !== entry) return this.subscribe(channel, onMessage, onMissed);
      entry.handlers.set(onMessage, onMissed ?? (() => {}));
      const subscribed = entry;
      return async () => {
        subscribed.handlers.delete(onMessage);
        if (subscribed.handlers.size > 0 || channels.get(channel) !== subscribed) return;
        channels.delete(channel);
        await listener.unsafe(`unlisten "${channel}"`).catch(() => {});
      };
    },
    async close() {
      closed = true;
      await listener.end({ timeout: 1 });
    },
  };
}

export function createPgliteBus(pg: PGlite): Bus {
  return {
    async publish(channel, payload) {
      checkChannel(channel);
      await pg.query('select pg_notify($1, $2)', [channel, payload]);
    },
    async subscribe(channel, onMessage) {
      checkChannel(channel);
      const unsubscribe = await pg.listen(channel, onMessage);
      return unsubscribe;
    },
  };
}
