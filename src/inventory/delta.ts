// Delta heartbeats (protocol 6): the agent sends the pods changed or removed since the inventory
// generation the server acknowledged (clusters.pods_hash), plus every pod's usage. The full pod list
// is rebuilt here from the stored rows and the delta, so ingest, incidents and policies see the same
// snapshot a full beat gives. Stored pods keep their stored digest and JSON: they are never rewritten.
import { sql } from 'drizzle-orm';
import type { PodDelta, PodDetail } from '../contract';
import { queryRows, type Db } from '../db/client';
import { podKey, podSetHash, takePodUsage, type PodInventory } from './prepare';

export type StoredInventory = {
  /** The generation the stored rows describe; null before the first pod list. */
  podsHash: string | null;
  pods: { key: string; hash: string; json: string }[];
};

/** The cluster's generation and stored pods, in one statement (so they agree). */
export async function readStoredInventory(db: Db, clusterId: string): Promise<StoredInventory> {
  const rows = await queryRows<{ pods_hash: string | null; namespace: string | null; name: string | null; content_hash: string | null; detail: string | null }>(
    db,
    sql`select c.pods_hash, p.namespace, p.name, p.content_hash, p.detail::text as detail
        from clusters c left join cluster_pods p on p.cluster_id = c.id where c.id = ${clusterId}`,
  );
  const pods: StoredInventory['pods'] = [];
  for (const r of rows)
    if (r.namespace !== null && r.name !== null) pods.push({ key: podKey(r.namespace, r.name), hash: r.content_hash ?? '', json: r.detail ?? '{}' });
  return { podsHash: rows[0]?.pods_hash ?? null, pods };
}

export type RebuiltInventory = { pods: PodDetail[]; inventory: PodInventory };

/** Keys in the order delta usage vectors follow: UTF-16 code units, as the agent sorts them. */
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The stored pods with `changed` and `removed` applied, in key order, with `usage` (aligned with
 * that order; null = no usage vectors, every pod's usage unknown). Null when the vectors do not
 * match the resulting pod count. Takes the usage out of `changed` in place, as a full beat's does.
 */
export function rebuildInventory(
  stored: StoredInventory,
  delta: Pick<PodDelta, 'changed' | 'removed'>,
  usage: { cpuMilli: (number | null)[]; memBytes: (number | null)[] } | null,
): RebuiltInventory | null {
  const entries = new Map<string, { hash: string; json: string; pod: PodDetail | null }>();
  for (const p of stored.pods) entries.set(p.key, { hash: p.hash, json: p.json, pod: null });
  for (const r of delta.removed) entries.delete(podKey(r.namespace, r.name));
  const fresh = takePodUsage(delta.changed);
  delta.changed.forEach((pod, i) => entries.set(fresh.keys[i], { hash: fresh.hashes[i], json: fresh.json[i], pod }));
  const keys = [...entries.keys()].sort(byKey);
  if (usage && (usage.cpuMilli.length !== keys.length || usage.memBytes.length !== keys.length)) return null;
  const n = keys.length;
  const pods: PodDetail[] = new Array(n);
  const inventory: PodInventory = { keys, cpu: new Array(n), mem: new Array(n), json: new Array(n), hashes: new Array(n), setHash: '' };
  for (let i = 0; i < n; i++) {
    const e = entries.get(keys[i])!;
    // Stored detail is the pod without usage; the usage fields are put back as zeros (the schema's "unknown").
    const pod = e.pod ?? ({ ...JSON.parse(e.json), cpuUsageMilli: 0, memUsageBytes: 0 } as PodDetail);
    const known = pod.usageAvailable;
    inventory.cpu[i] = known ? (usage?.cpuMilli[i] ?? null) : null;
    inventory.mem[i] = known ? (usage?.memBytes[i] ?? null) : null;
    pod.cpuUsageMilli = inventory.cpu[i] ?? 0;
    pod.memUsageBytes = inventory.mem[i] ?? 0;
    inventory.json[i] = e.json;
    inventory.hashes[i] = e.hash;
    pods[i] = pod;
  }
  inventory.setHash = podSetHash(inventory.hashes);
  return { pods, inventory };
}
