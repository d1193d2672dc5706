// A protocol heartbeat from the watch-fed view (view.ts): the records are joined with what moves every beat — pod and
// node metrics (metrics.k8s.io has no watch, so it is listed per beat), owner chains (a ReplicaSet may arrive after its
// pods), the events' time window — and the API server's version and the capabilities are read as before.
//
// A beat with no pod or owner changed must cost next to nothing beyond its metrics read, on a Raspberry Pi too: each
// pod's joined form without usage (its "base") is kept per record and reused while the record and the owner records
// its chain went through are the same objects, and the pods' key order and counts are kept while the collections'
// generations stand still. Usage is joined into a pod only when the pod itself travels (a full beat, a changed pod).
import type { HeartbeatV2, PodCounts, PodDetail, WarningEvent } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { OwnerReference } from '../kube-objects.ts';
import type { KubeApi } from '../kube-api.ts';
import type { DescribedPods } from '../heartbeat-delta.ts';
import type { ClusterView, OwnerRecord, PodRecord } from '../view.ts';
import { detectCapabilities } from './capabilities.ts';
import { EVENT_WINDOW_SECONDS } from './events.ts';
import { indexNodeUsage } from './nodes.ts';
import { type OwnerLookup, ownerKey, resolveOwnerChain } from './owners.ts';
import { indexPodUsage, type PodUsage, type PodUsageIndex } from './pods.ts';
import { describeAgent, type SnapshotOptions, truncatePods } from './snapshot.ts';

/** Thrown when the view cannot stand for the cluster yet (nodes or pods never listed): the beat is skipped. */
export class ViewNotReady extends Error {}

/**
 * A record's base and the owner records its chain was resolved through (by identity). `usageAvailable` is part of a
 * pod's identity (the server applies usage only to pods that said they have it), so a pod has two bases.
 */
type JoinedBase = { base: PodDetail; measured?: PodDetail; through: (OwnerRecord | undefined)[] };

/** The pods of the last beat in key order, with what was derived from them; reused while nothing moved. */
type PodOrder = {
  podsGeneration: number;
  ownersGeneration: number;
  keys: string[];
  joined: JoinedBase[];
  counts: PodCounts;
  podsPerNode: Map<string, number>;
};

/** What the view beats keep between beats (the heartbeat loop holds one for its lifetime; nothing is persisted). */
export interface ViewBeatMemory {
  bases: WeakMap<PodRecord, JoinedBase>;
  order: PodOrder | null;
}

export function createViewBeatMemory(): ViewBeatMemory {
  return { bases: new WeakMap(), order: null };
}

/** One beat from the view: the body without pods, and the pods in key order (null when truncated: the body has them). */
export type ViewBeat = { body: HeartbeatV2; described: DescribedPods | null };

/** Owner lookups ("ReplicaSet/ns/name", "Job/ns/name") answered from the view's owner records. */
function ownerLookup(view: ClusterView): OwnerLookup {
  const replicaSets = view.replicaSets.records();
  const jobs = view.jobs.records();
  return {
    get(key) {
      if (key.startsWith('ReplicaSet/')) return replicaSets.get(key.slice('ReplicaSet/'.length));
      if (key.startsWith('Job/')) return jobs.get(key.slice('Job/'.length));
      return undefined;
    },
  };
}

/** The owner records a chain from `owner` goes through, in order (the walk resolveOwnerChain makes, without building it). */
function chainThrough(namespace: string, owner: OwnerReference | undefined, owners: OwnerLookup): (OwnerRecord | undefined)[] {
  const through: (OwnerRecord | undefined)[] = [];
  let next = owner;
  while (next && through.length < LIMITS.ownerChainDepth) {
    const record = owners.get(ownerKey(next.kind, namespace, next.name));
    through.push(record);
    next = record?.find((r) => r.controller) ?? record?.[0];
  }
  return through;
}

const sameThrough = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The record's detail with this beat's owner chain and no usage; the same objects while nothing it depends on changed. */
function baseOf(memory: ViewBeatMemory, record: PodRecord, owners: OwnerLookup): JoinedBase {
  const through = chainThrough(record.namespace, record.owner, owners);
  const known = memory.bases.get(record);
  if (known && sameThrough(known.through, through)) return known;
  const ownerChain = resolveOwnerChain(record.namespace, record.owner ? [record.owner] : undefined, owners);
  const top = ownerChain[ownerChain.length - 1];
  const joined = { base: { ...record.detail, ownerChain, ownerKind: top?.kind ?? '', ownerName: top?.name ?? '' }, through };
  memory.bases.set(record, joined);
  return joined;
}

/** A base with this beat's usage: a new object; the base is left as it is. */
export function withUsage(base: PodDetail, usage: PodUsage | undefined): PodDetail {
  return {
    ...base,
    cpuUsageMilli: usage?.cpuMilli ?? 0,
    memUsageBytes: usage?.memBytes ?? 0,
    usageAvailable: usage !== undefined,
    containerDetails: usage
      ? base.containerDetails.map((c) => {
          const used = usage.containers.get(c.name);
          return used ? { ...c, cpuUsageMilli: used.cpuMilli, memUsageBytes: used.memBytes } : c;
        })
      : base.containerDetails,
  };
}

const byKey = (a: [string, PodRecord], b: [string, PodRecord]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The pods in key order (UTF-16 code units, the order delta usage follows) with counts; reused while nothing moved. */
function podOrder(memory: ViewBeatMemory, view: ClusterView): PodOrder {
  const podsGeneration = view.pods.generation();
  const ownersGeneration = view.replicaSets.generation() * 1_000_003 + view.jobs.generation();
  const last = memory.order;
  if (last && last.podsGeneration === podsGeneration && last.ownersGeneration === ownersGeneration) return last;

  const owners = ownerLookup(view);
  const entries = [...view.pods.records()].sort(byKey);
  const keys: string[] = new Array(entries.length);
  const joined: JoinedBase[] = new Array(entries.length);
  const namespaces = new Set<string>();
  const podsPerNode = new Map<string, number>();
  let running = 0;
  let failed = 0;
  for (let i = 0; i < entries.length; i++) {
    const [key, record] = entries[i]!;
    keys[i] = key;
    joined[i] = baseOf(memory, record, owners);
    namespaces.add(record.namespace);
    if (record.phase === 'Running') running++;
    else if (record.phase === 'Failed') failed++;
    if (record.nodeName && record.phase !== 'Succeeded' && record.phase !== 'Failed')
      podsPerNode.set(record.nodeName, (podsPerNode.get(record.nodeName) ?? 0) + 1);
  }
  const counts = { pods: keys.length, podsRunning: running, podsFailed: failed, namespaces: namespaces.size };
  memory.order = { podsGeneration, ownersGeneration, keys, joined, counts, podsPerNode };
  return memory.order;
}

/** The pods of a beat in key order, as the delta compares them and the body carries them. */
function describeOrder(order: PodOrder, usage: PodUsageIndex | null): DescribedPods {
  const { keys, joined } = order;
  const used: (PodUsage | undefined)[] = new Array(keys.length);
  const bases: PodDetail[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const u = usage?.get(keys[i]!);
    const j = joined[i]!;
    used[i] = u;
    bases[i] = u ? (j.measured ??= { ...j.base, usageAvailable: true }) : j.base;
  }
  return { keys, bases, full: (i) => withUsage(bases[i]!, used[i]), usage: (i) => used[i] ?? null };
}

/** Warning events last seen within the window, newest first, bounded. */
function recentEvents(view: ClusterView, nowUnix: number): WarningEvent[] {
  const recent: WarningEvent[] = [];
  for (const event of view.events.records().values()) if (event && event.lastSeen >= nowUnix - EVENT_WINDOW_SECONDS) recent.push(event);
  recent.sort((a, b) => b.lastSeen - a.lastSeen);
  return recent.slice(0, LIMITS.eventsPerHeartbeat);
}

/**
 * A beat from the view. The body's `pods` stay empty unless the list is truncated (then it carries the pods that
 * fit, and `described` is null): the caller fills them in (fillPods) or makes a delta of `described`.
 */
export async function composeViewBeat(kube: KubeApi, view: ClusterView, options: SnapshotOptions, memory: ViewBeatMemory): Promise<ViewBeat> {
  if (view.nodes.status() !== 'synced') throw new ViewNotReady(`nodes not listed yet (${view.nodes.status()})`);
  const podsStatus = view.pods.status();
  if (podsStatus !== 'synced' && podsStatus !== 'forbidden') throw new ViewNotReady(`pods not listed yet (${podsStatus})`);
  // The version read doubles as the liveness check: an unreachable API server skips the beat, as the re-list path did.
  const [version, podMetrics, nodeMetrics] = await Promise.all([kube.getVersion(), kube.listPodMetrics(), kube.listNodeMetrics()]);
  const usage = podMetrics ? indexPodUsage(podMetrics) : null;
  const order = podOrder(memory, view);
  if (podsStatus === 'forbidden') options.onDegraded?.('pods', new Error('pods forbidden by RBAC'));
  const capabilities = await detectCapabilities(kube, options.namespace, podMetrics !== null);

  const max = Math.max(0, Math.min(options.maxPods, LIMITS.podsPerHeartbeat));
  const described = describeOrder(order, usage);
  const truncated = order.keys.length > max;
  const nodeUsage = nodeMetrics ? indexNodeUsage(nodeMetrics) : null;
  const nodes = [...view.nodes.records().values()].slice(0, LIMITS.nodesPerHeartbeat).map((node) => {
    const used = nodeUsage?.get(node.name);
    return { ...node, podCount: order.podsPerNode.get(node.name) ?? 0, ...(used ? { cpuUsageMilli: used.cpuMilli, memUsageBytes: used.memBytes } : {}) };
  });
  const pods = truncated
    ? truncatePods(
        order.keys.map((_, i) => described.full(i)),
        max,
      )
    : [];
  const body: HeartbeatV2 = {
    ...describeAgent(options, version),
    nodes,
    counts: order.counts,
    pods,
    podsTruncated: truncated,
    podsTotal: order.keys.length,
    events: recentEvents(view, options.nowUnix),
    capabilities,
  };
  return { body, described: truncated ? null : described };
}

/** A complete body from the view (every pod joined with its usage), as a full beat sends it. */
export async function beatFromView(kube: KubeApi, view: ClusterView, options: SnapshotOptions, memory = createViewBeatMemory()): Promise<HeartbeatV2> {
  const { body, described } = await composeViewBeat(kube, view, options, memory);
  if (described) body.pods = described.keys.map((_, i) => described.full(i));
  return body;
}
