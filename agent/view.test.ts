// The watch-fed view against the simulator, through the real agent code (kube.ts over HTTPS, watch-loop.ts, view.ts,
// from-view.ts): after every step the heartbeat built from the view equals the one the re-list path builds from a
// fresh list of the same cluster (usage aside: metrics are read per beat by both) — pods created, changed and deleted;
// the API server restarted with changes made while it was down (every watch cut); watch history compacted (410 on
// resume); a safety-net re-list every few milliseconds racing with a stream of changes; a CronJob's pods resolved to
// the CronJob through the Job.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { HeartbeatV2, PodDetail } from '../src/contract/index.ts';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { kubeFetch, waitFor } from '../sim/testing.ts';
import { beatFromView } from './collect/from-view.ts';
import { collectHeartbeat, type SnapshotOptions } from './collect/snapshot.ts';
import { createKube } from './kube.ts';
import type { KubeApi } from './kube-api.ts';
import { createLogger } from './log.ts';
import { type ClusterView, startClusterView } from './view.ts';

let sim: Simulator;
let kube: KubeApi;
const controller = new AbortController();
const log = createLogger('error', () => undefined);
const options = (): SnapshotOptions => ({ agentVersion: 'test', namespace: 'niro-system', maxPods: 5000, nowUnix: Math.floor(Date.now() / 1000) });

/** A beat without what moves on its own (usage), pods and nodes in a stable order. */
function comparable(body: HeartbeatV2): unknown {
  const strip = (pod: PodDetail): unknown => ({
    ...pod,
    cpuUsageMilli: 0,
    memUsageBytes: 0,
    usageAvailable: false,
    containerDetails: pod.containerDetails.map(({ cpuUsageMilli: _c, memUsageBytes: _m, ...rest }) => rest),
  });
  const key = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;
  return {
    counts: body.counts,
    podsTotal: body.podsTotal,
    pods: [...body.pods].sort((a, b) => key(a).localeCompare(key(b))).map(strip),
    nodes: body.nodes.map(({ cpuUsageMilli: _c, memUsageBytes: _m, ...rest }) => rest).sort((a, b) => a.name.localeCompare(b.name)),
    // Events seen in the same second may come in either order.
    events: [...body.events].sort((a, b) => b.lastSeen - a.lastSeen || (a.uid ?? '').localeCompare(b.uid ?? '')),
  };
}

/** Waits (bounded) until the view's beat equals a fresh re-list's; returns the view's beat. */
async function converged(view: ClusterView, what: string): Promise<HeartbeatV2> {
  let last: { view: unknown; relist: unknown } | null = null;
  try {
    return await waitFor<HeartbeatV2 | null>(
      what,
      async () => {
        const relist = await collectHeartbeat(kube, options());
        const fromView = await beatFromView(kube, view, options());
        last = { view: comparable(fromView), relist: comparable(relist) };
        return Bun.deepEquals(last.view, last.relist) ? fromView : null;
      },
      10_000,
    ).then((body) => body!);
  } catch (error) {
    if (last) expect((last as { view: unknown }).view).toEqual((last as { relist: unknown }).relist);
    throw error;
  }
}

const names = (body: HeartbeatV2): string[] => body.pods.map((p) => `${p.namespace}/${p.name}`).sort();
const simPods = (): string[] =>
  sim
    .list('pods')
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
    .sort();

async function deletePod(namespace: string, name: string): Promise<void> {
  const response = await kubeFetch(sim, `/api/v1/namespaces/${namespace}/pods/${name}`, { method: 'DELETE', as: 'admin' });
  expect(response.status).toBe(200);
  await response.body?.cancel();
  // A running pod terminates first (Terminating, still listed); the next tick removes it: the DELETED event.
  sim.tick();
}

function pickPod(index = 0): { namespace: string; name: string } {
  const pod = sim.list('pods').filter((p) => p.metadata.namespace !== 'kube-system')[index]!;
  return { namespace: pod.metadata.namespace!, name: pod.metadata.name };
}

beforeAll(async () => {
  sim = await startSimulator({ name: 'view', nodes: 3, pods: 60, tickMs: 0, evolve: false, cronEveryTicks: 1, logLinesPerSecond: 0 });
  kube = createKube({ kubeconfig: sim.kubeconfigPath, env: {} });
});

afterAll(async () => {
  controller.abort();
  await sim?.stop();
});

describe('watch-fed view against the simulator', () => {
  test('created, changed and deleted pods are in the next beat; one list per collection; CronJob pods resolve', async () => {
    const view = startClusterView({ kube, log, signal: controller.signal, backoff: { baseMs: 10, capMs: 50 } });
    await view.whenStarted(10_000);
    expect(names(await converged(view, 'the first beat'))).toEqual(simPods());

    sim.addPod({ namespace: 'default', name: 'added-by-test', image: 'nginx:1.27' });
    const gone = pickPod(3);
    await deletePod(gone.namespace, gone.name);
    expect(sim.crashPod('default', 'added-by-test')).toBe(true);
    const body = await converged(view, 'create, delete and crash');
    expect(names(body)).toContain('default/added-by-test');
    expect(names(body)).not.toContain(`${gone.namespace}/${gone.name}`);
    expect(names(body)).toEqual(simPods());

    // The short CronJob fires on the tick (deletions above ticked too): its pod's chain goes Job → CronJob.
    const cron = await converged(view, 'the CronJob pod');
    expect(cron.pods.some((p) => p.ownerKind === 'CronJob' && p.ownerChain[0]?.kind === 'Job')).toBe(true);
    // No re-list was needed for any of it.
    expect([view.pods, view.nodes, view.events, view.replicaSets, view.jobs].map((c) => c.lists())).toEqual([1, 1, 1, 1, 1]);
  });

  test('API server restart with changes while it was down: every watch is cut, nothing lost, nothing lingers', async () => {
    const signal = new AbortController();
    const view = startClusterView({ kube, log, signal: signal.signal, backoff: { baseMs: 10, capMs: 50 } });
    await view.whenStarted(10_000);
    await converged(view, 'before the restart');
    const doomed = pickPod(1);
    await sim.restartApi({
      downMs: 300,
      whileDown: () => {
        sim.addPod({ namespace: 'default', name: 'born-while-down', image: 'busybox:1.36' });
        const store = sim.list('pods').find((p) => p.metadata.name === doomed.name)!;
        expect(store).toBeTruthy();
      },
    });
    // A deletion through the API right after the restart, racing with the view's reconnection.
    await deletePod(doomed.namespace, doomed.name);
    const body = await converged(view, 'after the restart');
    expect(names(body)).toContain('default/born-while-down');
    expect(names(body)).not.toContain(`${doomed.namespace}/${doomed.name}`);
    expect(names(body)).toEqual(simPods());
    signal.abort();
  });

  test('compacted history: a watch resuming after the cut gets 410 and re-lists; no deleted pod lingers', async () => {
    const signal = new AbortController();
    const view = startClusterView({ kube, log, signal: signal.signal, backoff: { baseMs: 10, capMs: 50 } });
    await view.whenStarted(10_000);
    await converged(view, 'before compaction');
    const lists = view.pods.lists();
    const doomed = pickPod(2);
    await sim.restartApi({
      whileDown: () => {
        sim.addPod({ namespace: 'default', name: 'after-compaction', image: 'busybox:1.36' });
        sim.compactWatchHistory();
      },
    });
    await deletePod(doomed.namespace, doomed.name);
    const body = await converged(view, 'after compaction');
    expect(view.pods.lists()).toBeGreaterThan(lists);
    expect(names(body)).not.toContain(`${doomed.namespace}/${doomed.name}`);
    expect(names(body)).toEqual(simPods());
    signal.abort();
  });

  test('a re-list every few milliseconds racing with a stream of changes converges on the cluster exactly', async () => {
    const signal = new AbortController();
    const view = startClusterView({ kube, log, signal: signal.signal, backoff: { baseMs: 10, capMs: 50 }, relistEveryMs: 40 });
    await view.whenStarted(10_000);
    const lists = view.pods.lists();
    for (let i = 0; i < 40; i++) {
      sim.addPod({ namespace: 'race', name: `racer-${i}`, image: 'busybox:1.36' });
      if (i % 3 === 0) await deletePod('race', `racer-${i}`);
      if (i % 5 === 0) sim.compactWatchHistory();
      await Bun.sleep(15);
    }
    const body = await converged(view, 'after the race');
    expect(view.pods.lists()).toBeGreaterThan(lists + 3);
    expect(names(body).filter((n) => n.startsWith('race/'))).toHaveLength(26);
    expect(names(body).filter((n) => n.startsWith('race/'))).not.toContain('race/racer-0');
    expect(names(body)).toEqual(simPods());
    signal.abort();
  });
});
