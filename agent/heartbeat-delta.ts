// Delta heartbeats (protocol 6): once the control plane acknowledged an inventory generation, a beat
// carries only the pods added, changed or removed since that generation, plus every pod's usage as two
// arrays in key order — instead of serialising and gzipping every pod every beat. Kept in memory only: a
// restarted agent, an unanswered beat or the server's `fullInventory` start again from a full list.
import type { HeartbeatResponse, HeartbeatV2, PodDetail, PodRef } from '../src/contract/index.ts';

/** One pod's usage as a beat reads it; null when metrics did not cover the pod. */
type PodUsage = { cpuMilli: number; memBytes: number } | null;

/**
 * The pods of one beat in key order ("namespace/name", UTF-16 code units: the order delta usage
 * follows, so a full list and a delta describe the same generation).
 */
export type DescribedPods = {
  keys: readonly string[];
  /** Each pod as compared between beats; usage fields, present or not, are ignored. */
  bases: readonly PodDetail[];
  /** Pod i as it travels, with this beat's usage. */
  full(i: number): PodDetail;
  usage(i: number): PodUsage;
};

/** What the server acknowledged: its generation and the pods (in key order) it describes. */
export type InventoryMemory = { generation: string; keys: readonly string[]; bases: readonly PodDetail[] };

const podKey = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;

/** Usage moves every beat and travels in the arrays: no part of a pod's identity, at pod or container level. */
const isUsage = (key: string): boolean => key === 'cpuUsageMilli' || key === 'memUsageBytes';

/**
 * Structural equality of JSON values apart from usage fields, short-cut by identity: the view hands
 * out the same objects while a pod is unchanged, so an unchanged pod costs one comparison.
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

const usageOf = (pod: PodDetail): PodUsage => (pod.usageAvailable ? { cpuMilli: pod.cpuUsageMilli, memBytes: pod.memUsageBytes } : null);

/** A full body's pods sorted by key and described (the re-list path). Null for a truncated list: that always travels whole. */
export function describePods(body: HeartbeatV2): DescribedPods | null {
  if (body.podsTruncated) return null;
  const keyed = body.pods.map((pod) => ({ key: podKey(pod), pod }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const pods = keyed.map((k) => k.pod);
  body.pods = pods;
  return { keys: keyed.map((k) => k.key), bases: pods, full: (i) => pods[i]!, usage: (i) => usageOf(pods[i]!) };
}

/** Fills a full beat's `pods` from its description. */
export function fillPods(body: HeartbeatV2, described: DescribedPods): void {
  const pods: PodDetail[] = new Array(described.keys.length);
  for (let i = 0; i < pods.length; i++) pods[i] = described.full(i);
  body.pods = pods;
}

function refOf(key: string): PodRef {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Turns a beat into a delta on `memory` in place: `pods` empties, `inventory` says what differs. Both lists are in key order. */
export function makeDelta(body: HeartbeatV2, described: DescribedPods, memory: InventoryMemory): void {
  const { keys, bases } = described;
  const changed: PodDetail[] = [];
  const removed: PodRef[] = [];
  const cpuMilli: (number | null)[] = new Array(keys.length);
  const memBytes: (number | null)[] = new Array(keys.length);
  // A merge of two sorted key lists: a key only in the memory was removed, one only in this beat added.
  let m = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    while (m < memory.keys.length && memory.keys[m]! < key) removed.push(refOf(memory.keys[m++]!));
    const before = m < memory.keys.length && memory.keys[m] === key ? memory.bases[m++] : undefined;
    if (before !== bases[i] && (!before || !samePod(before, bases[i]!))) changed.push(described.full(i));
    const usage = described.usage(i);
    cpuMilli[i] = usage ? usage.cpuMilli : null;
    memBytes[i] = usage ? usage.memBytes : null;
  }
  while (m < memory.keys.length) removed.push(refOf(memory.keys[m++]!));
  body.inventory = { base: memory.generation, changed, removed, cpuMilli, memBytes };
  body.pods = [];
}

/** The memory after the server's answer: what it acknowledged, or nothing when it wants every pod. */
export function rememberInventory(described: DescribedPods | null, response: HeartbeatResponse): InventoryMemory | null {
  if (!described || response.fullInventory || !response.inventoryGeneration) return null;
  return { generation: response.inventoryGeneration, keys: described.keys, bases: described.bases };
}
