// Agent authentication: the cluster's identity comes only from its key, never from a body.
import { eq } from 'drizzle-orm';
import type { Bus } from '../db/bus';
import type { Db } from '../db/client';
import { HttpError } from '../http/errors';
import { SESSION_COOKIE } from '../http/caller';
import { AGENT_KEY_HEADER } from '../contract';
import { parseSecret, secretMatches } from '../security/secrets';
import { clusters, retiredAgentKeys } from './schema';
import { AGENT_KEY_PREFIX } from './enrollment';

export type AgentCluster = { id: string; orgId: string; name: string };

/**
 * Key rows found recently, by public id. Thousands of clusters beating every 15 s should not each
 * cost a query just to find their row; the secret is still checked against the stored hash on
 * every request. Deleting a cluster evicts its key on every replica at once (RETIRED_KEY_CHANNEL);
 * should that notification be lost (a replica's listening connection was down), the entry still
 * lapses after KEY_CACHE_MS, and every write path re-reads the cluster row anyway.
 */
const KEY_CACHE_MS = 10_000;
const KEY_CACHE_MAX = 100_000;
const keyCache = new Map<string, { cluster: AgentCluster; hash: string; until: number }>();

/** Drops a key from this replica's cache (its cluster was deleted). */
export function forgetAgentKey(publicId: string): void {
  keyCache.delete(publicId);
}

/** Bus channel of retired agent keys, notified by the deleting transaction; payload: RetiredKey as JSON. */
export const RETIRED_KEY_CHANNEL = 'niro_agent_key_retired';

/** `key`: the agent key's public id; `cluster`: the deleted cluster's id. */
export type RetiredKey = { key: string; cluster: string };

export function retiredKeyPayload(retired: RetiredKey): string {
  return JSON.stringify(retired);
}

export function parseRetiredKey(payload: string): RetiredKey | null {
  try {
    const value = JSON.parse(payload) as Partial<RetiredKey> | null;
    return typeof value?.key === 'string' && typeof value.cluster === 'string' ? { key: value.key, cluster: value.cluster } : null;
  } catch {
    return null;
  }
}

/** Evicts keys retired on any replica from this one's cache; each replica subscribes once at start. */
export function subscribeRetiredKeys(bus: Bus): Promise<() => Promise<void>> {
  return bus.subscribe(RETIRED_KEY_CHANNEL, (payload) => {
    const retired = parseRetiredKey(payload);
    if (retired) forgetAgentKey(retired.key);
  });
}

async function findKey(db: Db, publicId: string): Promise<{ cluster: AgentCluster; hash: string } | null> {
  const now = Date.now();
  const hit = keyCache.get(publicId);
  if (hit && hit.until > now) return hit;
  const [row] = await db
    .select({ id: clusters.id, orgId: clusters.orgId, name: clusters.name, hash: clusters.agentKeyHash })
    .from(clusters)
    .where(eq(clusters.agentKeyPublicId, publicId));
  if (!row?.hash) {
    keyCache.delete(publicId);
    return null;
  }
  if (keyCache.size >= KEY_CACHE_MAX) for (const [k, v] of keyCache) if (v.until <= now) keyCache.delete(k);
  const entry = { cluster: { id: row.id, orgId: row.orgId, name: row.name }, hash: row.hash, until: now + KEY_CACHE_MS };
  if (keyCache.size < KEY_CACHE_MAX) keyCache.set(publicId, entry);
  return entry;
}

const refuse = (code: string, message: string): HttpError => new HttpError(401, code, message);

/**
 * The cluster whose agent key the request carries, or a 401 that says why: user credentials
 * (a bearer token or a session) are never accepted here, a deleted cluster's key is named as such.
 */
export async function requireAgent(db: Db, request: Request): Promise<AgentCluster> {
  const presented = request.headers.get(AGENT_KEY_HEADER);
  if (request.headers.get('authorization')) throw refuse('unauthorized', `user API tokens are not accepted on agent endpoints; send the agent key in ${AGENT_KEY_HEADER}`);
  if (!presented) {
    const hasSession = (request.headers.get('cookie') ?? '').includes(`${SESSION_COOKIE}=`);
    throw refuse('unauthorized', hasSession ? 'user sessions are not accepted on agent endpoints' : `missing ${AGENT_KEY_HEADER}`);
  }
  const parts = parseSecret(AGENT_KEY_PREFIX, presented.trim());
  if (!parts) throw refuse('invalid_agent_key', 'agent key is malformed');
  const found = await findKey(db, parts.publicId);
  if (found && secretMatches(parts.secret, found.hash)) return found.cluster;
  if (!found) {
    const [retired] = await db.select().from(retiredAgentKeys).where(eq(retiredAgentKeys.publicId, parts.publicId));
    if (retired) {
      throw refuse('cluster_deleted', `cluster "${retired.clusterName}" was deleted from Niro on ${retired.retiredAt.toISOString()}; this agent key is no longer accepted. Uninstall the agent with: kubectl delete namespace niro-system`);
    }
  }
  throw refuse('invalid_agent_key', 'agent key is not valid');
}
