// Workload statuses as their controllers report them, recomputed from the pods on every tick and after a write:
// replica counts, Available/Progressing conditions, Job completion and failure, a CronJob's active and last runs.
import type { Cluster } from './cluster-types.ts';
import { iso, type JsonObject, type PodModel } from './objects.ts';
import { isPodReady } from './pods.ts';
import type { KubeObject } from './store.ts';
import { specOf, templateHash, templateOf } from './workload-objects.ts';
import { isActive } from './workloads.ts';
import { refreshPdbStatuses } from './pdbs.ts';

/** Pods by controller uid, built once per pass. */
function indexPodsByOwner(cluster: Cluster): Map<string, PodModel[]> {
  const index = new Map<string, PodModel[]>();
  for (const pod of cluster.pods.values()) {
    if (!pod.owner) continue;
    let list = index.get(pod.owner.uid);
    if (!list) index.set(pod.owner.uid, (list = []));
    list.push(pod);
  }
  return index;
}

function condition(type: string, status: boolean, at: string, reason?: string, message?: string): JsonObject {
  return {
    lastTransitionTime: at,
    lastUpdateTime: at,
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    status: status ? 'True' : 'False',
    type,
  };
}

function computeStatus(cluster: Cluster, object: KubeObject, byOwner: Map<string, PodModel[]>, now: number): JsonObject | null {
  const spec = specOf(object);
  const generation = object.metadata.generation ?? 1;
  const pods = (byOwner.get(object.metadata.uid) ?? []).filter(isActive);
  const ready = pods.filter(isPodReady).length;
  const previous = (object.status ?? {}) as JsonObject;
  const since = (type: string, status: string): string => {
    const found = ((previous.conditions as JsonObject[] | undefined) ?? []).find((c) => c.type === type && c.status === status);
    return String(found?.lastTransitionTime ?? iso(now));
  };
  switch (object.kind) {
    case 'ReplicaSet':
      return { availableReplicas: ready, fullyLabeledReplicas: pods.length, observedGeneration: generation, readyReplicas: ready, replicas: pods.length };
    case 'Deployment': {
      const ns = object.metadata.namespace;
      const sets = cluster.store.list('apps/replicasets', ns).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === object.metadata.uid);
      const currentName = `${object.metadata.name}-${templateHash(templateOf(object))}`;
      const all = sets.flatMap((rs) => (byOwner.get(rs.metadata.uid) ?? []).filter(isActive));
      const updated = sets.filter((rs) => rs.metadata.name === currentName).flatMap((rs) => (byOwner.get(rs.metadata.uid) ?? []).filter(isActive));
      const readyAll = all.filter(isPodReady).length;
      const desired = Number(spec.replicas ?? 1);
      const available = readyAll >= desired - Math.floor(desired / 4);
      const complete = updated.length === desired && all.length === desired && readyAll === desired;
      return {
        availableReplicas: readyAll,
        conditions: [
          condition(
            'Available',
            available,
            since('Available', available ? 'True' : 'False'),
            available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
            available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
          ),
          condition(
            'Progressing',
            true,
            since('Progressing', 'True'),
            complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
            complete ? `ReplicaSet "${currentName}" has successfully progressed.` : `ReplicaSet "${currentName}" is progressing.`,
          ),
        ],
        observedGeneration: generation,
        readyReplicas: readyAll,
        replicas: all.length,
        ...(all.length - readyAll > 0 ? { unavailableReplicas: Math.max(0, desired - readyAll) } : {}),
        updatedReplicas: updated.length,
      };
    }
    case 'StatefulSet': {
      const revision = `${object.metadata.name}-${templateHash(templateOf(object)).slice(0, 10)}`;
      return {
        availableReplicas: ready,
        collisionCount: 0,
        currentReplicas: pods.length,
        currentRevision: revision,
        observedGeneration: generation,
        readyReplicas: ready,
        replicas: pods.length,
        updateRevision: revision,
        updatedReplicas: pods.length,
      };
    }
    case 'DaemonSet': {
      const desired = cluster.nodes.length;
      return {
        currentNumberScheduled: pods.length,
        desiredNumberScheduled: desired,
        numberAvailable: ready,
        numberMisscheduled: 0,
        numberReady: ready,
        observedGeneration: generation,
        updatedNumberScheduled: pods.length,
        ...(desired - ready > 0 ? { numberUnavailable: desired - ready } : {}),
      };
    }
    case 'Job': {
      const all = byOwner.get(object.metadata.uid) ?? [];
      const succeeded = all.filter((p) => p.phase === 'Succeeded').length;
      const failed = all.filter((p) => p.phase === 'Failed').length;
      const active = all.filter(isActive).length;
      const start = all.length > 0 ? iso(Math.min(...all.map((p) => p.createdAt))) : object.metadata.creationTimestamp;
      const base = {
        ...(active > 0 ? { active } : {}),
        ...(failed > 0 ? { failed } : {}),
        ready: all.filter(isPodReady).length,
        startTime: start,
        ...(succeeded > 0 ? { succeeded } : {}),
        terminating: 0,
        uncountedTerminatedPods: {},
      };
      if (succeeded >= Number(spec.completions ?? 1)) {
        const done = iso(Math.max(...all.filter((p) => p.phase === 'Succeeded').map((p) => p.readySince)));
        return {
          ...base,
          completionTime: done,
          conditions: [
            condition('SuccessCriteriaMet', true, done, 'CompletionsReached', 'Reached expected number of succeeded pods'),
            condition('Complete', true, done, 'CompletionsReached', 'Reached expected number of succeeded pods'),
          ],
        };
      }
      if (active === 0 && succeeded === 0 && failed > Number(spec.backoffLimit ?? 6)) {
        const done = iso(Math.max(...all.map((p) => p.readySince)));
        return {
          ...base,
          conditions: [
            condition('FailureTarget', true, done, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
            condition('Failed', true, done, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
          ],
        };
      }
      return base;
    }
    case 'CronJob': {
      const jobs = cluster.store.list('batch/jobs', object.metadata.namespace).filter((j) => j.metadata.ownerReferences?.[0]?.uid === object.metadata.uid);
      const activeJobs = jobs.filter((j) => !(j.status as JsonObject | undefined)?.conditions);
      const done = jobs
        .map((j) => (j.status as JsonObject | undefined)?.completionTime)
        .filter((t): t is string => typeof t === 'string')
        .sort();
      const scheduled = jobs.map((j) => j.metadata.creationTimestamp).sort();
      return {
        ...(activeJobs.length > 0
          ? {
              active: activeJobs.map((j) => ({
                apiVersion: 'batch/v1',
                kind: 'Job',
                name: j.metadata.name,
                namespace: j.metadata.namespace,
                resourceVersion: j.metadata.resourceVersion,
                uid: j.metadata.uid,
              })),
            }
          : {}),
        ...(scheduled.length > 0
          ? { lastScheduleTime: scheduled[scheduled.length - 1] }
          : previous.lastScheduleTime
            ? { lastScheduleTime: previous.lastScheduleTime }
            : {}),
        ...(done.length > 0 ? { lastSuccessfulTime: done[done.length - 1] } : {}),
      };
    }
    default:
      return null;
  }
}

/** Recompute workload statuses from their pods; only objects whose status changed get a new resourceVersion. */
export function refreshStatuses(cluster: Cluster, now: number): void {
  const byOwner = indexPodsByOwner(cluster);
  // Order matters: Jobs before CronJobs (which read Job status), ReplicaSets before Deployments.
  for (const key of ['apps/replicasets', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs']) {
    for (const object of cluster.store.list(key)) {
      const status = computeStatus(cluster, object, byOwner, now);
      if (!status || JSON.stringify(status) === JSON.stringify(object.status ?? {})) continue;
      object.status = status;
      cluster.store.touch(key, object);
    }
  }
  refreshPdbStatuses(cluster);
}
