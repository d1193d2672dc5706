// One container as the kubelet runs it: built from its spec (the image as containerd names it, a usage
// baseline from its requests), started, terminated (its log closed with the reason), restarted after the
// kubelet's crash back-off (backoff.ts) or waiting on an image pull, and how its events address it. pods.ts
// moves whole pods with these.
import { type CrashBackOff, nextBackOff, restartAt } from './backoff.ts';
import { type Cluster, containerLogKey } from './cluster-types.ts';
import { recordPeriodicEvent } from './events.ts';
import { profileForImage } from './log-profiles.ts';
import { type ContainerModel, type ContainerRole, type ContainerState, iso, type JsonObject, parseQuantity, type PodModel } from './objects.ts';
import { createRandom, hashString, randomHex } from './random.ts';

const MI = 1024 * 1024;

/** "nginx:1.27" → "docker.io/library/nginx:1.27", the way containerd reports image names. */
export function normalizeImage(image: string): string {
  let ref = image;
  const first = ref.split('/')[0];
  if (!ref.includes('/')) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const last = ref.split('/').pop() ?? '';
  if (!last.includes(':') && !last.includes('@')) ref += ':latest';
  return ref;
}

function imageDigest(image: string): string {
  const random = createRandom(hashString(image));
  return `${normalizeImage(image).replace(/:[^:/]+$/, '')}@sha256:${randomHex(random, 64)}`;
}

/** Go's duration format for back-off messages: 10s, 1m20s, 5m0s. */
function goDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** A container of a new pod, not yet started: its image as containerd names it, usage around its requests. */
export function buildContainer(cluster: Cluster, spec: JsonObject, role: ContainerRole): ContainerModel {
  const image = String(spec.image ?? 'busybox');
  const resources = (spec.resources ?? {}) as { requests?: JsonObject; limits?: JsonObject };
  const cpuRequest = parseQuantity(resources.requests?.cpu, true);
  const memRequest = parseQuantity(resources.requests?.memory, false);
  const memLimit = parseQuantity(resources.limits?.memory, false);
  const random = cluster.random;
  const cpuBase = cpuRequest ? cpuRequest * (0.1 + random.next() * 0.8) : 1 + random.next() * 40;
  const memBase = memRequest ? memRequest * (0.4 + random.next() * 0.6) : (8 + random.next() * 180) * MI;
  return {
    name: String(spec.name),
    role,
    image: normalizeImage(image),
    state: { waiting: { reason: 'ContainerCreating' } },
    lastState: null,
    restartCount: 0,
    backOff: null,
    ready: false,
    started: false,
    containerId: `containerd://${randomHex(random, 64)}`,
    imageId: imageDigest(image),
    profile: profileForImage(image),
    cpuMilli: cpuBase,
    memBytes: memBase,
    cpuBaseMilli: cpuBase,
    memBaseBytes: memLimit ? Math.min(memBase, memLimit * 0.9) : memBase,
    memLimitBytes: memLimit,
  };
}

export function involvedPod(
  pod: PodModel,
  container?: ContainerModel,
): { kind: string; namespace: string; name: string; uid: string; apiVersion: string; fieldPath?: string } {
  const list = container?.role === 'app' ? 'containers' : 'initContainers';
  return {
    kind: 'Pod',
    namespace: pod.namespace,
    name: pod.name,
    uid: pod.uid,
    apiVersion: 'v1',
    ...(container ? { fieldPath: `spec.${list}{${container.name}}` } : {}),
  };
}

export function logKey(pod: PodModel, container: ContainerModel): string {
  return containerLogKey(pod.namespace, pod.name, container.name);
}

/** `containerId`: the new instance's id; drawn from the cluster's stream when not given. */
export function startContainer(cluster: Cluster, pod: PodModel, c: ContainerModel, at: number, containerId?: string): void {
  c.state = { running: { startedAt: iso(at) } };
  c.started = true;
  c.ready = true;
  c.containerId = containerId ?? `containerd://${randomHex(cluster.random, 64)}`;
  cluster.logs.start(logKey(pod, c), at);
}

export function terminateContainer(
  cluster: Cluster,
  pod: PodModel,
  c: ContainerModel,
  startedAt: number,
  finishedAt: number,
  exitCode: number,
  reason: string,
): ContainerState {
  const state: ContainerState = { terminated: { containerID: c.containerId, exitCode, finishedAt: iso(finishedAt), reason, startedAt: iso(startedAt) } };
  cluster.logs.finish(logKey(pod, c), finishedAt, reason === 'Completed' ? 'complete' : reason === 'OOMKilled' ? 'oom' : 'error');
  return state;
}

/** Waiting out the back-off: the message names the delay as the kubelet's does ("back-off 40s restarting …"). */
function crashLoopWaiting(pod: PodModel, c: ContainerModel, backOff: CrashBackOff): ContainerState {
  return {
    waiting: {
      message: `back-off ${goDuration(Math.round(backOff.delayMs / 1000))} restarting failed container=${c.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      reason: 'CrashLoopBackOff',
    },
  };
}

export function imagePullWaiting(c: ContainerModel, backOff: boolean): ContainerState {
  const image = c.image.replace(/^docker\.io\/(library\/)?/, '');
  return backOff
    ? { waiting: { message: `Back-off pulling image "${image}"`, reason: 'ImagePullBackOff' } }
    : {
        waiting: {
          message: `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": ${c.image}: not found`,
          reason: 'ErrImagePull',
        },
      };
}

/**
 * The container exits at `at` (an error, or the OOM killer) and returns when the kubelet starts it again. Until
 * then it shows as terminated when the restart is immediate, or as waiting in CrashLoopBackOff (with a BackOff
 * event, unless `quiet`: a seeded past) when its back-off holds it.
 */
export function crashContainer(cluster: Cluster, pod: PodModel, c: ContainerModel, at: number, reason: 'Error' | 'OOMKilled', quiet = false): number {
  const running = 'running' in c.state ? Date.parse(c.state.running.startedAt) : at - 5000;
  const ended = terminateContainer(cluster, pod, c, running, at, reason === 'OOMKilled' ? 137 : 1, reason);
  c.ready = false;
  c.started = false;
  const restart = restartAt(c.backOff, at);
  if (c.backOff === null || restart === at) {
    c.state = ended;
    return restart;
  }
  c.lastState = ended;
  c.state = crashLoopWaiting(pod, c, c.backOff);
  if (!quiet) noteBackOff(cluster, pod, c, at);
  return restart;
}

/** How often the kubelet's pod worker retries a pod whose container is held by its back-off (workerBackOffPeriod). */
const KUBELET_RETRY_MS = 10_000;

/** The kubelet retried a container held by its back-off and said so: a BackOff event, at most one per retry period. */
export function noteBackOff(cluster: Cluster, pod: PodModel, c: ContainerModel, at: number): void {
  const message = `Back-off restarting failed container ${c.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`;
  recordPeriodicEvent(
    cluster,
    { type: 'Warning', reason: 'BackOff', message, involved: involvedPod(pod, c), component: 'kubelet', host: pod.nodeName ?? undefined },
    at,
    KUBELET_RETRY_MS,
  );
}

/** The kubelet starts an exited container again at `at`: the restart count climbs and the back-off moves on. */
export function restartContainer(cluster: Cluster, pod: PodModel, c: ContainerModel, at: number, containerId: string): void {
  const ended = 'terminated' in c.state ? c.state : c.lastState;
  const exitedAt = ended && 'terminated' in ended ? Date.parse(ended.terminated.finishedAt) : at;
  if (ended) c.lastState = ended;
  c.restartCount += 1;
  c.backOff = nextBackOff(c.backOff, exitedAt, at);
  startContainer(cluster, pod, c, at, containerId);
}
