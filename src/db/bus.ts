import type { Sql } from 'postgres';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Publish/subscribe on named channels, across replicas. Postgres LISTEN/NOTIFY underneath:
 * payloads must stay under 8000 bytes and delivery is at most once — callers that need
 * ordering or gap detection put sequence numbers in their payloads.
 */
export type Bus = {
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once the subscription is live; the returned function unsubscribes. */
  subscribe(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
};

export const MAX_BUS_PAYLOAD_BYTES = 7900;

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`bad bus channel name: ${channel}`);
}

export function createPostgresBus(client: Sql): Bus {
  return {
    async publish(channel, payload) {
      checkChannel(channel);
      await client`select pg_notify(${channel}, ${payload})`;
    },
    async subscribe(channel, onMessage) {
      checkChannel(channel);
      const { unlisten } = await client.listen(channel, onMessage);
      return unlisten;
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
