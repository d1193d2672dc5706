// Builds a full protocol-2 heartbeat from the Kubernetes API. Stateless: everything is re-read each beat.
import type { HeartbeatV2, PodDetail } from '../../src/contract/index.ts';
import { LIMITS, PROTOCOL } from '../../src/contract/index.ts';
import { KubeError, type KubeApi, type KubeVersion } from '../kube-api.ts';
import type { Pod } from '../kube-objects.ts';
import { detectCapabilities } from './capabilities.ts';
import { mapWarningEvents } from './events.ts';
import { indexNodeUsage, mapNode } from './nodes.ts';
import { createPodCounter, indexOwners, indexPodUsage, mapPod } from './pods.ts';
import { clampText, type TimestampReader } from './text.ts';

export interface SnapshotOptions {
  agentVersion: string;
  /** The agent's namespace (where its Deployment and key Secret live). */
  namespace: string;
  /** Pods sent at most; the rest are counted in podsTotal and flagged with podsTruncated. */
  maxPods: number;
  nowUnix: number;
  /** Reads pod timestamps; the heartbeat loop passes one that remembers them between beats. */
  toUnix?: TimestampReader;
  /** Called for degraded-but-not-fatal reads (e.g. Jobs forbidden), so the loop can log them. */
  onDegraded?: (what: string, error: unknown) => void;
}

/** Recognises the distribution from the API server's version string ("v1.31.4+k3s1" → "k3s"). */
export function detectDistribution(gitVersion: string): string {
  if (/\+k3s/.test(gitVersion)) return 'k3s';
  if (/\+rke2/.test(gitVersion)) return 'rke2';
  if (/\+k0s/.test(gitVersion)) return 'k0s';
  if (/-eks-/.test(gitVersion)) return 'eks';
  if (/-gke\./.test(gitVersion)) return 'gke';
  return 'kubernetes';
}

/** The fields of a heartbeat that say who sends it and against what (both the view and the re-list path). */
export function describeAgent(
  options: SnapshotOptions,
  version: KubeVersion,
): Pick<HeartbeatV2, 'agentVersion' | 'protocol' | 'k8sVersion' | 'distribution' | 'platform'> {
  return {
    agentVersion: options.agentVersion,
    protocol: PROTOCOL,
    k8sVersion: clampText(version.gitVersion, LIMITS.version),
    distribution: detectDistribution(version.gitVersion),
    platform: clampText(version.platform, LIMITS.word),
  };
}

/** Pods that need attention sort first, so a truncated list still shows what is broken. */
function needsAttention(pod: PodDetail): boolean {
  if (pod.status === 'Completed') return false;
  const [ready, total] = pod.ready.split('/');
  return pod.status !== 'Running' || ready !== total;
}

/** Keeps at most `max` pods: those needing attention first, then by namespace/name for a stable list. */
export function truncatePods(pods: PodDetail[], max: number): PodDetail[] {
  if (pods.length <= max) return pods;
  const sorted = [...pods].sort((a, b) => {
    const attention = Number(needsAttention(b)) - Number(needsAttention(a));
    if (attention !== 0) return attention;
    return a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace);
  });
  return sorted.slice(0, max);
}

/**
 * Reads nodes, pods, owners, metrics, events and capabilities in parallel and maps them.
 * Throws when the nodes or pods can't be read (except pods forbidden, which reports no pods): a
 * partial snapshot would make the control plane delete the inventory it lacks.
 */
export async function collectHeartbeat(kube: KubeApi, options: SnapshotOptions): Promise<HeartbeatV2> {
  const degraded =
    <T>(what: string, fallback: T) =>
    (error: unknown): T => {
      options.onDegraded?.(what, error);
      return fallback;
    };
  // Everything a pod's mapping needs first (owners, usage), then the pods page by page.
  const [version, nodes, events, replicaSets, jobs, podMetrics, nodeMetrics] = await Promise.all([
    kube.getVersion(),
    kube.listNodes(),
    kube.listWarningEvents().catch(degraded('events', [])),
    kube.listReplicaSets().catch(degraded('replicasets', [])),
    kube.listJobs().catch(degraded('jobs', [])),
    kube.listPodMetrics(),
    kube.listNodeMetrics(),
  ]);
  const context = { owners: indexOwners(replicaSets, jobs), usage: podMetrics ? indexPodUsage(podMetrics) : null, toUnix: options.toUnix };

  const mapped: PodDetail[] = [];
  const counter = createPodCounter();
  const podsPerNode = new Map<string, number>();
  const visit = (page: Pod[]): void => {
    for (const pod of page) {
      counter.add(pod);
      const phase = pod.status?.phase;
      const node = pod.spec?.nodeName;
      if (node && phase !== 'Succeeded' && phase !== 'Failed') podsPerNode.set(node, (podsPerNode.get(node) ?? 0) + 1);
      mapped.push(mapPod(pod, context));
    }
  };
  const [capabilities] = await Promise.all([
    detectCapabilities(kube, options.namespace, podMetrics !== null),
    kube.listPods(visit).catch((error: unknown) => {
      if (error instanceof KubeError && error.status === 403) return degraded('pods', undefined)(error);
      throw error;
    }),
  ]);

  const max = Math.max(0, Math.min(options.maxPods, LIMITS.podsPerHeartbeat));
  const sent = truncatePods(mapped, max);
  const nodeUsage = nodeMetrics ? indexNodeUsage(nodeMetrics) : null;

  return {
    ...describeAgent(options, version),
    nodes: nodes.slice(0, LIMITS.nodesPerHeartbeat).map((node) => mapNode(node, nodeUsage?.get(node.metadata.name), podsPerNode.get(node.metadata.name) ?? 0)),
    counts: counter.counts(),
    pods: sent,
    podsTruncated: sent.length < mapped.length,
    podsTotal: mapped.length,
    events: mapWarningEvents(events, options.nowUnix),
    capabilities,
  };
}
