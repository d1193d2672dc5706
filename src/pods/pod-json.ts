// The one pod object of the API: a row of the fleet list and the pod endpoint answer the same fields with
// the same names, units and formats (times ISO 8601, CPU in millicores, memory in bytes, null for what is
// not set or not known); the pod endpoint adds what only one pod needs (containers, labels, owners…).
import type { PodRow } from './vocabulary';
import type { PodDetailJson } from '../inventory/store';
import type { PodUsage } from '../inventory/usage';
import type { ContainerJson, PodDetailResponse, PodJson } from './responses';
import type { MetricsState } from './service';
import type { PodProblem } from './vocabulary';

/** The cluster a pod belongs to, as both endpoints name it. */
export type PodCluster = { id: string; name: string; lastHeartbeatAt: Date | null };

/** Unix seconds → ISO 8601; null for 0 (the agent's "unknown"). */
function isoOf(unix: number | undefined): string | null {
  return unix ? new Date(unix * 1000).toISOString() : null;
}

/** A request or limit: the agent sends 0 for "not set", the API says null. */
export function setOrNull(value: number): number | null {
  return value > 0 ? value : null;
}

type Core = {
  namespace: string;
  name: string;
  status: string;
  phase: string;
  ready: string;
  restarts: number;
  nodeName: string;
  createdUnix: number;
  ownerKind: string;
  ownerName: string;
  images: string[];
  cpuRequestMilli: number;
  cpuLimitMilli: number;
  memRequestBytes: number;
  memLimitBytes: number;
};

function corePod(cluster: PodCluster, p: Core, usage: { cpuMilli: number | null; memBytes: number | null; at: Date | null }, problems: PodProblem[]): PodJson {
  return {
    clusterId: cluster.id,
    clusterName: cluster.name,
    clusterLastHeartbeatAt: cluster.lastHeartbeatAt?.toISOString() ?? null,
    namespace: p.namespace,
    name: p.name,
    status: p.status,
    phase: p.phase,
    ready: p.ready,
    restarts: p.restarts,
    node: p.nodeName || null,
    createdAt: isoOf(p.createdUnix),
    owner: p.ownerKind ? { kind: p.ownerKind, name: p.ownerName } : null,
    images: p.images,
    cpu: { usageMilli: usage.cpuMilli, requestMilli: setOrNull(p.cpuRequestMilli), limitMilli: setOrNull(p.cpuLimitMilli) },
    memory: { usageBytes: usage.memBytes, requestBytes: setOrNull(p.memRequestBytes), limitBytes: setOrNull(p.memLimitBytes) },
    // A sample that holds no number for this pod is no usage: it has no time either.
    usageAt: usage.cpuMilli === null && usage.memBytes === null ? null : (usage.at?.toISOString() ?? null),
    problems,
  };
}

/** A row of the fleet pod index as the list answers it. */
export function podJsonOfRow(cluster: PodCluster, r: PodRow): PodJson {
  return corePod(cluster, r, { cpuMilli: r.cpuMilli, memBytes: r.memBytes, at: r.usageAt }, r.problems);
}

function containerJson(c: PodDetailJson['containerDetails'][number]): ContainerJson {
  const terminated = c.lastTerminationReason || c.lastTerminatedAt || c.lastTerminationExitCode !== undefined;
  return {
    name: c.name,
    kind: c.kind,
    image: c.image,
    ready: c.ready,
    restarts: c.restarts,
    state: c.state,
    reason: c.stateReason ?? null,
    message: c.stateMessage ?? null,
    exitCode: c.exitCode ?? null,
    startedAt: isoOf(c.startedAt),
    lastTermination: terminated
      ? { reason: c.lastTerminationReason ?? null, exitCode: c.lastTerminationExitCode ?? null, at: isoOf(c.lastTerminatedAt) }
      : null,
    probes: { liveness: c.hasLivenessProbe, readiness: c.hasReadinessProbe, startup: c.hasStartupProbe ?? false },
    privileged: c.privileged,
    cpu: { requestMilli: setOrNull(c.cpuRequestMilli), limitMilli: setOrNull(c.cpuLimitMilli) },
    memory: { requestBytes: setOrNull(c.memRequestBytes), limitBytes: setOrNull(c.memLimitBytes) },
  };
}

/**
 * One pod as the pod endpoint answers it: the list's object (usage from the cluster's newest sample)
 * and the rest of what its agent reported.
 */
export function podDetailJson(
  cluster: PodCluster,
  found: { detail: PodDetailJson; firstSeenAt: Date; updatedAt: Date },
  usage: PodUsage | null,
  metrics: MetricsState,
  problems: PodProblem[],
): PodDetailResponse {
  const d = found.detail;
  const images = d.containerDetails.map((c) => c.image);
  return {
    ...corePod(cluster, { ...d, images }, { cpuMilli: usage?.cpuMilli ?? null, memBytes: usage?.memBytes ?? null, at: usage?.at ?? null }, problems),
    uid: d.uid ?? null,
    startedAt: isoOf(d.startedUnix),
    message: d.message ?? null,
    podIP: d.podIP || null,
    qosClass: d.qosClass,
    privileged: d.privileged,
    labels: d.labels,
    ownerChain: d.ownerChain,
    imagePullSecrets: d.imagePullSecrets,
    containers: d.containerDetails.map(containerJson),
    metrics: metrics.available ? { available: true, reason: null } : { available: false, reason: metrics.reason },
    firstSeenAt: found.firstSeenAt.toISOString(),
    updatedAt: found.updatedAt.toISOString(),
  };
}
