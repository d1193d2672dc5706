// detect(): known answers for every kind from agent-shaped pods, nodes and workloads — one condition per
// problem (pods grouped by their workload, counted), base severity moved by the environment, thresholds.
import { expect, test } from 'bun:test';
import { makeNode, makePod, makeWorkload } from '../testing/heartbeats';
import type { PodDetail } from '../contract';
import { compareVersions, detect, workloadSubject, type DetectFacts } from './detection';
import { DEFAULT_THRESHOLDS } from './vocabulary';

const NOW = new Date('2026-12-06T12:00:00Z');
const nowUnix = NOW.getTime() / 1000;
const ctx = { environment: 'staging' as const, serverProtocol: 4, serverAgentVersion: '0.4.0' };
const facts = (over: Partial<DetectFacts>): DetectFacts => ({
  protocol: 4,
  agentVersion: '0.4.0',
  pods: [],
  nodes: [makeNode(0)],
  workloads: null,
  podsTruncated: false,
  workloadsTruncated: false,
  ...over,
});

/** makePod with its first container in `state`. */
function withContainer(i: number, c: Partial<PodDetail['containerDetails'][number]>, over: Partial<PodDetail> = {}): PodDetail {
  const p = makePod(i, over);
  return { ...p, containerDetails: [{ ...p.containerDetails[0], ...c }, p.containerDetails[1]] };
}

test('a healthy cluster has no conditions', () => {
  expect(
    detect(facts({ pods: [makePod(0), makePod(1)], nodes: [makeNode(0), makeNode(1)], workloads: [makeWorkload(0)] }), ctx, DEFAULT_THRESHOLDS, NOW),
  ).toEqual([]);
});

test('ten crash-looping replicas of one Deployment are one condition counting 10 pods; a bare pod is its own workload', () => {
  // makePod(i) belongs to Deployment app-(i % 40): 0, 40, 80… are replicas of app-0.
  const replicas = Array.from({ length: 10 }, (_, k) =>
    withContainer(
      k * 40,
      { state: 'waiting', stateReason: 'CrashLoopBackOff', ready: false, lastTerminationReason: 'Error' },
      { status: 'CrashLoopBackOff', restarts: 5 },
    ),
  );
  const bare = withContainer(
    7,
    { state: 'waiting', stateReason: 'CrashLoopBackOff' },
    { ownerKind: '', ownerName: '', ownerChain: [], status: 'CrashLoopBackOff' },
  );
  const out = detect(facts({ pods: [...replicas, bare] }), ctx, DEFAULT_THRESHOLDS, NOW);
  expect(out.map((c) => [c.kind, c.subject, c.details.count])).toEqual([
    ['pod_crash_looping', 'team-0/Deployment/app-0', 10],
    ['pod_crash_looping', `team-7/Pod/${bare.name}`, 1],
  ]);
  expect(out[0].title).toBe('Deployment team-0/app-0: 10 pods are crash-looping (Error)');
  expect(out[0].severity).toBe('high');
  expect((out[0].details.pods as string[]).length).toBe(10);
});

test('a pod list is bounded in details while the count stays exact', () => {
  const many = Array.from({ length: 30 }, (_, k) => withContainer(k * 40, { state: 'waiting', stateReason: 'ImagePullBackOff' }, { phase: 'Pending' }));
  const [c] = detect(facts({ pods: many }), ctx, DEFAULT_THRESHOLDS, NOW);
  expect(c.kind).toBe('image_pull_failing');
  expect(c.details.count).toBe(30);
  expect((c.details.pods as string[]).length).toBe(20);
});

test('restarting twice between beats is a crash loop even without CrashLoopBackOff; once is not', () => {
  const p0 = makePod(0, { restarts: 5 });
  const p1 = makePod(1, { restarts: 1 });
  const previousRestarts = new Map([
    [`${p0.namespace}/${p0.name}`, 3],
    [`${p1.namespace}/${p1.name}`, 0],
  ]);
  const out = detect(facts({ pods: [p0, p1], previousRestarts }), ctx, DEFAULT_THRESHOLDS, NOW);
  expect(out.map((c) => [c.kind, c.subject])).toEqual([['pod_crash_looping', 'team-0/Deployment/app-0']]);
});

test('image pull, OOM kill (recent only), pending (unschedulable vs stuck) and their opening times', () => {
  const pull = withContainer(0, { state: 'waiting', stateReason: 'ErrImagePull' }, { phase: 'Pending', status: 'ErrImagePull' });
  const oom = withContainer(1, { lastTerminationReason: 'OOMKilled', lastTerminatedAt: nowUnix - 60 });
  const oldOom = withContainer(2, { lastTerminationReason: 'OOMKilled', lastTerminatedAt: nowUnix - 3600 });
  const unschedulable = makePod(3, { phase: 'Pending', status: 'Pending', nodeName: '', createdUnix: nowUnix - 120 });
  const stuck = makePod(4, { phase: 'Pending', status: 'ContainerCreating', createdUnix: nowUnix - 900 });
  const out = detect(facts({ pods: [pull, oom, oldOom, unschedulable, stuck] }), ctx, DEFAULT_THRESHOLDS, NOW);
  const by = Object.fromEntries(out.map((c) => [`${c.kind} ${c.subject}`, c]));
  expect(Object.keys(by).sort()).toEqual([
    'image_pull_failing team-0/Deployment/app-0',
    'oom_killed team-1/Deployment/app-1',
    'pod_pending_too_long team-3/Deployment/app-3',
    'pod_pending_too_long team-4/Deployment/app-4',
  ]);
  expect(by['oom_killed team-1/Deployment/app-1'].seenAt).toEqual(new Date((nowUnix - 60) * 1000));
  expect(by['image_pull_failing team-0/Deployment/app-0'].opensAt).toBeNull();
  // Threshold kinds open at since + threshold: the one pending 2 min waits 8 more; the one pending 15 min is due.
  expect(by['pod_pending_too_long team-3/Deployment/app-3'].opensAt).toEqual(new Date((nowUnix - 120 + 600) * 1000));
  expect(by['pod_pending_too_long team-3/Deployment/app-3'].details.reasons).toEqual(['unschedulable']);
  expect(by['pod_pending_too_long team-4/Deployment/app-4'].details.reasons).toEqual(['stuck']);
  expect(by['pod_pending_too_long team-4/Deployment/app-4'].opensAt!.getTime()).toBeLessThan(NOW.getTime());
});

test('nodes: not ready and under pressure are separate conditions; other conditions are ignored', () => {
  const out = detect(
    facts({ nodes: [makeNode(0, { status: 'NotReady' }), makeNode(1, { pressures: ['DiskPressure', 'MemoryPressure', 'NetworkUnavailable'] }), makeNode(2)] }),
    ctx,
    DEFAULT_THRESHOLDS,
    NOW,
  );
  expect(out.map((c) => [c.kind, c.subject, c.title, c.severity])).toEqual([
    ['node_not_ready', 'k3s-node-0', 'Node k3s-node-0 is NotReady', 'high'],
    ['node_pressure', 'k3s-node-1', 'Node k3s-node-1: DiskPressure, MemoryPressure', 'medium'],
  ]);
});

test('workloads below their desired ready count wait for the threshold from notReadySince; none ready is one step worse', () => {
  const since = new Date(NOW.getTime() - 5 * 60_000);
  const out = detect(
    facts({
      workloads: [
        { ...makeWorkload(0, { ready: 1, desired: 3 }), notReadySince: since },
        { ...makeWorkload(1, { ready: 0, desired: 2 }), notReadySince: null },
        makeWorkload(2),
      ],
    }),
    { ...ctx, environment: 'dev' },
    { ...DEFAULT_THRESHOLDS, unavailableAfterSeconds: 120 },
    NOW,
  );
  expect(out.map((c) => [c.subject, c.title, c.severity, c.opensAt?.toISOString()])).toEqual([
    ['shop/Deployment/web-0', 'Deployment shop/web-0: 1 of 3 ready', 'medium', new Date(since.getTime() + 120_000).toISOString()],
    ['shop/Deployment/web-1', 'Deployment shop/web-1: 0 of 2 ready', 'high', new Date(NOW.getTime() + 120_000).toISOString()],
  ]);
});

test('agent outdated (protocol or version) and truncated heartbeats are cluster conditions', () => {
  expect(detect(facts({ protocol: 3 }), ctx, DEFAULT_THRESHOLDS, NOW).map((c) => c.kind)).toEqual(['agent_outdated']);
  expect(detect(facts({ agentVersion: '0.3.9' }), ctx, DEFAULT_THRESHOLDS, NOW).map((c) => c.kind)).toEqual(['agent_outdated']);
  expect(detect(facts({ agentVersion: '0.10.0' }), ctx, DEFAULT_THRESHOLDS, NOW)).toEqual([]);
  expect(detect(facts({ agentVersion: 'dev-build' }), ctx, DEFAULT_THRESHOLDS, NOW)).toEqual([]);
  const [t] = detect(facts({ podsTruncated: true, workloadsTruncated: true }), ctx, DEFAULT_THRESHOLDS, NOW);
  expect([t.kind, t.subject, t.severity, t.title]).toEqual([
    'heartbeat_truncated',
    '',
    'low',
    'Heartbeat truncated: not every one of the cluster’s pods and workloads is reported',
  ]);
});

test('versions compare numerically; workload subjects name the top owner', () => {
  expect(compareVersions('0.9.1', '0.10.0')).toBe(-1);
  expect(compareVersions('v1.2', '1.2.0')).toBe(0);
  expect(compareVersions('x', '1')).toBeNull();
  expect(workloadSubject({ namespace: 'kube-system', name: 'etcd-node-1', ownerKind: 'Node', ownerName: 'node-1' })).toBe('kube-system/Pod/etcd-node-1');
  expect(workloadSubject({ namespace: 'ops', name: 'backup-29-x1', ownerKind: 'CronJob', ownerName: 'backup' })).toBe('ops/CronJob/backup');
});
