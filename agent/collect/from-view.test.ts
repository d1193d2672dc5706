// A heartbeat from the watch-fed view on the fake API: pods forbidden send none (as the re-list path does), nodes not
// listable skip the beat, an owner arriving after its pods still completes their chains at the next beat, usage is
// joined per beat without touching the view's records, and a quiet beat reuses every pod's joined form, while a pod
// whose usage became available travels in the delta (the server applies usage only to pods that say they have it).
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { HeartbeatV2 } from '../../src/contract/index.ts';
import { KubeError } from '../kube-api.ts';
import type { Node, OwnedObject, Pod } from '../kube-objects.ts';
import { createLogger } from '../log.ts';
import { createFakeKube, waitFor } from '../testing/fake-kube.ts';
import { startClusterView, VIEW_COLLECTIONS } from '../view.ts';
import { makeDelta, rememberInventory } from '../heartbeat-delta.ts';
import { beatFromView, composeViewBeat, createViewBeatMemory, ViewNotReady } from './from-view.ts';

const node: Node = {
  metadata: { name: 'n1', creationTimestamp: '2026-12-01T00:00:00Z' },
  status: { conditions: [{ type: 'Ready', status: 'True' }], capacity: { cpu: '2', memory: '4Gi' }, allocatable: { cpu: '2', memory: '4Gi' } },
} as Node;

function pod(name: string, owner?: string): Pod {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      creationTimestamp: '2026-12-01T00:00:00Z',
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, controller: true }] } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'nginx:1.27' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-01T00:00:05Z' } } }] },
  } as Pod;
}

const options = { agentVersion: 'test', namespace: 'niro-system', maxPods: 5000, nowUnix: Math.floor(Date.parse('2026-12-01T01:00:00Z') / 1000) };

function setup(collections: Record<string, { metadata: { name: string } }[] | KubeError>) {
  const fake = createFakeKube({
    collections,
    podMetrics: [{ metadata: { name: 'web-1', namespace: 'shop' }, containers: [{ name: 'web', usage: { cpu: '15m', memory: '64Mi' } }] }],
  });
  const controller = new AbortController();
  const view = startClusterView({ kube: fake.kube, log: createLogger('error', () => undefined), signal: controller.signal, backoff: { baseMs: 1, capMs: 5 } });
  return { fake, view, stop: () => controller.abort() };
}

describe('heartbeat from the view', () => {
  test('owner chains resolve at the beat (an owner arriving later completes them); usage is joined per beat', async () => {
    const { fake, view, stop } = setup({ [VIEW_COLLECTIONS.nodes]: [node], [VIEW_COLLECTIONS.pods]: [pod('web-1', 'web-7d9f'), pod('web-2', 'web-7d9f')] });
    await view.whenStarted(2000);
    const first = await beatFromView(fake.kube, view, options);
    expect(Value.Check(HeartbeatV2, first)).toBe(true);
    expect(first.pods.map((p) => [p.name, p.ownerKind, p.ownerName])).toEqual([
      ['web-1', 'ReplicaSet', 'web-7d9f'],
      ['web-2', 'ReplicaSet', 'web-7d9f'],
    ]);
    expect(first.pods[0]).toMatchObject({ cpuUsageMilli: 15, usageAvailable: true, containerDetails: [{ cpuUsageMilli: 15 }] });
    expect(first.pods[1]).toMatchObject({ cpuUsageMilli: 0, usageAvailable: false });
    expect(first.nodes).toMatchObject([{ name: 'n1', podCount: 2 }]);
    expect(first.counts).toEqual({ pods: 2, podsRunning: 2, podsFailed: 0, namespaces: 1 });
    // The records keep no usage: it belongs to the beat.
    expect(view.pods.records().get('shop/web-1')!.detail.cpuUsageMilli).toBe(0);

    const open = () => fake.state.watches.find((w) => w.path === VIEW_COLLECTIONS.replicaSets && !w.aborted);
    await waitFor(() => open() !== undefined, 2000, 'replicasets watch');
    const watch = open()!;
    const replicaSet: OwnedObject = {
      metadata: {
        name: 'web-7d9f',
        namespace: 'shop',
        resourceVersion: '101',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
      },
    };
    watch.emit({ type: 'ADDED', object: replicaSet });
    const second = await beatFromView(fake.kube, view, options);
    expect(second.pods.map((p) => [p.ownerKind, p.ownerName, p.ownerChain.length])).toEqual([
      ['Deployment', 'web', 2],
      ['Deployment', 'web', 2],
    ]);
    stop();
  });

  test('pods forbidden: the beat goes with no pods; nodes not listable: the beat is skipped', async () => {
    const forbidden = setup({ [VIEW_COLLECTIONS.nodes]: [node], [VIEW_COLLECTIONS.pods]: new KubeError(403, 'pods is forbidden', 'Forbidden') });
    await forbidden.view.whenStarted(2000);
    const body = await beatFromView(forbidden.fake.kube, forbidden.view, options);
    expect(body.pods).toEqual([]);
    expect(body.podsTotal).toBe(0);
    forbidden.stop();

    const broken = setup({ [VIEW_COLLECTIONS.nodes]: new KubeError(500, 'etcd unavailable'), [VIEW_COLLECTIONS.pods]: [pod('web-1')] });
    await broken.view.whenStarted(2000);
    expect(broken.view.nodes.status()).toBe('failing');
    await expect(beatFromView(broken.fake.kube, broken.view, options)).rejects.toBeInstanceOf(ViewNotReady);
    broken.stop();
  });

  test('a quiet beat reuses the joined pods; a pod whose metrics appear is a changed pod of the delta', async () => {
    const { fake, view, stop } = setup({ [VIEW_COLLECTIONS.nodes]: [node], [VIEW_COLLECTIONS.pods]: [pod('web-1'), pod('web-2')] });
    await view.whenStarted(2000);
    const memory = createViewBeatMemory();
    const first = await composeViewBeat(fake.kube, view, options, memory);
    expect(first.body.pods).toEqual([]);
    expect(first.described!.keys).toEqual(['shop/web-1', 'shop/web-2']);
    const acked = rememberInventory(first.described, { nextIntervalSeconds: 15, commandsPending: false, serverTime: '', inventoryGeneration: 'g1' })!;

    const quiet = await composeViewBeat(fake.kube, view, options, memory);
    expect(quiet.described!.keys).toBe(first.described!.keys);
    quiet.described!.bases.forEach((base, i) => expect(base).toBe(first.described!.bases[i]!));
    makeDelta(quiet.body, quiet.described!, acked);
    expect(quiet.body.inventory).toMatchObject({ base: 'g1', changed: [], removed: [], cpuMilli: [15, null], memBytes: [64 * 1024 * 1024, null] });

    fake.state.podMetrics = [
      ...fake.state.podMetrics!,
      { metadata: { name: 'web-2', namespace: 'shop' }, containers: [{ name: 'web', usage: { cpu: '5m', memory: '32Mi' } }] },
    ] as typeof fake.state.podMetrics;
    const measured = await composeViewBeat(fake.kube, view, options, memory);
    makeDelta(measured.body, measured.described!, acked);
    expect(measured.body.inventory!.changed.map((p) => [p.name, p.usageAvailable, p.cpuUsageMilli])).toEqual([['web-2', true, 5]]);
    expect(measured.body.inventory!.cpuMilli).toEqual([15, 5]);
    stop();
  });
});
