// Delta heartbeats (protocol 6): once the control plane acknowledged an inventory generation, a beat
// carries only the pods added, changed or removed since, plus every pod's usage as two arrays in key
// order — instead of serialising and gzipping every pod every beat. Kept in memory only: a restarted
// agent, an unanswered beat or the server's `fullInventory` start again from a full list.
import type { HeartbeatResponse, HeartbeatV2, PodDetail, PodRef } from '../src/contract/index.ts';

/** What the server acknowledged: its generation and the pods (by key) it describes. */
export type InventoryMemory = { generation: string; pods: Map<string, PodDetail> };

/** The pods of one beat, by key, as the memory compares them. */
export type DescribedPods = { pods: Map<string, PodDetail> };

const podKey = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;

/** Usage moves every beat and travels in the arrays: no part of a pod's identity, at pod or container level. */
const isUsage = (key: string): boolean => key === 'cpuUsageMilli' || key === 'memUsageBytes';

/**
 * Structural equality of JSON values apart from usage fields, short-cut by identity: the view hands
 * out the same nested objects while a pod's record is unchanged, so an unchanged pod costs a few
 * comparisons, never a serialisation.
 */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const k in ra) {
    if (isUsage(k) || ra[k] === undefined) continue;
    count++;
    if (!same(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (!isUsage(k) && rb[k] !== undefined) count--;
  return count === 0;
}

/** Whether two beats' versions of a pod are the same apart from usage (what the server's digest covers). */
export function samePod(a: PodDetail, b: PodDetail): boolean {
  return same(a, b);
}

/**
 * Sorts the beat's pods by key (UTF-16 code units, the order delta usage follows, so a full list and
 * a delta describe the same generation) and keys them. Null for a truncated list: that always
 * travels whole.
 */
export function describePods(body: HeartbeatV2): DescribedPods | null {
  if (body.podsTruncated) return null;
  const keyed = body.pods.map((pod) => ({ key: podKey(pod), pod }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  body.pods = keyed.map((k) => k.pod);
  return { pods: new Map(keyed.map(({ key, pod }) => [key, pod])) };
}

/** Turns a full beat into a delta on `memory` in place: `pods` empties, `inventory` says what differs. */
export function makeDelta(body: HeartbeatV2, described: DescribedPods, memory: InventoryMemory): void {
  const changed: PodDetail[] = [];
  const cpuMilli: (number | null)[] = [];
  const memBytes: (number | null)[] = [];
  for (const pod of body.pods) {
    const key = podKey(pod);
    const before = memory.pods.get(key);
    if (!before || !samePod(before, pod)) changed.push(pod);
    cpuMilli.push(pod.usageAvailable ? pod.cpuUsageMilli : null);
    memBytes.push(pod.usageAvailable ? pod.memUsageBytes : null);
  }
  const removed: PodRef[] = [];
  for (const key of memory.pods.keys()) {
    if (described.pods.has(key)) continue;
    const slash = key.indexOf('/');
    removed.push({ namespace: key.slice(0, slash), name: key.slice(slash + 1) });
  }
  body.inventory = { base: memory.generation, changed, removed, cpuMilli, memBytes };
  body.pods = [];
}

/** The memory after the server's answer: what it acknowledged, or nothing when it wants every pod. */
export function rememberInventory(described: DescribedPods | null, response: HeartbeatResponse): InventoryMemory | null {
  if (!described || response.fullInventory || !response.inventoryGeneration) return null;
  return { generation: response.inventoryGeneration, pods: described.pods };
}
