// Delta heartbeats (protocol 6): once the control plane acknowledged an inventory generation, a beat
// carries only the pods added, changed or removed since, plus every pod's usage as two arrays in key
// order — instead of serialising and gzipping every pod every beat. Kept in memory only: a restarted
// agent, an unanswered beat or the server's `fullInventory` start again from a full list.
import type { HeartbeatResponse, HeartbeatV2, PodDetail, PodRef } from '../src/contract/index.ts';

/** What the server acknowledged: its generation and the pods (key → JSON without usage) it describes. */
export type InventoryMemory = { generation: string; pods: Map<string, string> };

/** The pods of one beat as the memory compares them. */
export type DescribedPods = { pods: Map<string, string> };

type Usage = { cpuUsageMilli?: number; memUsageBytes?: number };

/**
 * The pod as JSON without its usage (which moves every beat and travels in the arrays). The usage
 * fields are lifted out for the serialisation and put back: cheaper than a replacer on every value.
 */
function withoutUsage(pod: PodDetail): string {
  const parts: Usage[] = [pod, ...pod.containerDetails];
  const saved = parts.map((p) => [p.cpuUsageMilli, p.memUsageBytes] as const);
  for (const p of parts) {
    p.cpuUsageMilli = undefined;
    p.memUsageBytes = undefined;
  }
  const json = JSON.stringify(pod);
  parts.forEach((p, i) => {
    // Only fields that were there come back: an absent container usage stays absent.
    if (saved[i][0] !== undefined) p.cpuUsageMilli = saved[i][0];
    else delete p.cpuUsageMilli;
    if (saved[i][1] !== undefined) p.memUsageBytes = saved[i][1];
    else delete p.memUsageBytes;
  });
  return json;
}

const podKey = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;

/**
 * Sorts the beat's pods by key (UTF-16 code units, the order delta usage follows, so a full list and
 * a delta describe the same generation) and describes them. Null for a truncated list: that always
 * travels whole.
 */
export function describePods(body: HeartbeatV2): DescribedPods | null {
  if (body.podsTruncated) return null;
  const keyed = body.pods.map((pod) => ({ key: podKey(pod), pod }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  body.pods = keyed.map((k) => k.pod);
  const pods = new Map<string, string>();
  for (const { key, pod } of keyed) pods.set(key, withoutUsage(pod));
  return { pods };
}

/** Turns a full beat into a delta on `memory` in place: `pods` empties, `inventory` says what differs. */
export function makeDelta(body: HeartbeatV2, described: DescribedPods, memory: InventoryMemory): void {
  const changed: PodDetail[] = [];
  const cpuMilli: (number | null)[] = [];
  const memBytes: (number | null)[] = [];
  for (const pod of body.pods) {
    const key = podKey(pod);
    if (memory.pods.get(key) !== described.pods.get(key)) changed.push(pod);
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
