// The troubled containers' clock: when a crash-looping or OOM-killed container next dies and restarts, on the
// kubelet's back-off (backoff.ts), drawn from each run's own random stream so a seeded past replays the same.
import { BACKOFF_MAX_MS } from './backoff.ts';
import { type Cluster } from './cluster-types.ts';
import { crashContainer, restartContainer } from './containers.ts';
import { type ContainerModel, type PodModel } from './objects.ts';
import { createRandom, hashString, type Random, randomHex } from './random.ts';

/** The container a broken pod's trouble is about: its first app container. */
export function troubled(pod: PodModel): ContainerModel {
  return pod.containers[0];
}

/** `troubleAt` of a pod whose container has nothing coming. */
export const NEVER = Number.MAX_SAFE_INTEGER;

// Each run of a troubled container draws from its own stream (pod, container, restart count), not the cluster's:
// how many runs a seeded past replays depends on the clock, and must not change the rest of the seeded cluster.
function runRandom(pod: PodModel, c: ContainerModel): Random {
  return createRandom(hashString(`${pod.uid}/${c.name}/${c.restartCount}`));
}

/** How long a crash-looping container runs before it fails again: a bad config or a missing secret fails fast. */
export function crashLoopRunMs(pod: PodModel, c: ContainerModel): number {
  return runRandom(pod, c).int(1, 8) * 1000;
}

/** How long an OOM-killed container runs before its leak reaches the memory limit again. */
export function oomRunMs(pod: PodModel, c: ContainerModel): number {
  return runRandom(pod, c).int(2 * 60, 6 * 60) * 60_000;
}

/** How a troubled container's runs end: killed by the kernel's OOM killer (exit 137) or exiting with an error. */
export function crashReason(pod: PodModel): 'OOMKilled' | 'Error' {
  return pod.behaviour === 'oom' || pod.behaviour === 'oomloop' ? 'OOMKilled' : 'Error';
}

/** One crash and restart once the back-off is at its cap (the run taken as its middle value). */
const CAPPED_CYCLE_MS = BACKOFF_MAX_MS + 4500;

/**
 * Every crash and restart of the pod's troubled container due by `now`, each at its own time, so restart counts
 * and times follow the kubelet's back-off however often the cluster ticks. `quiet`: a seeded past (no events).
 */
export function advanceTrouble(cluster: Cluster, pod: PodModel, now: number, quiet: boolean): void {
  const c = troubled(pod);
  while (pod.troubleAt <= now) {
    const at = pod.troubleAt;
    if ('running' in c.state) {
      if (pod.behaviour !== 'crashloop' && pod.behaviour !== 'oom' && pod.behaviour !== 'oomloop') {
        pod.troubleAt = NEVER;
        break;
      }
      pod.troubleAt = crashContainer(cluster, pod, c, at, crashReason(pod), quiet);
      continue;
    }
    // A long past at the back-off cap (a pod seeded days into its crash loop) repeats one cycle: skip whole
    // cycles, counting their restarts, and live only the last ones.
    const skip = 'waiting' in c.state && c.backOff?.delayMs === BACKOFF_MAX_MS ? Math.floor((now - at) / CAPPED_CYCLE_MS) - 1 : 0;
    if (skip > 0) {
      c.restartCount += skip;
      pod.troubleAt = at + skip * CAPPED_CYCLE_MS;
      continue;
    }
    restartContainer(cluster, pod, c, at, `containerd://${randomHex(runRandom(pod, c), 64)}`);
    if (pod.behaviour === 'crashloop' || pod.behaviour === 'oomloop') {
      c.ready = false; // it fails before its first readiness probe passes
      pod.troubleAt = at + crashLoopRunMs(pod, c);
    } else if (pod.behaviour === 'oom') {
      c.memBytes = c.memBaseBytes * 0.6;
      pod.readySince = at + 3000;
      pod.troubleAt = at + oomRunMs(pod, c);
    } else {
      // Healed while it waited: this start stays up.
      pod.readySince = at + 3000;
      pod.troubleAt = NEVER;
    }
  }
}

// Give a freshly built pod its behaviour as if it had been living it for a while (seeded clusters start "mid-story").
