// Pod lifecycle: create a pod from a template, give it a behaviour, and move it along on every tick
// (crash loops restart on the kubelet's back-off, image pulls retry, job pods complete, deleted pods go away).
// What happens to each container is in containers.ts; the pod's JSON is rendered by pod-objects.ts.
import { type Cluster, podKey } from './cluster-types.ts';
import { buildContainer, crashContainer, imagePullWaiting, involvedPod, logKey, noteBackOff, startContainer, terminateContainer } from './containers.ts';
import { recordEvent } from './events.ts';
import { iso, type JsonObject, type NodeModel, type PodBehaviour, type PodModel } from './objects.ts';
import { defaultPodSpec, renderPod } from './pod-objects.ts';
import { randomSuffix, randomUid } from './random.ts';
import type { OwnerReference } from './store.ts';
import { NEVER, advanceTrouble, crashLoopRunMs, crashReason, oomRunMs, troubled } from './pod-trouble.ts';

export type NewPod = {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  owner: OwnerReference | null;
  /** The pod template's spec (containers, initContainers, resources ...). */
  template: JsonObject;
  behaviour: PodBehaviour;
  createdAt: number;
  /** Pin to a node (DaemonSet pods); otherwise the least loaded Ready node. */
  nodeName?: string;
};

function pickNode(cluster: Cluster): NodeModel | null {
  const counts = new Map<string, number>();
  for (const pod of cluster.pods.values()) if (pod.nodeName) counts.set(pod.nodeName, (counts.get(pod.nodeName) ?? 0) + 1);
  let best: NodeModel | null = null;
  for (const node of cluster.nodes) {
    if (!node.ready) continue;
    if (!best || (counts.get(node.name) ?? 0) < (counts.get(best.name) ?? 0)) best = node;
  }
  return best ?? cluster.nodes[0] ?? null;
}

function nextPodIp(cluster: Cluster, node: NodeModel): string {
  const host = cluster.nextIp[node.index] ?? 2;
  cluster.nextIp[node.index] = host >= 254 ? 2 : host + 1;
  return `10.42.${node.index}.${host}`;
}

/** Run every container of a pod to its "up and ready" state at time `at` (init containers complete first). */
function runPod(cluster: Cluster, pod: PodModel, at: number): void {
  pod.phase = 'Running';
  pod.startedAt ??= at;
  for (const c of pod.initContainers) {
    if (c.role === 'sidecar') startContainer(cluster, pod, c, at + 2000);
    else {
      startContainer(cluster, pod, c, at + 1000);
      c.state = terminateContainer(cluster, pod, c, at + 1000, at + 3000, 0, 'Completed');
      c.ready = false;
      c.started = false;
    }
  }
  for (const c of pod.containers) startContainer(cluster, pod, c, at + 4000);
  pod.readySince = at + 6000;
}

function applyBehaviour(cluster: Cluster, pod: PodModel, now: number): void {
  const random = cluster.random;
  const age = now - pod.createdAt;
  switch (pod.behaviour) {
    case 'creating':
      pod.phase = 'Pending';
      pod.startedAt = now;
      for (const c of pod.initContainers) c.state = { waiting: { reason: 'PodInitializing' } };
      for (const c of pod.containers) c.state = { waiting: { reason: pod.initContainers.length > 0 ? 'PodInitializing' : 'ContainerCreating' } };
      pod.nextActionTick = cluster.tickCount + 1;
      return;
    case 'mountfail':
      // Scheduled, but the kubelet cannot set up a volume: no sandbox, containers never created.
      pod.phase = 'Pending';
      pod.startedAt = now;
      pod.podIP = null;
      for (const c of [...pod.initContainers, ...pod.containers])
        c.state = { waiting: { reason: pod.initContainers.length > 0 ? 'PodInitializing' : 'ContainerCreating' } };
      return;
    case 'pending': {
      const n = cluster.nodes.length;
      pod.phase = 'Pending';
      pod.nodeName = null;
      pod.hostIP = null;
      pod.podIP = null;
      pod.message = `0/${n} nodes are available: ${n} Insufficient cpu. preemption: 0/${n} nodes are available: ${n} No preemption victims found for incoming pod.`;
      return;
    }
    case 'imagepull': {
      // Everything else in the pod starts; the troubled container never did, so it has no log at all.
      runPod(cluster, pod, pod.createdAt);
      pod.phase = 'Pending';
      const c = troubled(pod);
      cluster.logs.remove(logKey(pod, c));
      cluster.logs.register(logKey(pod, c), c.profile);
      c.state = imagePullWaiting(c, true);
      c.ready = false;
      c.started = false;
      pod.readySince = pod.createdAt + 1000;
      pod.nextActionTick = cluster.tickCount + random.int(1, 3);
      return;
    }
    case 'evicted':
      runPod(cluster, pod, pod.createdAt);
      for (const c of [...pod.initContainers, ...pod.containers]) cluster.logs.finish(logKey(pod, c), now - age / 3, 'error');
      pod.phase = 'Failed';
      pod.reason = 'Evicted';
      pod.message = `The node was low on resource: memory. Threshold quantity: 100Mi, available: ${random.int(60000, 99000)}Ki. Container ${troubled(pod).name} was using ${random.int(900000, 2000000)}Ki, request is 256Mi, has larger consumption of memory.`;
      pod.readySince = now - Math.floor(age / 3);
      pod.podIP = null;
      return;
    case 'completed':
    case 'failed': {
      const ok = pod.behaviour === 'completed';
      pod.phase = ok ? 'Succeeded' : 'Failed';
      pod.startedAt = pod.createdAt + 1000;
      const start = pod.createdAt + 3000;
      const finished = start + random.int(4, 90) * 1000;
      for (const c of [...pod.initContainers, ...pod.containers]) {
        cluster.logs.start(logKey(pod, c), start);
        c.state = terminateContainer(cluster, pod, c, start, finished, ok ? 0 : 1, ok ? 'Completed' : 'Error');
      }
      pod.readySince = finished + 1000;
      return;
    }
    default:
      break;
  }

  // Everything else runs; some then carry history.
  runPod(cluster, pod, pod.createdAt);
  const c = troubled(pod);
  if (pod.behaviour === 'steady' && age > 2 * 86_400_000 && random.chance(0.08)) {
    // Long-lived pods sometimes restarted once, days ago (a node reboot, a liveness hiccup).
    const finished = now - random.int(1, Math.floor(age / 3_600_000)) * 3_600_000;
    c.lastState = {
      terminated: { containerID: c.containerId, exitCode: 255, finishedAt: iso(finished), reason: 'Unknown', startedAt: iso(pod.createdAt + 4000) },
    };
    c.restartCount = 1;
    c.state = { running: { startedAt: iso(finished + 5000) } };
  }
  if (pod.behaviour === 'crashloop' || pod.behaviour === 'oom' || pod.behaviour === 'oomloop') {
    // The pod has been living its trouble since it started: replay that past on the kubelet's schedule.
    if (pod.behaviour !== 'crashloop' && c.memLimitBytes) c.memBaseBytes = c.memLimitBytes * 0.85;
    const started = 'running' in c.state ? Date.parse(c.state.running.startedAt) : pod.createdAt;
    pod.troubleAt = started + (pod.behaviour === 'oom' ? oomRunMs(pod, c) : crashLoopRunMs(pod, c));
    advanceTrouble(cluster, pod, now, true);
    if (pod.behaviour !== 'oom') {
      // Caught mid-loop, a container spends all but a few seconds of each 5 min waiting: one met in its brief
      // run (1–8 s) is shown as having just failed, so a seeded cluster always has its crash loop to look at.
      if ('running' in c.state && c.restartCount > 0) pod.troubleAt = crashContainer(cluster, pod, c, now, crashReason(pod), true);
      pod.readySince = pod.createdAt + 6000;
    }
  }
  if (pod.behaviour === 'unready') {
    // Up, but its readiness probe never passes (a dependency it checks is down): running, not ready.
    c.ready = false;
    pod.readySince = now;
  }
  if (pod.behaviour === 'stuck') {
    pod.deletedAt = now - random.int(10, 50) * 60_000;
    pod.finalizers = ['example.com/drain-connections'];
  }
  if (pod.behaviour === 'running-job') pod.nextActionTick = cluster.tickCount + 1;
}

export function createPod(cluster: Cluster, input: NewPod, now: number = Date.now()): PodModel {
  const random = cluster.random;
  const node = input.behaviour === 'pending' ? null : input.nodeName ? (cluster.nodes.find((n) => n.name === input.nodeName) ?? null) : pickNode(cluster);
  const spec = defaultPodSpec(input.template, node?.name ?? null, randomSuffix(random, 5));
  const initSpecs = (spec.initContainers as JsonObject[] | undefined) ?? [];
  const pod: PodModel = {
    namespace: input.namespace,
    name: input.name,
    uid: randomUid(random),
    labels: input.labels,
    annotations: input.annotations ?? {},
    owner: input.owner,
    spec,
    nodeName: node?.name ?? null,
    hostIP: node?.internalIp ?? null,
    podIP: node ? (spec.hostNetwork ? node.internalIp : nextPodIp(cluster, node)) : null,
    createdAt: input.createdAt,
    startedAt: null,
    phase: 'Pending',
    reason: null,
    message: null,
    behaviour: input.behaviour,
    deletedAt: null,
    finalizers: [],
    containers: [],
    initContainers: [],
    nextActionTick: Number.MAX_SAFE_INTEGER,
    troubleAt: NEVER,
    readySince: input.createdAt,
  };
  pod.initContainers = initSpecs.map((c) => buildContainer(cluster, c, c.restartPolicy === 'Always' ? 'sidecar' : 'init'));
  pod.containers = ((spec.containers as JsonObject[]) ?? []).map((c) => buildContainer(cluster, c, 'app'));
  for (const c of [...pod.initContainers, ...pod.containers]) cluster.logs.register(logKey(pod, c), c.profile);
  applyBehaviour(cluster, pod, now);
  cluster.pods.set(podKey(pod.namespace, pod.name), pod);
  cluster.store.put('pods', renderPod(pod));
  if (pod.behaviour === 'creating' && node) {
    recordEvent(
      cluster,
      {
        type: 'Normal',
        reason: 'Scheduled',
        message: `Successfully assigned ${pod.namespace}/${pod.name} to ${node.name}`,
        involved: involvedPod(pod),
        component: 'default-scheduler',
      },
      now,
    );
  }
  return pod;
}

export function savePod(cluster: Cluster, pod: PodModel): void {
  if (!cluster.pods.has(podKey(pod.namespace, pod.name))) return;
  cluster.store.put('pods', renderPod(pod));
}

/** Graceful deletion: the pod shows Terminating until the next tick removes it. */
export function beginPodDeletion(cluster: Cluster, pod: PodModel, now: number): void {
  if (pod.deletedAt !== null) return;
  pod.deletedAt = now;
  if (pod.behaviour !== 'stuck') pod.behaviour = 'terminating';
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed' || pod.phase === 'Pending') {
    cluster.store.remove('pods', pod.namespace, pod.name);
    return;
  }
  for (const c of pod.containers) {
    if (c.ready)
      recordEvent(
        cluster,
        {
          type: 'Normal',
          reason: 'Killing',
          message: `Stopping container ${c.name}`,
          involved: involvedPod(pod, c),
          component: 'kubelet',
          host: pod.nodeName ?? undefined,
        },
        now,
      );
  }
  savePod(cluster, pod);
}

/** Drop a deleted pod's model and logs (called when the store deletes it, directly or by cascade). */
export function forgetPod(cluster: Cluster, namespace: string, name: string): void {
  const pod = cluster.pods.get(podKey(namespace, name));
  if (!pod) return;
  cluster.pods.delete(podKey(namespace, name));
  for (const c of [...pod.initContainers, ...pod.containers]) cluster.logs.remove(logKey(pod, c));
}

/**
 * Turn a running pod into a crash-looping one (tests: "make a pod crash"): its container exits now, the kubelet
 * starts it again at the next tick (a first restart is immediate), and from then on it fails seconds after each
 * start, restarted on the back-off.
 */
export function makePodCrash(cluster: Cluster, pod: PodModel, now: number): void {
  const c = troubled(pod);
  if (!('running' in c.state)) return;
  pod.behaviour = 'crashloop';
  pod.troubleAt = crashContainer(cluster, pod, c, now, 'Error');
  savePod(cluster, pod);
}

/** A crash loop's cause went away (a dependency is back): the container stays up from its next start on. */
export function healPod(cluster: Cluster, pod: PodModel): void {
  if (pod.behaviour !== 'crashloop' && pod.behaviour !== 'oomloop') return;
  pod.behaviour = 'steady';
  if ('running' in troubled(pod).state) pod.troubleAt = NEVER;
  savePod(cluster, pod);
}

/** One tick of a pod's life; returns false when the pod was removed. */
export function advancePod(cluster: Cluster, pod: PodModel, now: number): boolean {
  const random = cluster.random;
  const host = pod.nodeName ?? undefined;
  if (pod.behaviour === 'terminating') {
    cluster.store.remove('pods', pod.namespace, pod.name);
    return false;
  }
  if (pod.behaviour === 'pending') {
    if (cluster.tickCount % 3 === 0) {
      recordEvent(
        cluster,
        {
          type: 'Warning',
          reason: 'FailedScheduling',
          message: pod.message ?? 'no nodes available',
          involved: involvedPod(pod),
          component: 'default-scheduler',
        },
        now,
      );
    }
    return true;
  }
  if (pod.troubleAt <= now) {
    advanceTrouble(cluster, pod, now, false);
    savePod(cluster, pod);
  }
  const held = troubled(pod);
  if (held && 'waiting' in held.state && held.state.waiting.reason === 'CrashLoopBackOff') noteBackOff(cluster, pod, held, now);
  if (pod.behaviour === 'unready' && cluster.tickCount % 3 === 0) failReadiness(cluster, pod, now);
  if (pod.behaviour === 'mountfail' && cluster.tickCount % 3 === 0) failMount(cluster, pod, now);
  if (cluster.tickCount < pod.nextActionTick) return true;
  const c = troubled(pod);
  switch (pod.behaviour) {
    case 'creating':
      pod.behaviour = 'steady';
      runPod(cluster, pod, now - 6000);
      for (const container of pod.containers) {
        const involved = involvedPod(pod, container);
        recordEvent(
          cluster,
          {
            type: 'Normal',
            reason: 'Pulled',
            message: `Container image "${container.image.replace(/^docker\.io\/(library\/)?/, '')}" already present on machine`,
            involved,
            component: 'kubelet',
            host,
          },
          now,
        );
        recordEvent(cluster, { type: 'Normal', reason: 'Created', message: `Created container ${container.name}`, involved, component: 'kubelet', host }, now);
        recordEvent(cluster, { type: 'Normal', reason: 'Started', message: `Started container ${container.name}`, involved, component: 'kubelet', host }, now);
      }
      pod.nextActionTick = Number.MAX_SAFE_INTEGER;
      break;
    case 'imagepull': {
      const backOff = 'waiting' in c.state && c.state.waiting.reason === 'ErrImagePull';
      c.state = imagePullWaiting(c, backOff);
      const involved = involvedPod(pod, c);
      if (!backOff) {
        recordEvent(
          cluster,
          {
            type: 'Warning',
            reason: 'Failed',
            message: `Failed to pull image "${c.image}": ${(c.state as { waiting: { message?: string } }).waiting.message}`,
            involved,
            component: 'kubelet',
            host,
          },
          now,
        );
        recordEvent(cluster, { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', involved, component: 'kubelet', host }, now);
      } else {
        recordEvent(cluster, { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${c.image}"`, involved, component: 'kubelet', host }, now);
        recordEvent(cluster, { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', involved, component: 'kubelet', host }, now);
      }
      pod.nextActionTick = cluster.tickCount + random.int(2, 4);
      break;
    }
    case 'running-job':
      pod.behaviour = 'completed';
      pod.phase = 'Succeeded';
      for (const container of pod.containers) {
        const started = 'running' in container.state ? Date.parse(container.state.running.startedAt) : now - 5000;
        container.state = terminateContainer(cluster, pod, container, started, now, 0, 'Completed');
        container.ready = false;
        container.started = false;
      }
      pod.readySince = now;
      pod.nextActionTick = Number.MAX_SAFE_INTEGER;
      break;
    default:
      return true;
  }
  savePod(cluster, pod);
  return true;
}

/** A readiness probe flaps: the kubelet records Unhealthy (the pod stays Ready; it is a blip). */
export function flapProbe(cluster: Cluster, pod: PodModel, now: number): void {
  failReadiness(cluster, pod, now);
}

/** The kubelet's FailedMount warning for the first Secret volume of a pod stuck in ContainerCreating. */
function failMount(cluster: Cluster, pod: PodModel, now: number): void {
  const volume = ((pod.spec.volumes as JsonObject[] | undefined) ?? []).find((v) => v.secret);
  if (!volume) return;
  const secret = (volume.secret as { secretName?: string }).secretName ?? '';
  recordEvent(
    cluster,
    {
      type: 'Warning',
      reason: 'FailedMount',
      message: `MountVolume.SetUp failed for volume "${String(volume.name)}" : secret "${secret}" not found`,
      involved: involvedPod(pod),
      component: 'kubelet',
      host: pod.nodeName ?? undefined,
    },
    now,
  );
}

/** The kubelet's Unhealthy warning for a failed readiness probe of the pod's first container. */
function failReadiness(cluster: Cluster, pod: PodModel, now: number): void {
  const c = pod.containers[0];
  if (!c || !('running' in c.state)) return;
  const port = ((pod.spec.containers as JsonObject[])[0]?.ports as { containerPort?: number }[] | undefined)?.[0]?.containerPort ?? 8080;
  recordEvent(
    cluster,
    {
      type: 'Warning',
      reason: 'Unhealthy',
      message: `Readiness probe failed: Get "http://${pod.podIP}:${port}/readyz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      involved: involvedPod(pod, c),
      component: 'kubelet',
      host: pod.nodeName ?? undefined,
    },
    now,
  );
}

export function isPodReady(pod: PodModel): boolean {
  return (
    pod.phase === 'Running' && pod.deletedAt === null && [...pod.containers, ...pod.initContainers.filter((c) => c.role === 'sidecar')].every((c) => c.ready)
  );
}
