// Agent authentication: the cluster's identity comes only from its key, never from a body.
import type { Bus } from '../db/bus';
import type { Db } from '../db/client';
import type { AgentCluster, AgentKeyCache, CachedAgentKey } from '../deps';
import { HttpError } from '../http/errors';
import { SESSION_COOKIE } from '../http/caller';
import { AGENT_KEY_HEADER } from '../contract';
import { parseSecret, secretMatches } from '../security/secrets';
import { findAgentKeys, findRetiredAgentKey, parseRetiredKey, RETIRED_KEY_CHANNEL } from '../clusters/store';
import { AGENT_KEY_PREFIX } from '../clusters/enrollment';

/**
 * How long a found key row is trusted before it is read again, and how many this replica keeps.
 * Deleting a cluster (the only way a key is retired) evicts its key on every replica at once: the
 * notification (RETIRED_KEY_CHANNEL) is sent by the deleting transaction, and a replica whose listening
 * connection was down when it went out empties its cache once it listens again. Every write path
 * re-reads the cluster row anyway. So the entry can outlive many beats: at 5 minutes, a key is read
 * once in 20 beats of its cluster, not at every beat (the 15 s interval outlasted the 10 s this was).
 */
const KEY_CACHE_MS = 5 * 60_000;
const KEY_CACHE_MAX = 100_000;

/** The most public ids one lookup asks for (a bound on the query's parameters). */
const KEYS_PER_LOOKUP = 500;

/** A replica's cache of agent keys (one per process; see AgentKeyCache). */
export function createAgentKeyCache(): AgentKeyCache {
  const entries = new Map<string, CachedAgentKey & { until: number }>();
  /** Misses waiting for the next lookup, by public id; null when none is gathering. */
  let gathering: Map<string, PromiseWithResolvers<CachedAgentKey | null>> | null = null;
  const cache: AgentKeyCache = {
    get(publicId, nowMs) {
      const hit = entries.get(publicId);
      return hit && hit.until > nowMs ? hit : null;
    },
    set(publicId, key, nowMs) {
      if (entries.size >= KEY_CACHE_MAX) for (const [k, v] of entries) if (v.until <= nowMs) entries.delete(k);
      if (entries.size < KEY_CACHE_MAX) entries.set(publicId, { ...key, until: nowMs + KEY_CACHE_MS });
    },
    recall(publicId) {
      return entries.get(publicId) ?? null;
    },
    forget(publicId) {
      entries.delete(publicId);
    },
    clear() {
      entries.clear();
    },
    find(publicId, load) {
      const hit = cache.get(publicId, Date.now());
      if (hit) return Promise.resolve(hit);
      if (!gathering || gathering.size >= KEYS_PER_LOOKUP) {
        const batch = new Map<string, PromiseWithResolvers<CachedAgentKey | null>>();
        gathering = batch;
        // After this turn's I/O callbacks: requests whose headers came in the same read join this batch.
        setImmediate(() => {
          if (gathering === batch) gathering = null;
          load([...batch.keys()]).then(
            (found) => {
              const now = Date.now();
              for (const [id, waiter] of batch) {
                const key = found.get(id) ?? null;
                if (key) cache.set(id, key, now);
                else cache.forget(id);
                waiter.resolve(key);
              }
            },
            (e: unknown) => {
              for (const waiter of batch.values()) waiter.reject(e);
            },
          );
        });
      }
      let waiter = gathering.get(publicId);
      if (!waiter) {
        waiter = Promise.withResolvers<CachedAgentKey | null>();
        gathering.set(publicId, waiter);
      }
      return waiter.promise;
    },
  };
  return cache;
}

/** Evicts keys retired on any replica from this one's cache; each replica subscribes once at start. */
export function subscribeRetiredKeys(bus: Bus, keys: AgentKeyCache): Promise<() => Promise<void>> {
  return bus.subscribe(
    RETIRED_KEY_CHANNEL,
    (payload) => {
      const retired = parseRetiredKey(payload);
      if (retired) keys.forget(retired.key);
    },
    // Retirements sent while this replica was not listening are unknown: every key is read again.
    () => keys.clear(),
  );
}

async function findKey(db: Db, keys: AgentKeyCache, publicId: string): Promise<CachedAgentKey | null> {
  return keys.find(publicId, async (publicIds) => {
    const rows = await findAgentKeys(db, publicIds);
    return new Map([...rows].map(([id, row]) => [id, { cluster: { id: row.id, orgId: row.orgId, name: row.name }, hash: row.hash }]));
  });
}

/**
 * Whether the request's agent key matches one this replica found before, however long ago (a deleted
 * cluster's key is forgotten at once). Not proof the key is still valid, which only requireAgent gives:
 * enough to refuse the request early (src/agents/api.ts), never to accept it.
 */
export function knownAgentKey(keys: AgentKeyCache, request: Request): boolean {
  if (request.headers.get('authorization')) return false;
  const parts = parseSecret(AGENT_KEY_PREFIX, request.headers.get(AGENT_KEY_HEADER)?.trim());
  const known = parts ? keys.recall(parts.publicId) : null;
  return known !== null && secretMatches(parts!.secret, known.hash);
}

const refuse = (code: 'unauthorized' | 'invalid_agent_key' | 'cluster_deleted', message: string): HttpError => new HttpError(401, code, message);

/**
 * The cluster whose agent key the request carries, or a 401 that says why: user credentials
 * (a bearer token or a session) are never accepted here, a deleted cluster's key is named as such.
 */
export async function requireAgent(db: Db, keys: AgentKeyCache, request: Request): Promise<AgentCluster> {
  const presented = request.headers.get(AGENT_KEY_HEADER);
  if (request.headers.get('authorization'))
    throw refuse('unauthorized', `user API tokens are not accepted on agent endpoints; send the agent key in ${AGENT_KEY_HEADER}`);
  if (!presented) {
    const hasSession = (request.headers.get('cookie') ?? '').includes(`${SESSION_COOKIE}=`);
    throw refuse('unauthorized', hasSession ? 'user sessions are not accepted on agent endpoints' : `missing ${AGENT_KEY_HEADER}`);
  }
  const parts = parseSecret(AGENT_KEY_PREFIX, presented.trim());
  if (!parts) throw refuse('invalid_agent_key', 'agent key is malformed');
  const found = await findKey(db, keys, parts.publicId);
  if (found && secretMatches(parts.secret, found.hash)) return found.cluster;
  if (!found) {
    const retired = await findRetiredAgentKey(db, parts.publicId);
    if (retired) {
      throw refuse(
        'cluster_deleted',
        `cluster "${retired.clusterName}" was deleted from Niro on ${retired.retiredAt.toISOString()}; this agent key is no longer accepted. Uninstall the agent with: kubectl delete namespace niro-system`,
      );
    }
  }
  throw refuse('invalid_agent_key', 'agent key is not valid');
}
