// A protocol heartbeat from the watch-fed view (view.ts): the records are joined with what moves every beat — pod and
// node metrics (metrics.k8s.io has no watch, so it is listed per beat), owner chains (a ReplicaSet may arrive after its
// pods), the events' time window — and the API server's version and the capabilities are read as before.
import type { HeartbeatV2, PodDetail, WarningEvent } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { KubeApi } from '../kube-api.ts';
import type { ClusterView, PodRecord } from '../view.ts';
import { detectCapabilities } from './capabilities.ts';
import { EVENT_WINDOW_SECONDS } from './events.ts';
import { indexNodeUsage } from './nodes.ts';
import { type OwnerLookup, resolveOwnerChain } from './owners.ts';
import { indexPodUsage, type PodUsage } from './pods.ts';
import { describeAgent, type SnapshotOptions, truncatePods } from './snapshot.ts';

/** Thrown when the view cannot stand for the cluster yet (nodes or pods never listed): the beat is skipped. */
export class ViewNotReady extends Error {}

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

/** The record's detail with this beat's owner chain and usage; shares the unchanged parts with the record. */
export function joinPod(record: PodRecord, owners: OwnerLookup, usage: PodUsage | undefined): PodDetail {
  const ownerChain = resolveOwnerChain(record.namespace, record.owner ? [record.owner] : undefined, owners);
  const top = ownerChain[ownerChain.length - 1];
  const detail = record.detail;
  return {
    ...detail,
    ownerChain,
    ownerKind: top?.kind ?? '',
    ownerName: top?.name ?? '',
    cpuUsageMilli: usage?.cpuMilli ?? 0,
    memUsageBytes: usage?.memBytes ?? 0,
    usageAvailable: usage !== undefined,
    containerDetails: usage
      ? detail.containerDetails.map((c) => {
          const used = usage.containers.get(c.name);
          return used ? { ...c, cpuUsageMilli: used.cpuMilli, memUsageBytes: used.memBytes } : c;
        })
      : detail.containerDetails,
  };
}

/** Warning events last seen within the window, newest first, bounded. */
function recentEvents(view: ClusterView, nowUnix: number): WarningEvent[] {
  const recent: WarningEvent[] = [];
  for (const event of view.events.records().values()) if (event && event.lastSeen >= nowUnix - EVENT_WINDOW_SECONDS) recent.push(event);
  recent.sort((a, b) => b.lastSeen - a.lastSeen);
  return recent.slice(0, LIMITS.eventsPerHeartbeat);
}

export async function beatFromView(kube: KubeApi, view: ClusterView, options: SnapshotOptions): Promise<HeartbeatV2> {
  if (view.nodes.status() !== 'synced') throw new ViewNotReady(`nodes not listed yet (${view.nodes.status()})`);
  const podsStatus = view.pods.status();
  if (podsStatus !== 'synced' && podsStatus !== 'forbidden') throw new ViewNotReady(`pods not listed yet (${podsStatus})`);
  // The version read doubles as the liveness check: an unreachable API server skips the beat, as the re-list path did.
  const [version, podMetrics, nodeMetrics] = await Promise.all([kube.getVersion(), kube.listPodMetrics(), kube.listNodeMetrics()]);
  const usage = podMetrics ? indexPodUsage(podMetrics) : null;
  const owners = ownerLookup(view);

  const mapped: PodDetail[] = [];
  const namespaces = new Set<string>();
  const podsPerNode = new Map<string, number>();
  let running = 0;
  let failed = 0;
  for (const [key, record] of view.pods.records()) {
    namespaces.add(record.namespace);
    if (record.phase === 'Running') running++;
    else if (record.phase === 'Failed') failed++;
    if (record.nodeName && record.phase !== 'Succeeded' && record.phase !== 'Failed')
      podsPerNode.set(record.nodeName, (podsPerNode.get(record.nodeName) ?? 0) + 1);
    mapped.push(joinPod(record, owners, usage?.get(key)));
  }
  if (podsStatus === 'forbidden') options.onDegraded?.('pods', new Error('pods forbidden by RBAC'));
  const capabilities = await detectCapabilities(kube, options.namespace, podMetrics !== null);

  const max = Math.max(0, Math.min(options.maxPods, LIMITS.podsPerHeartbeat));
  const sent = truncatePods(mapped, max);
  const nodeUsage = nodeMetrics ? indexNodeUsage(nodeMetrics) : null;
  const nodes = [...view.nodes.records().values()].slice(0, LIMITS.nodesPerHeartbeat).map((node) => {
    const used = nodeUsage?.get(node.name);
    return { ...node, podCount: podsPerNode.get(node.name) ?? 0, ...(used ? { cpuUsageMilli: used.cpuMilli, memUsageBytes: used.memBytes } : {}) };
  });

  return {
    ...describeAgent(options, version),
    nodes,
    counts: { pods: mapped.length, podsRunning: running, podsFailed: failed, namespaces: namespaces.size },
    pods: sent,
    podsTruncated: sent.length < mapped.length,
    podsTotal: mapped.length,
    events: recentEvents(view, options.nowUnix),
    capabilities,
  };
}
