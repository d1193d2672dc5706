// Health of one deployment on one cluster, as Argo CD reads it, from what the cluster's last heartbeat
// said about the deployment's workloads. Pure: the caller loads the stored workloads and the cluster's
// status; time is a parameter.
import type { ClusterStatus } from '../clusters/vocabulary';
import type { StoredWorkload, WorkloadRef } from '../inventory/workloads';

/**
 * Healthy: every workload has its desired replicas available on the current template.
 * Progressing: a rollout is under way (the controller has not observed the change, or pods are being
 * replaced or started) and has not yet run out of time.
 * Degraded: pods have not been ready for longer than the progress deadline.
 * Missing: a workload of the applied revision is not on the cluster.
 * Unknown: the cluster is not heartbeating, so nothing it last said can be trusted as current.
 */
export const HEALTH_STATES = ['Healthy', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;
export type Health = (typeof HEALTH_STATES)[number];

/** Argo CD's order, best first: a deployment is as healthy as its worst workload. */
const ORDER: Record<Health, number> = { Healthy: 0, Progressing: 1, Missing: 2, Degraded: 3, Unknown: 4 };

/** What Kubernetes calls progressDeadlineSeconds by default: a rollout stuck this long is Degraded. */
export const DEFAULT_PROGRESS_DEADLINE_MS = 600_000;

/** Kinds whose replica counts the heartbeat carries; other objects (Services, ConfigMaps) have no health of their own. */
export const WORKLOAD_KINDS: readonly WorkloadRef['kind'][] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** An object of a revision, as far as health reads it. */
export type ObjectKey = { kind: string; namespace: string; name: string };

function isWorkload(o: ObjectKey): o is WorkloadRef {
  return (WORKLOAD_KINDS as readonly string[]).includes(o.kind);
}

export type WorkloadHealth = { ref: WorkloadRef; health: Health; message: string };

export type DeploymentHealth = {
  health: Health;
  /** The worst workload's message (or why the whole cluster is Unknown); '' when Healthy. */
  message: string;
  workloads: WorkloadHealth[];
};

/** Statuses of a cluster whose agent is not heartbeating (or never did). */
const SILENT: readonly ClusterStatus[] = ['pending', 'unknown', 'offline'];

export function isWorse(a: Health, b: Health): boolean {
  return ORDER[a] > ORDER[b];
}

/** One workload's health from its stored counts. */
export function workloadHealth(ref: WorkloadRef, w: StoredWorkload | undefined, now: Date, deadlineMs: number): WorkloadHealth {
  const at = (health: Health, message: string): WorkloadHealth => ({ ref, health, message });
  const label = `${ref.kind} ${ref.namespace}/${ref.name}`;
  if (!w) return at('Missing', `${label} is not on the cluster`);
  const stuck = w.notReadySince !== null && now.getTime() - w.notReadySince.getTime() >= deadlineMs;
  if (stuck) {
    const minutes = Math.floor((now.getTime() - w.notReadySince!.getTime()) / 60_000);
    return at('Degraded', `${label}: ${w.ready} of ${w.desired} pods ready, not ready for ${minutes} min (deadline ${Math.round(deadlineMs / 60_000)} min)`);
  }
  if (w.progressing) return at('Progressing', `${label}: waiting for the controller to observe the new generation`);
  if (w.updated < w.desired) return at('Progressing', `${label}: ${w.updated} of ${w.desired} pods updated`);
  if (w.available < w.desired || w.ready < w.desired) return at('Progressing', `${label}: ${w.available} of ${w.desired} pods available`);
  return at('Healthy', '');
}

/**
 * The deployment's health on a cluster: Unknown when the cluster is silent; otherwise the worst of its
 * workloads (`expected`, the workload objects of the revision applied there), Healthy when it has none.
 * `workloads` may hold the whole cluster's list: only the expected ones are read.
 */
export function deploymentHealth(input: {
  clusterStatus: ClusterStatus;
  expected: readonly ObjectKey[];
  workloads: readonly StoredWorkload[];
  now: Date;
  deadlineMs?: number;
}): DeploymentHealth {
  const deadlineMs = input.deadlineMs ?? DEFAULT_PROGRESS_DEADLINE_MS;
  const key = (r: ObjectKey): string => `${r.namespace}/${r.kind}/${r.name}`;
  const byKey = new Map(input.workloads.map((w) => [key(w), w]));
  const workloads = input.expected
    .filter(isWorkload)
    .map((r) => workloadHealth({ kind: r.kind, namespace: r.namespace, name: r.name }, byKey.get(key(r)), input.now, deadlineMs));
  if (SILENT.includes(input.clusterStatus)) {
    const why =
      input.clusterStatus === 'pending' ? 'the cluster has not heartbeated yet' : `the cluster is ${input.clusterStatus}; its last report may be stale`;
    return { health: 'Unknown', message: why, workloads };
  }
  let worst: WorkloadHealth | null = null;
  for (const w of workloads) if (!worst || isWorse(w.health, worst.health)) worst = w;
  return { health: worst?.health ?? 'Healthy', message: worst?.message ?? '', workloads };
}
