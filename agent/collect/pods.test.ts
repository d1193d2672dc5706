// Checks pod mapping from real Kubernetes pod JSON: STATUS/READY/RESTARTS exactly as `kubectl get pods`
// prints them, owners resolved through ReplicaSet → Deployment and Job → CronJob, resources and usage.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { PodDetail } from '../../src/contract/index.ts';
import type { OwnedObject, Pod, PodMetrics } from '../kube-objects.ts';
import { countPods, indexOwners, indexPodUsage, mapPod, type PodContext } from './pods.ts';

async function readPod(name: string): Promise<Pod> {
  return (await Bun.file(new URL(`./testdata/pods/${name}.json`, import.meta.url)).json()) as Pod;
}
async function readList(name: string): Promise<OwnedObject[]> {
  return ((await Bun.file(new URL(`./testdata/${name}.json`, import.meta.url)).json()) as { items: OwnedObject[] }).items;
}

const replicaSets = await readList('replicasets');
const jobs = await readList('jobs');
const withOwners: PodContext = { owners: indexOwners(replicaSets, jobs), usage: null };

// Written by hand, as `kubectl get pods -o wide` shows these pods (plus the owner kubectl describe names).
const expected: [file: string, status: string, ready: string, restarts: number, ownerKind: string, ownerName: string][] = [
  ['running-coredns', 'Running', '1/1', 0, 'Deployment', 'coredns'],
  ['pending-unschedulable', 'Pending', '0/1', 0, 'Deployment', 'ml-trainer'],
  ['container-creating', 'ContainerCreating', '0/1', 0, 'Deployment', 'web'],
  ['crashloop', 'CrashLoopBackOff', '0/1', 7, 'Deployment', 'api'],
  ['image-pull-backoff', 'ImagePullBackOff', '0/1', 0, 'StatefulSet', 'worker'],
  ['oomkilled', 'OOMKilled', '0/1', 3, 'StatefulSet', 'cache'],
  ['evicted', 'Evicted', '0/1', 0, 'Deployment', 'report-builder'],
  ['terminating-daemonset', 'Terminating', '2/2', 1, 'DaemonSet', 'svclb-traefik-8c3e1f0a'],
  ['completed-helm-install', 'Completed', '0/1', 1, 'HelmChart', 'traefik'],
  ['completed-cronjob', 'Completed', '0/1', 0, 'CronJob', 'nightly-backup'],
  ['init-running', 'Init:0/2', '0/1', 0, 'Deployment', 'orders'],
  ['init-second-running', 'Init:1/2', '0/1', 0, 'Deployment', 'orders'],
  ['init-crashloop', 'Init:CrashLoopBackOff', '0/1', 4, 'Deployment', 'orders'],
  ['native-sidecar', 'Running', '2/2', 1, 'Deployment', 'checkout'],
  ['multi-container-half-ready', 'Running', '1/2', 2, 'Deployment', 'gateway'],
  ['completed-and-running', 'NotReady', '1/2', 0, '', ''],
  ['node-lost', 'Unknown', '0/1', 0, 'Deployment', 'web'],
  ['static-pod', 'Running', '1/1', 0, 'Node', 'k3s-server-0'],
];

describe('kubectl columns and owners', () => {
  for (const [file, status, ready, restarts, ownerKind, ownerName] of expected) {
    test(file, async () => {
      const detail = mapPod(await readPod(file), withOwners);
      expect({ status: detail.status, ready: detail.ready, restarts: detail.restarts }).toEqual({ status, ready, restarts });
      expect([detail.ownerKind, detail.ownerName]).toEqual([ownerKind, ownerName]);
      expect([...Value.Errors(PodDetail, detail)]).toEqual([]);
    });
  }

  test('owner chains go nearest first', async () => {
    expect(mapPod(await readPod('running-coredns'), withOwners).ownerChain).toEqual([
      { kind: 'ReplicaSet', name: 'coredns-ccb96694c' },
      { kind: 'Deployment', name: 'coredns' },
    ]);
    expect(mapPod(await readPod('completed-cronjob'), withOwners).ownerChain).toEqual([
      { kind: 'Job', name: 'nightly-backup-29160540' },
      { kind: 'CronJob', name: 'nightly-backup' },
    ]);
  });

  test('an owner that was not listed ends the chain (Jobs unreadable under the default role)', async () => {
    const noJobs: PodContext = { owners: indexOwners(replicaSets, []), usage: null };
    const detail = mapPod(await readPod('completed-cronjob'), noJobs);
    expect([detail.ownerKind, detail.ownerName]).toEqual(['Job', 'nightly-backup-29160540']);
  });

  test('ReplicaSets of the same name in another namespace are not confused', async () => {
    const pod = await readPod('container-creating');
    pod.metadata.namespace = 'staging';
    expect(mapPod(pod, withOwners).ownerName).toBe('web-canary');
  });

  test('a climbing crash loop shows climbing restarts', async () => {
    const pod = await readPod('crashloop');
    pod.status!.containerStatuses![0]!.restartCount = 8;
    expect(mapPod(pod, withOwners).restarts).toBe(8);
  });
});

describe('details', () => {
  test('containers: kinds, states, last termination, probes', async () => {
    const detail = mapPod(await readPod('native-sidecar'), withOwners);
    expect(detail.containers).toEqual(['checkout']);
    const [sidecar, app] = detail.containerDetails;
    expect(sidecar).toMatchObject({
      name: 'log-shipper',
      kind: 'sidecar',
      ready: true,
      restarts: 1,
      state: 'running',
      lastTerminationReason: 'Error',
      lastTerminationExitCode: 139,
      lastTerminatedAt: Date.parse('2026-06-11T03:12:00Z') / 1000,
      hasLivenessProbe: false,
      hasReadinessProbe: true,
      cpuRequestMilli: 50,
      memLimitBytes: 64 * 2 ** 20,
    });
    expect(app).toMatchObject({ name: 'checkout', kind: 'app', hasLivenessProbe: true, privileged: true });
    expect(detail.privileged).toBe(true);

    // Pod Security Standards count ephemeral (debug) containers too, though they are not listed as containers.
    const debugged = await readPod('crashloop');
    expect(mapPod(debugged, withOwners).privileged).toBe(false);
    debugged.spec!.ephemeralContainers = [{ name: 'debugger-x7k2p', securityContext: { privileged: true } }];
    expect(mapPod(debugged, withOwners)).toMatchObject({ privileged: true, containerDetails: [{ privileged: false }] });

    const crash = mapPod(await readPod('crashloop'), withOwners);
    expect(crash.containerDetails[0]).toMatchObject({
      state: 'waiting',
      stateReason: 'CrashLoopBackOff',
      lastTerminationReason: 'Error',
      lastTerminationExitCode: 1,
    });
    const oom = mapPod(await readPod('oomkilled'), withOwners);
    expect(oom.containerDetails[0]).toMatchObject({ state: 'terminated', stateReason: 'OOMKilled', exitCode: 137 });

    const init = mapPod(await readPod('init-running'), withOwners);
    expect(init.containerDetails.map((c) => [c.name, c.kind, c.state])).toEqual([
      ['wait-for-db', 'init', 'running'],
      ['migrate', 'init', 'waiting'],
      ['orders', 'app', 'waiting'],
    ]);
  });

  test('requests and limits as the scheduler counts them', async () => {
    const pick = (d: PodDetail): number[] => [d.cpuRequestMilli, d.cpuLimitMilli, d.memRequestBytes, d.memLimitBytes];
    // One container.
    expect(pick(mapPod(await readPod('running-coredns'), withOwners))).toEqual([100, 0, 70 * 2 ** 20, 170 * 2 ** 20]);
    // Two app containers add up ("0.1" CPU, "500M" decimal memory).
    expect(pick(mapPod(await readPod('multi-container-half-ready'), withOwners))).toEqual([600, 1500, 500_000_000 + 64 * 2 ** 20, 2 ** 30 + 128 * 2 ** 20]);
    // A big init container dominates the app container.
    expect(pick(mapPod(await readPod('init-running'), withOwners))).toEqual([1000, 2000, 512 * 2 ** 20, 2 ** 30]);
    // A native sidecar runs alongside the app, so it adds.
    expect(pick(mapPod(await readPod('native-sidecar'), withOwners))).toEqual([300, 1000, 288 * 2 ** 20, 576 * 2 ** 20]);
    // Exponent notation.
    expect(pick(mapPod(await readPod('static-pod'), withOwners))).toEqual([100, 0, 100_000_000, 0]);
  });

  test('pod fields operators need', async () => {
    const detail = mapPod(await readPod('container-creating'), withOwners);
    expect(detail).toMatchObject({
      namespace: 'shop',
      name: 'web-6b7d9f8c5-abcde',
      phase: 'Pending',
      nodeName: 'k3s-agent-1',
      imagePullSecrets: ['regcred'],
      qosClass: 'Burstable',
      podIP: '',
      labels: { app: 'web', 'pod-template-hash': '6b7d9f8c5' },
      startedUnix: Date.parse('2026-06-12T09:59:50Z') / 1000,
      createdUnix: Date.parse('2026-06-12T09:59:50Z') / 1000,
      uid: 'a1b2c3d4-0000-4000-8000-000000000003',
    });
    expect(mapPod(await readPod('pending-unschedulable'), withOwners).message).toStartWith('0/3 nodes are available');
    expect(mapPod(await readPod('evicted'), withOwners).message).toStartWith('The node was low on resource');
    expect(mapPod(await readPod('image-pull-backoff'), withOwners).message).toStartWith('Back-off pulling image');
    expect(mapPod(await readPod('running-coredns'), withOwners).message).toBeUndefined();
    expect(mapPod(await readPod('pending-unschedulable'), withOwners).startedUnix).toBe(0);
  });

  test('labels are bounded', async () => {
    const pod = await readPod('running-coredns');
    pod.metadata.labels = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`l${String(i).padStart(3, '0')}`, 'v'.repeat(80)]));
    const detail = mapPod(pod, withOwners);
    expect(Object.keys(detail.labels)).toHaveLength(64);
    expect(detail.labels.l000).toHaveLength(63);
    expect(Value.Check(PodDetail, detail)).toBe(true);
  });
});

describe('usage', () => {
  const metrics: PodMetrics[] = [
    {
      metadata: { name: 'gateway-74b8c9d6e-h5g4f', namespace: 'edge' },
      containers: [
        { name: 'gateway', usage: { cpu: '120384731n', memory: '301256Ki' } },
        { name: 'envoy', usage: { cpu: '3m', memory: '40Mi' } },
      ],
    },
  ];

  test('joined from metrics.k8s.io by namespace/name, per container too', async () => {
    const context: PodContext = { owners: withOwners.owners, usage: indexPodUsage(metrics) };
    const detail = mapPod(await readPod('multi-container-half-ready'), context);
    expect(detail.usageAvailable).toBe(true);
    expect(detail.cpuUsageMilli).toBe(121 + 3);
    expect(detail.memUsageBytes).toBe(301256 * 1024 + 40 * 2 ** 20);
    expect(detail.containerDetails.find((c) => c.name === 'envoy')).toMatchObject({ cpuUsageMilli: 3 });
  });

  test('zero and flagged when metrics are absent or the pod has no sample', async () => {
    const absent = mapPod(await readPod('multi-container-half-ready'), withOwners);
    expect([absent.usageAvailable, absent.cpuUsageMilli, absent.memUsageBytes]).toEqual([false, 0, 0]);
    expect(absent.containerDetails[0]!.cpuUsageMilli).toBeUndefined();
    const context: PodContext = { owners: withOwners.owners, usage: indexPodUsage(metrics) };
    expect(mapPod(await readPod('running-coredns'), context).usageAvailable).toBe(false);
  });
});

test('counts over every pod', async () => {
  const pods = await Promise.all(expected.map(([file]) => readPod(file)));
  expect(countPods(pods)).toEqual({ pods: 18, podsRunning: 9, podsFailed: 1, namespaces: 6 });
});
