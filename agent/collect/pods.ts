// Pods → contract PodDetail, as pure functions.
import type { ContainerDetail, Labels, PodCounts, PodDetail } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { Container, ContainerStatus, Pod, PodMetrics } from '../kube-objects.ts';
import { parseBytes, parseCpuMilli } from '../quantity.ts';
import { buildOwnerIndex, type OwnerIndex, type OwnerLookup, resolveOwnerChain } from './owners.ts';
import { computePodColumns, isSidecar } from './pod-status.ts';
import { computePodResources, readContainerResources, type PodResources } from './resources.ts';
import { clampText, type TimestampReader, toUnixSeconds } from './text.ts';

export interface Usage {
  cpuMilli: number;
  memBytes: number;
}

export interface PodUsage extends Usage {
  containers: Map<string, Usage>;
}

/** Pod usage keyed by "namespace/name". */
export type PodUsageIndex = Map<string, PodUsage>;

export interface PodContext {
  owners: OwnerLookup;
  /** null when metrics.k8s.io is unavailable: every pod then reports usageAvailable=false. */
  usage: PodUsageIndex | null;
  /** Reads the pod's timestamps; a remembering reader saves re-parsing them every beat (toUnixSeconds when absent). */
  toUnix?: TimestampReader;
}

/** Indexes metrics.k8s.io PodMetrics by namespace/name, summing containers. */
export function indexPodUsage(metrics: PodMetrics[]): PodUsageIndex {
  const index: PodUsageIndex = new Map();
  for (const item of metrics) {
    const containers = new Map<string, Usage>();
    let cpuMilli = 0;
    let memBytes = 0;
    for (const container of item.containers ?? []) {
      const usage = { cpuMilli: parseCpuMilli(container.usage?.cpu), memBytes: parseBytes(container.usage?.memory) };
      containers.set(container.name, usage);
      cpuMilli += usage.cpuMilli;
      memBytes += usage.memBytes;
    }
    index.set(`${item.metadata.namespace}/${item.metadata.name}`, { cpuMilli, memBytes, containers });
  }
  return index;
}

/** Builds the owner index from the ReplicaSets and Jobs of this beat (either list may be empty). */
export function indexOwners(replicaSets: { metadata: Pod['metadata'] }[], jobs: { metadata: Pod['metadata'] }[]): OwnerIndex {
  return buildOwnerIndex('Job', jobs, buildOwnerIndex('ReplicaSet', replicaSets));
}

/** Labels bounded for the wire: keys in sorted order, at most LIMITS.labelsPerPod of them. */
export function boundLabels(labels: Record<string, string> | undefined): Labels {
  const out: Labels = {};
  let kept = 0;
  for (const key of Object.keys(labels ?? {}).sort()) {
    if (kept >= LIMITS.labelsPerPod) break;
    if (key.length === 0 || key.length > LIMITS.labelKey) continue;
    out[key] = clampText(labels![key], LIMITS.labelValue);
    kept++;
  }
  return out;
}

function mapContainer(
  container: Container,
  status: ContainerStatus | undefined,
  kind: ContainerDetail['kind'],
  usage: Usage | undefined,
  resources: PodResources,
  toUnix: TimestampReader,
): ContainerDetail {
  const state = status?.state;
  const current = state?.running ? 'running' : state?.terminated ? 'terminated' : 'waiting';
  const reason = state?.waiting?.reason ?? state?.terminated?.reason;
  const message = state?.waiting?.message ?? state?.terminated?.message;
  const last = status?.lastState?.terminated;
  const detail: ContainerDetail = {
    name: clampText(container.name, LIMITS.name),
    image: clampText(container.image, LIMITS.image),
    kind,
    ready: status?.ready ?? false,
    restarts: status?.restartCount ?? 0,
    state: current,
    hasLivenessProbe: container.livenessProbe != null,
    hasReadinessProbe: container.readinessProbe != null,
    hasStartupProbe: container.startupProbe != null,
    cpuRequestMilli: resources.cpuRequestMilli,
    cpuLimitMilli: resources.cpuLimitMilli,
    memRequestBytes: resources.memRequestBytes,
    memLimitBytes: resources.memLimitBytes,
    privileged: container.securityContext?.privileged === true,
  };
  if (reason) detail.stateReason = clampText(reason, LIMITS.word);
  if (message) detail.stateMessage = clampText(message, LIMITS.message);
  if (state?.terminated) detail.exitCode = state.terminated.exitCode;
  const startedAt = toUnix(state?.running?.startedAt ?? state?.terminated?.startedAt);
  if (startedAt) detail.startedAt = startedAt;
  if (last) {
    if (last.reason) detail.lastTerminationReason = clampText(last.reason, LIMITS.word);
    detail.lastTerminationExitCode = last.exitCode;
    const at = toUnix(last.finishedAt);
    if (at) detail.lastTerminatedAt = at;
  }
  if (usage) {
    detail.cpuUsageMilli = usage.cpuMilli;
    detail.memUsageBytes = usage.memBytes;
  }
  return detail;
}

/** Why the pod isn't progressing, in Kubernetes' words: eviction, scheduling, or a container's message. */
function explainPod(pod: Pod): string {
  if (pod.status?.message) return pod.status.message;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled?.message) return unscheduled.message;
  for (const statuses of [pod.status?.initContainerStatuses, pod.status?.containerStatuses]) {
    for (const status of statuses ?? []) {
      const message = status.state?.waiting?.message ?? status.state?.terminated?.message;
      if (message && status.state?.terminated?.exitCode !== 0) return message;
    }
  }
  return '';
}

/** Maps one pod; usage is joined from the context (zero and usageAvailable=false when absent). */
export function mapPod(pod: Pod, context: PodContext): PodDetail {
  const toUnix = context.toUnix ?? toUnixSeconds;
  const spec = pod.spec ?? { containers: [] };
  const namespace = pod.metadata.namespace ?? '';
  const columns = computePodColumns(pod);
  const usage = context.usage?.get(`${namespace}/${pod.metadata.name}`);
  const statusByName = new Map<string, ContainerStatus>();
  for (const status of pod.status?.initContainerStatuses ?? []) statusByName.set(status.name, status);
  for (const status of pod.status?.containerStatuses ?? []) statusByName.set(status.name, status);
  const initContainers = spec.initContainers ?? [];
  // Each container's quantities are parsed once, for its own detail and for the pod's totals.
  const resourcesOf = new Map<Container, PodResources>();
  const read = (c: Container): PodResources => {
    let amounts = resourcesOf.get(c);
    if (!amounts) resourcesOf.set(c, (amounts = readContainerResources(c)));
    return amounts;
  };
  const containerDetails: ContainerDetail[] = [];
  for (const c of initContainers) {
    containerDetails.push(mapContainer(c, statusByName.get(c.name), isSidecar(c) ? 'sidecar' : 'init', usage?.containers.get(c.name), read(c), toUnix));
  }
  for (const c of spec.containers) {
    containerDetails.push(mapContainer(c, statusByName.get(c.name), 'app', usage?.containers.get(c.name), read(c), toUnix));
  }
  containerDetails.length = Math.min(containerDetails.length, LIMITS.containersPerPod);
  const ownerChain = resolveOwnerChain(namespace, pod.metadata.ownerReferences, context.owners);
  const top = ownerChain[ownerChain.length - 1];
  const message = explainPod(pod);

  const detail: PodDetail = {
    namespace: clampText(namespace, LIMITS.name),
    name: clampText(pod.metadata.name, LIMITS.name),
    phase: clampText(pod.status?.phase ?? 'Unknown', LIMITS.word),
    nodeName: clampText(spec.nodeName, LIMITS.name),
    restarts: columns.restarts,
    ready: `${columns.readyContainers}/${columns.totalContainers}`,
    containers: spec.containers.slice(0, LIMITS.containersPerPod).map((c) => clampText(c.name, LIMITS.name)),
    startedUnix: toUnix(pod.status?.startTime),
    ownerKind: top?.kind ?? '',
    ownerName: top?.name ?? '',
    cpuUsageMilli: usage?.cpuMilli ?? 0,
    memUsageBytes: usage?.memBytes ?? 0,
    ...computePodResources(spec.containers, initContainers, spec.overhead, read),
    status: clampText(columns.status, LIMITS.word),
    createdUnix: toUnix(pod.metadata.creationTimestamp),
    containerDetails,
    // Pod Security Standards: privileged if any container, init container or ephemeral container asks for it.
    privileged: [...initContainers, ...spec.containers, ...(spec.ephemeralContainers ?? [])].some((c) => c.securityContext?.privileged === true),
    imagePullSecrets: (spec.imagePullSecrets ?? [])
      .map((s) => clampText(s.name, LIMITS.name))
      .filter((name) => name !== '')
      .slice(0, LIMITS.imagePullSecretsPerPod),
    podIP: clampText(pod.status?.podIP, 64),
    qosClass: clampText(pod.status?.qosClass, LIMITS.word),
    labels: boundLabels(pod.metadata.labels),
    ownerChain,
    usageAvailable: usage !== undefined,
  };
  if (pod.metadata.uid) detail.uid = clampText(pod.metadata.uid, 64);
  if (message) detail.message = clampText(message, LIMITS.message);
  return detail;
}

/** Whole-cluster aggregates (the protocol-1 numbers), counted over every pod — before any truncation. */
export function createPodCounter(): { add(pod: Pod): void; counts(): PodCounts } {
  const namespaces = new Set<string>();
  let pods = 0;
  let podsRunning = 0;
  let podsFailed = 0;
  return {
    add(pod) {
      pods++;
      namespaces.add(pod.metadata.namespace ?? '');
      if (pod.status?.phase === 'Running') podsRunning++;
      else if (pod.status?.phase === 'Failed') podsFailed++;
    },
    counts: () => ({ pods, podsRunning, podsFailed, namespaces: namespaces.size }),
  };
}

/** The aggregates of a list of pods. */
export function countPods(pods: Pod[]): PodCounts {
  const counter = createPodCounter();
  for (const pod of pods) counter.add(pod);
  return counter.counts();
}
