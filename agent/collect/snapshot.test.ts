// Checks the heartbeat builder against a fake Kubernetes API: a valid protocol-2 body, usage joined or
// flagged, truncation with the attention-first order, degraded reads, capabilities from access reviews.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { HeartbeatV2, PROTOCOL } from '../../src/contract/index.ts';
import { KubeError } from '../kube-api.ts';
import type { Event, Node, OwnedObject, Pod } from '../kube-objects.ts';
import { createFakeKube } from '../testing/fake-kube.ts';
import { collectHeartbeat, detectDistribution, truncatePods } from './snapshot.ts';
import { mapPod } from './pods.ts';

const dir = new URL('./testdata/', import.meta.url);
const readJson = async <T>(path: string): Promise<T> => (await Bun.file(new URL(path, dir)).json()) as T;
const podFiles = ['running-coredns', 'crashloop', 'pending-unschedulable', 'completed-cronjob', 'native-sidecar', 'evicted'];
const pods = await Promise.all(podFiles.map((f) => readJson<Pod>(`pods/${f}.json`)));
const nodes = (await readJson<{ items: Node[] }>('nodes.json')).items;
const events = (await readJson<{ items: Event[] }>('events.json')).items;
const replicaSets = (await readJson<{ items: OwnedObject[] }>('replicasets.json')).items;
const jobs = (await readJson<{ items: OwnedObject[] }>('jobs.json')).items;
const nowUnix = Date.parse('2026-06-12T10:00:00Z') / 1000;
const options = { agentVersion: '0.4.0', namespace: 'niro-system', maxPods: 5000, nowUnix };

describe('collectHeartbeat', () => {
  test('a full protocol-2 heartbeat that validates', async () => {
    const { kube } = createFakeKube({
      nodes,
      pods,
      events,
      replicaSets,
      jobs,
      podMetrics: [
        { metadata: { name: 'coredns-ccb96694c-7qz2m', namespace: 'kube-system' }, containers: [{ name: 'coredns', usage: { cpu: '3m', memory: '20Mi' } }] },
      ],
      nodeMetrics: [{ metadata: { name: 'k3s-server-0' }, usage: { cpu: '350m', memory: '2Gi' } }],
      grants: new Set(['list pods', 'get pods/log']),
    });
    const body = await collectHeartbeat(kube, options);
    expect([...Value.Errors(HeartbeatV2, body)]).toEqual([]);
    expect(body).toMatchObject({
      protocol: PROTOCOL,
      k8sVersion: 'v1.31.4+k3s1',
      distribution: 'k3s',
      platform: 'linux/amd64',
      counts: { pods: 6, podsRunning: 3, podsFailed: 1, namespaces: 4 },
      podsTruncated: false,
      podsTotal: 6,
    });
    expect(body.pods.find((p) => p.name.startsWith('coredns'))).toMatchObject({ usageAvailable: true, cpuUsageMilli: 3 });
    expect(body.pods.find((p) => p.name.startsWith('api'))).toMatchObject({ usageAvailable: false, cpuUsageMilli: 0 });
    expect(body.pods.find((p) => p.name.startsWith('nightly'))?.ownerKind).toBe('CronJob');
    // Pods per node count non-terminated pods only (the evicted and completed ones are not).
    expect(body.nodes.find((n) => n.name === 'k3s-server-0')).toMatchObject({ podCount: 1, cpuUsageMilli: 350 });
    expect(body.nodes.find((n) => n.name === 'k3s-agent-3')?.cpuUsageMilli).toBeUndefined();
    expect(body.events).toHaveLength(2);
    expect(body.capabilities).toEqual({
      pods: { enabled: true, detectedBy: 'SelfSubjectAccessReview list pods' },
      logs: { enabled: true, detectedBy: 'SelfSubjectAccessReview get pods/log' },
      apply: { enabled: false, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' },
      selfUpdate: { enabled: false, detectedBy: 'SelfSubjectAccessReview patch deployments.apps niro-agent in niro-system' },
      podMetrics: { enabled: true, detectedBy: 'metrics.k8s.io pods list succeeded' },
    });
  });

  test('metrics-server absent: usage flagged unavailable, capability off, no error', async () => {
    const { kube } = createFakeKube({ nodes, pods, podMetrics: null, nodeMetrics: null });
    const body = await collectHeartbeat(kube, options);
    expect(body.pods.every((p) => !p.usageAvailable && p.cpuUsageMilli === 0 && p.memUsageBytes === 0)).toBe(true);
    expect(body.capabilities.podMetrics).toEqual({ enabled: false, detectedBy: 'SelfSubjectAccessReview list pods.metrics.k8s.io denied' });
    expect(Value.Check(HeartbeatV2, body)).toBe(true);
  });

  test('Jobs forbidden (the default role): owners stop at Job, the beat still goes out', async () => {
    const degraded: string[] = [];
    const { kube } = createFakeKube({ nodes, pods, replicaSets, jobs: new KubeError(403, 'jobs.batch is forbidden', 'Forbidden') });
    const body = await collectHeartbeat(kube, { ...options, onDegraded: (what) => degraded.push(what) });
    expect(body.pods.find((p) => p.name.startsWith('nightly'))?.ownerKind).toBe('Job');
    expect(degraded).toEqual(['jobs']);
  });

  test('pods forbidden: an empty list and the pods capability off', async () => {
    const { kube } = createFakeKube({ nodes, grants: new Set() });
    kube.listPods = async () => {
      throw new KubeError(403, 'pods is forbidden', 'Forbidden');
    };
    const body = await collectHeartbeat(kube, options);
    expect([body.pods, body.podsTotal, body.capabilities.pods.enabled]).toEqual([[], 0, false]);
  });

  test('the API server down fails the beat instead of sending an empty inventory', async () => {
    const { kube } = createFakeKube({ nodes, pods, down: new KubeError(0, 'connection refused') });
    await expect(collectHeartbeat(kube, options)).rejects.toThrow('connection refused');
  });

  test('over the cap: truncated, flagged, counts still whole', async () => {
    const { kube } = createFakeKube({ nodes, pods, replicaSets });
    const body = await collectHeartbeat(kube, { ...options, maxPods: 2 });
    expect([body.pods.length, body.podsTruncated, body.podsTotal, body.counts.pods]).toEqual([2, true, 6, 6]);
  });
});

test('truncation keeps pods that need attention first', () => {
  const context = { owners: new Map(), usage: null };
  const mapped = pods.map((p) => mapPod(p, context));
  const kept = truncatePods(mapped, 3).map((p) => p.status);
  expect(kept.sort()).toEqual(['CrashLoopBackOff', 'Evicted', 'Pending']);
});

test('distribution from the version string', () => {
  expect(detectDistribution('v1.31.4+k3s1')).toBe('k3s');
  expect(detectDistribution('v1.30.2+rke2r1')).toBe('rke2');
  expect(detectDistribution('v1.29.5-eks-49c6de4')).toBe('eks');
  expect(detectDistribution('v1.31.0')).toBe('kubernetes');
});
