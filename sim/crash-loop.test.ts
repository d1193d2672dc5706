// The simulated kubelet restarts exited containers on its real back-off, on a simulated clock: at once the first
// time, then after 10 s, 20 s, 40 s … 5 min; forgotten after 10 min of running; an OOM-killed container that ran
// for hours restarts at once; a pod seeded hours into its crash loop carries the restarts that schedule gives.
import { describe, expect, test } from 'bun:test';
import { restartAt, nextBackOff } from './backoff.ts';
import type { Cluster } from './cluster-types.ts';
import { createCluster, tickCluster } from './cluster.ts';
import type { ContainerState, PodBehaviour, PodModel } from './objects.ts';
import { createPod, healPod, makePodCrash } from './pods.ts';

const T0 = Date.parse('2025-01-15T10:00:00Z');
const MIN = 60_000;

function newCluster(): Cluster {
  return createCluster({ name: 'kubelet', nodes: 1, pods: 8, seed: 5, metrics: false, logLinesPerSecond: 0, logRingLines: 50, problems: [] }, T0);
}

function addPod(cluster: Cluster, name: string, behaviour: PodBehaviour, createdAt = T0, now = T0): PodModel {
  const template = { containers: [{ name: 'app', image: 'registry.example.com/shop/app:1.0.0', resources: { limits: { memory: '256Mi' } } }] };
  return createPod(cluster, { namespace: 'default', name, labels: { run: name }, owner: null, template, behaviour, createdAt }, now);
}

type Instance = { started: number; finished: number; reason: string };

/**
 * Ticks the cluster every `stepMs` of simulated time from `from` to `to`, and returns every instance of the pod's
 * container that ended by then, read from the pod's own status (state and lastState) after each tick.
 */
function runClock(cluster: Cluster, pod: PodModel, from: number, to: number, stepMs: number, seen: Map<number, Instance> = new Map()): Instance[] {
  const note = (state: ContainerState | null): void => {
    if (state && 'terminated' in state) {
      const t = state.terminated;
      seen.set(Date.parse(t.startedAt), { started: Date.parse(t.startedAt), finished: Date.parse(t.finishedAt), reason: t.reason });
    }
  };
  for (let now = from; now <= to; now += stepMs) {
    tickCluster(cluster, { cronEveryTicks: 0, evolve: false }, now);
    note(pod.containers[0].state);
    note(pod.containers[0].lastState);
  }
  return [...seen.values()].sort((a, b) => a.started - b.started);
}

/** Seconds from each instance's exit to the next one's start: the back-off the kubelet waited. */
function waits(instances: Instance[]): number[] {
  return instances.slice(1).map((next, i) => (next.started - instances[i].finished) / 1000);
}

describe('the back-off schedule (pure)', () => {
  test('immediate, then 10 s doubling to 5 min; forgotten after 10 min without an exit', () => {
    let backOff = null;
    let exit = T0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const start = restartAt(backOff, exit);
      delays.push((start - exit) / 1000);
      backOff = nextBackOff(backOff, exit, start);
      exit = start + 3000;
    }
    expect(delays).toEqual([0, 10, 20, 40, 80, 160, 300, 300, 300]);
    // Ran 10 min and 1 ms since its last start: the entry has expired, the restart is immediate, the delay starts over.
    const longRun = backOff!.updatedAt + 10 * MIN + 1;
    expect(restartAt(backOff, longRun)).toBe(longRun);
    expect(nextBackOff(backOff, longRun, longRun).delayMs).toBe(10_000);
    // Exactly 10 min is not longer than twice the cap: still held for the full 5 min.
    const tenMinutes = backOff!.updatedAt + 10 * MIN;
    expect(restartAt(backOff, tenMinutes)).toBe(tenMinutes + 300_000);
  });
});

describe('a crash-looping container in the simulator', () => {
  test('restarts at once, then after 10 s, 20 s … 5 min: 8 restarts in its first 20 minutes, waiting with the kubelet’s message', () => {
    const cluster = newCluster();
    const pod = addPod(cluster, 'loop', 'steady');
    const crashedAt = T0 + MIN;
    makePodCrash(cluster, pod, crashedAt);
    const c = pod.containers[0];
    // Exited, not yet restarted: a first restart waits for no back-off, only for the kubelet's next sync.
    expect('terminated' in c.state && c.state.terminated.reason).toBe('Error');
    const instances = runClock(cluster, pod, crashedAt + 500, crashedAt + 20 * MIN, 500);
    expect(waits(instances)).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
    expect(instances.slice(1).every((i) => i.reason === 'Error' && i.finished - i.started >= 1000 && i.finished - i.started <= 8000)).toBe(true);
    expect(c.restartCount).toBe(8);
    expect(c.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=app pod=loop_default(${pod.uid})` } });
    const backOff = [...cluster.events.values()].find((e) => e.reason === 'BackOff' && (e.involvedObject as { name: string }).name === 'loop');
    // The kubelet retries a held container every 10 s and says so each time: about one BackOff per 10 s of the
    // 910 s of finished waits (at least 91) and the one under way, none while it runs or for the first restart.
    expect(Number(backOff?.count)).toBeGreaterThanOrEqual(91 + 21);
    expect(Number(backOff?.count)).toBeLessThanOrEqual(91 + 7 + 30);
    expect(crashedAt + 20 * MIN - Date.parse(String(backOff?.lastTimestamp))).toBeLessThan(10_000);
  });

  test('the count does not depend on how often the cluster ticks', () => {
    const counts = [500, 5000, 60_000].map((step) => {
      const cluster = newCluster();
      const pod = addPod(cluster, 'loop', 'steady');
      makePodCrash(cluster, pod, T0 + MIN);
      runClock(cluster, pod, T0 + MIN, T0 + 21 * MIN, step);
      return pod.containers[0].restartCount;
    });
    expect(counts).toEqual([8, 8, 8]);
  });

  test('after running 10 minutes the back-off is forgotten: the next crash restarts at once, then 10 s again', () => {
    const cluster = newCluster();
    const pod = addPod(cluster, 'flaky', 'steady');
    makePodCrash(cluster, pod, T0 + MIN);
    const seen = new Map<number, Instance>();
    runClock(cluster, pod, T0 + MIN, T0 + 21 * MIN, 500, seen);
    healPod(cluster, pod);
    runClock(cluster, pod, T0 + 21 * MIN + 500, T0 + 27 * MIN, 500, seen);
    const c = pod.containers[0];
    expect('running' in c.state).toBe(true);
    const upSince = 'running' in c.state ? Date.parse(c.state.running.startedAt) : 0;
    const restarts = c.restartCount;

    // Up 10 min 30 s: crashes again and is restarted at once, then back-off starts over at 10 s.
    const crashAgain = upSince + 10.5 * MIN;
    runClock(cluster, pod, T0 + 27 * MIN + 500, crashAgain - 500, 500, seen);
    expect(c.restartCount).toBe(restarts);
    makePodCrash(cluster, pod, crashAgain);
    const after = runClock(cluster, pod, crashAgain, crashAgain + 2 * MIN, 500, seen).filter((i) => i.finished >= crashAgain);
    expect(waits(after).slice(0, 3)).toEqual([0, 10, 20]);
  });

  test('up less than 10 minutes: the back-off still holds the container for 5 min', () => {
    const cluster = newCluster();
    const pod = addPod(cluster, 'flaky', 'steady');
    makePodCrash(cluster, pod, T0 + MIN);
    runClock(cluster, pod, T0 + MIN, T0 + 21 * MIN, 500);
    healPod(cluster, pod);
    runClock(cluster, pod, T0 + 21 * MIN + 500, T0 + 27 * MIN, 500);
    const c = pod.containers[0];
    const upSince = 'running' in c.state ? Date.parse(c.state.running.startedAt) : 0;
    const crashAgain = upSince + 9 * MIN;
    runClock(cluster, pod, T0 + 27 * MIN + 500, crashAgain - 500, 500);
    makePodCrash(cluster, pod, crashAgain);
    const after = runClock(cluster, pod, crashAgain, crashAgain + 6 * MIN, 500).filter((i) => i.finished >= crashAgain);
    expect(waits(after).slice(0, 1)).toEqual([300]);
  });

  test('an OOM-killed container that ran for hours restarts at once every time and never shows CrashLoopBackOff', () => {
    const cluster = newCluster();
    const pod = addPod(cluster, 'leaky', 'oom');
    const c = pod.containers[0];
    let waited = false;
    const seen = new Map<number, Instance>();
    for (let hour = 0; hour < 24; hour++) {
      runClock(cluster, pod, T0 + hour * 60 * MIN + MIN, T0 + (hour + 1) * 60 * MIN, MIN, seen);
      if ('waiting' in c.state) waited = true;
    }
    const instances = [...seen.values()].sort((a, b) => a.started - b.started);
    expect(waited).toBe(false);
    expect(instances.length).toBeGreaterThanOrEqual(4);
    expect(instances.every((i) => i.reason === 'OOMKilled' && i.finished - i.started >= 2 * 60 * MIN)).toBe(true);
    expect(waits(instances).every((w) => w === 0)).toBe(true);
    expect(c.restartCount).toBe(instances.length);
    expect(c.lastState).toMatchObject({ terminated: { exitCode: 137, reason: 'OOMKilled' } });
    expect(c.backOff?.delayMs).toBe(10_000);
  });

  test('a pod seeded five hours into its crash loop has the restarts that schedule gives, not one per tick', () => {
    const cluster = newCluster();
    const pod = addPod(cluster, 'seeded', 'crashloop', T0 - 5 * 60 * MIN, T0);
    const c = pod.containers[0];
    // 4 s to start, 310 s of waits to reach the cap, then one restart per 5 min plus a 1–8 s run.
    expect(c.restartCount).toBeGreaterThanOrEqual(63);
    expect(c.restartCount).toBeLessThanOrEqual(64);
    expect(c.lastState).toMatchObject({ terminated: { exitCode: 1, reason: 'Error' } });
    expect(c.state).toMatchObject({ waiting: { reason: 'CrashLoopBackOff', message: expect.stringMatching(/^back-off 5m0s /) } });
    expect(c.backOff?.delayMs).toBe(300_000);
    const last = c.lastState && 'terminated' in c.lastState ? Date.parse(c.lastState.terminated.finishedAt) : 0;
    expect(T0 - last).toBeLessThanOrEqual(300_000 + 8000);
    // Twenty minutes on, at the cap: a restart per 301–308 s.
    const before = c.restartCount;
    runClock(cluster, pod, T0 + 5000, T0 + 20 * MIN, 5000);
    expect(c.restartCount - before).toBeGreaterThanOrEqual(3);
    expect(c.restartCount - before).toBeLessThanOrEqual(4);
  });
});
