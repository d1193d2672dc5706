// Incident scenarios on a simulated clock: each writes the object shapes kubelet, scheduler and controllers write
// (container states and reasons, pod conditions, node conditions and taints, workload status counts), and each
// fix clears them by the next tick. Also the policy-relevant seeded workloads and the seeded PDB with its status.
import { describe, expect, test } from 'bun:test';
import type { Cluster } from './cluster-types.ts';
import { createCluster, tickCluster } from './cluster.ts';
import { fixScenario, type ScenarioTarget, startScenario } from './incident-scenarios.ts';
import type { JsonObject } from './objects.ts';
import type { KubeObject } from './store.ts';

// Now, not a fixed date: pods built by the controllers take their creation clock from Date.now().
const T0 = Date.now();
const MIN = 60_000;

type ContainerStatus = {
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason: string; message?: string }; running?: object; terminated?: object };
  lastState: { terminated?: { reason: string; exitCode: number } };
};
type PodStatus = { phase: string; conditions: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: ContainerStatus[] };

function newCluster(nodes = 1): Cluster {
  return createCluster({ name: 'oncall', nodes, pods: 40, seed: 7, metrics: false, logLinesPerSecond: 0, logRingLines: 50, problems: [] }, T0);
}

function tick(cluster: Cluster, at: number): void {
  tickCluster(cluster, { cronEveryTicks: 0, evolve: false }, at);
}

function podsOf(cluster: Cluster, target: ScenarioTarget): KubeObject[] {
  return cluster.store.list('pods', target.namespace!).filter((p) => p.metadata.labels?.app === target.name && !p.metadata.deletionTimestamp);
}

const statusOf = (pod: KubeObject): PodStatus => pod.status as PodStatus;
const first = (pod: KubeObject): ContainerStatus => statusOf(pod).containerStatuses![0];
const restarts = (cluster: Cluster, target: ScenarioTarget): number => podsOf(cluster, target).reduce((sum, p) => sum + first(p).restartCount, 0);

function workloadStatus(cluster: Cluster, target: ScenarioTarget): JsonObject {
  const key = { Deployment: 'apps/deployments', StatefulSet: 'apps/statefulsets', DaemonSet: 'apps/daemonsets' }[target.kind as 'Deployment'];
  return cluster.store.get(key, target.namespace!, target.name)!.status as JsonObject;
}

/** After the fix and one tick: every pod of the workload runs, ready, on the fixed template. */
function expectHealthy(cluster: Cluster, target: ScenarioTarget, replicas: number): void {
  const pods = podsOf(cluster, target);
  expect(pods).toHaveLength(replicas);
  for (const pod of pods) {
    expect(statusOf(pod).phase).toBe('Running');
    expect(first(pod).ready).toBe(true);
    expect(first(pod).state.running).toBeDefined();
  }
  expect(workloadStatus(cluster, target)).toMatchObject({ readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas });
}

describe('workload scenarios', () => {
  test('crashloop: one Deployment, 10 replicas in CrashLoopBackOff, restarts climbing, last exit Error; the fixed image clears it', () => {
    const cluster = newCluster();
    const target = startScenario(cluster, 'crashloop', {}, T0);
    expect(target).toEqual({
      scenario: 'crashloop',
      kind: 'Deployment',
      namespace: 'incidents',
      name: 'payments-worker',
      subject: 'incidents/Deployment/payments-worker',
    });
    const pods = podsOf(cluster, target);
    expect(pods).toHaveLength(10);
    for (const pod of pods) {
      expect(pod.metadata.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
      expect(first(pod).lastState.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
      expect(first(pod).restartCount).toBeGreaterThan(0);
      expect(first(pod).ready).toBe(false);
    }
    expect(pods.some((p) => first(p).state.waiting?.reason === 'CrashLoopBackOff')).toBe(true);
    expect(workloadStatus(cluster, target)).toMatchObject({ readyReplicas: 0, replicas: 10 });

    const before = restarts(cluster, target);
    for (let at = T0; at <= T0 + 20 * MIN; at += 5000) tick(cluster, at);
    expect(restarts(cluster, target)).toBeGreaterThan(before);

    expect(fixScenario(cluster, target, T0 + 20 * MIN)).toBe(true);
    tick(cluster, T0 + 20 * MIN + 5000);
    expectHealthy(cluster, target, 10);
    expect(podsOf(cluster, target).every((p) => (p.spec as { containers: { image: string }[] }).containers[0].image.endsWith(':1.4.1'))).toBe(true);
  });

  test('imagepull: ErrImagePull then ImagePullBackOff; the pushed tag clears it', () => {
    const cluster = newCluster();
    const target = startScenario(cluster, 'imagepull', {}, T0);
    const reasons = new Set<string>();
    for (let at = T0; at <= T0 + 2 * MIN; at += 5000) {
      tick(cluster, at);
      for (const pod of podsOf(cluster, target)) reasons.add(first(pod).state.waiting?.reason ?? 'none');
    }
    expect([...reasons].sort()).toEqual(['ErrImagePull', 'ImagePullBackOff']);
    const pod = podsOf(cluster, target)[0];
    expect(statusOf(pod).phase).toBe('Pending');
    expect(workloadStatus(cluster, target)).toMatchObject({ readyReplicas: 0 });
    fixScenario(cluster, target, T0 + 2 * MIN);
    tick(cluster, T0 + 2 * MIN + 5000);
    expectHealthy(cluster, target, 3);
  });

  test('oom: OOMKilled with exit 137, restarts climbing; a memory limit that fits clears it', () => {
    const cluster = newCluster();
    const target = startScenario(cluster, 'oom', { replicas: 2 }, T0);
    for (const pod of podsOf(cluster, target)) expect(first(pod).lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    const before = restarts(cluster, target);
    for (let at = T0; at <= T0 + 15 * MIN; at += 5000) tick(cluster, at);
    expect(restarts(cluster, target)).toBeGreaterThan(before);
    fixScenario(cluster, target, T0 + 15 * MIN);
    tick(cluster, T0 + 15 * MIN + 5000);
    expectHealthy(cluster, target, 2);
  });

  test('unschedulable: Pending, PodScheduled False/Unschedulable with the scheduler message; a smaller request clears it', () => {
    const cluster = newCluster();
    const target = startScenario(cluster, 'unschedulable', {}, T0);
    for (const pod of podsOf(cluster, target)) {
      expect(statusOf(pod).phase).toBe('Pending');
      expect((pod.spec as { nodeName?: string }).nodeName).toBeUndefined();
      const scheduled = statusOf(pod).conditions.find((c) => c.type === 'PodScheduled')!;
      expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(scheduled.message).toStartWith('0/1 nodes are available: 1 Insufficient cpu.');
    }
    fixScenario(cluster, target, T0 + MIN);
    tick(cluster, T0 + MIN + 5000);
    expectHealthy(cluster, target, 3);
  });

  test('stuck-pending: scheduled but ContainerCreating for good, FailedMount warnings; the optional volume clears it', () => {
    const cluster = newCluster();
    const target = startScenario(cluster, 'stuck-pending', {}, T0);
    for (let at = T0; at <= T0 + MIN; at += 5000) tick(cluster, at);
    for (const pod of podsOf(cluster, target)) {
      expect(statusOf(pod).phase).toBe('Pending');
      expect((pod.spec as { nodeName?: string }).nodeName).toBe('oncall-server-0');
      expect(statusOf(pod).conditions.find((c) => c.type === 'PodScheduled')!.status).toBe('True');
      expect(statusOf(pod).conditions.find((c) => c.type === 'PodReadyToStartContainers')!.status).toBe('False');
      expect(first(pod).state.waiting?.reason).toBe('ContainerCreating');
    }
    const warnings = cluster.store.list('events', 'incidents').filter((e) => e.reason === 'FailedMount');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]!.message).toBe('MountVolume.SetUp failed for volume "config" : secret "storefront-config" not found');
    fixScenario(cluster, target, T0 + 2 * MIN);
    tick(cluster, T0 + 2 * MIN + 5000);
    expectHealthy(cluster, target, 3);
  });

  test('workload-unavailable: ready below desired for a Deployment, a StatefulSet and a DaemonSet; the readiness probe passing again clears it', () => {
    const cluster = newCluster(2);
    const deployment = startScenario(cluster, 'workload-unavailable', {}, T0);
    const statefulSet = startScenario(cluster, 'workload-unavailable', { kind: 'StatefulSet', name: 'ledger', replicas: 3, ready: 1 }, T0);
    const daemonSet = startScenario(cluster, 'workload-unavailable', { kind: 'DaemonSet', name: 'log-agent' }, T0);
    tick(cluster, T0 + 5000);
    expect(workloadStatus(cluster, deployment)).toMatchObject({ replicas: 3, readyReplicas: 2 });
    expect(workloadStatus(cluster, statefulSet)).toMatchObject({ replicas: 3, readyReplicas: 1 });
    expect(workloadStatus(cluster, daemonSet)).toMatchObject({ desiredNumberScheduled: 2, numberReady: 1 });
    const unready = podsOf(cluster, deployment).find((p) => !first(p).ready)!;
    expect(statusOf(unready).phase).toBe('Running');
    expect(statusOf(unready).conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    for (const target of [deployment, statefulSet, daemonSet]) expect(fixScenario(cluster, target, T0 + MIN)).toBe(true);
    tick(cluster, T0 + MIN + 5000);
    expect(workloadStatus(cluster, deployment)).toMatchObject({ replicas: 3, readyReplicas: 3 });
    expect(workloadStatus(cluster, statefulSet)).toMatchObject({ replicas: 3, readyReplicas: 3 });
    expect(workloadStatus(cluster, daemonSet)).toMatchObject({ desiredNumberScheduled: 2, numberReady: 2 });
  });

  test('a scenario workload that already exists is refused', () => {
    const cluster = newCluster();
    startScenario(cluster, 'crashloop', { replicas: 1 }, T0);
    expect(() => startScenario(cluster, 'crashloop', {}, T0)).toThrow('incidents/Deployment/payments-worker already exists');
  });
});

describe('node scenarios', () => {
  type NodeJson = { spec: { taints?: { key: string; effect: string }[] }; status: { conditions: { type: string; status: string; reason: string }[] } };
  const node = (cluster: Cluster, name: string): NodeJson => cluster.store.get('nodes', undefined, name) as unknown as NodeJson;
  const condition = (cluster: Cluster, name: string, type: string) => node(cluster, name).status.conditions.find((c) => c.type === type)!;

  test('node-not-ready: Ready Unknown (unreachable) or False (the kubelet says so); back to True', () => {
    const cluster = newCluster(2);
    const target = startScenario(cluster, 'node-not-ready', {}, T0);
    expect(target).toEqual({ scenario: 'node-not-ready', kind: 'Node', namespace: null, name: 'oncall-agent-1', subject: 'oncall-agent-1' });
    expect(condition(cluster, target.name, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(node(cluster, target.name).spec.taints?.map((t) => t.key)).toContain('node.kubernetes.io/unreachable');
    fixScenario(cluster, target, T0 + MIN);
    expect(condition(cluster, target.name, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });

    const reported = startScenario(cluster, 'node-not-ready', { node: 'oncall-server-0', status: 'False' }, T0 + 2 * MIN);
    expect(condition(cluster, reported.name, 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(node(cluster, reported.name).spec.taints?.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
    fixScenario(cluster, reported, T0 + 3 * MIN);
    expect(condition(cluster, reported.name, 'Ready').status).toBe('True');
    expect(node(cluster, reported.name).spec.taints).toBeUndefined();
  });

  test('node-pressure: MemoryPressure, DiskPressure and PIDPressure True with their taints; cleared by the fix', () => {
    const cluster = newCluster(2);
    const target = startScenario(cluster, 'node-pressure', { pressures: ['MemoryPressure', 'DiskPressure', 'PIDPressure'] }, T0);
    expect(condition(cluster, target.name, 'MemoryPressure')).toMatchObject({ status: 'True', reason: 'KubeletHasInsufficientMemory' });
    expect(condition(cluster, target.name, 'DiskPressure')).toMatchObject({ status: 'True', reason: 'KubeletHasDiskPressure' });
    expect(condition(cluster, target.name, 'PIDPressure')).toMatchObject({ status: 'True', reason: 'KubeletHasInsufficientPID' });
    expect(condition(cluster, target.name, 'Ready').status).toBe('True');
    expect(
      node(cluster, target.name)
        .spec.taints?.map((t) => t.key)
        .sort(),
    ).toEqual(['node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure']);
    fixScenario(cluster, target, T0 + MIN);
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) expect(condition(cluster, target.name, type).status).toBe('False');
    expect(node(cluster, target.name).spec.taints).toBeUndefined();
  });
});

describe('policy-relevant seeds', () => {
  test('a privileged host-namespace DaemonSet, a well-configured Deployment, :latest images, and a PDB with its status', () => {
    const cluster = newCluster(2);
    tick(cluster, T0 + 5000);
    const exporter = cluster.store.get('apps/daemonsets', 'monitoring', 'node-exporter')!;
    const exporterSpec = ((exporter.spec as JsonObject).template as { spec: JsonObject }).spec;
    expect(exporterSpec).toMatchObject({ hostNetwork: true, hostPID: true });
    expect((exporterSpec.containers as JsonObject[])[0]).toMatchObject({ securityContext: { privileged: true } });
    expect((exporterSpec.containers as JsonObject[])[0].livenessProbe).toBeUndefined();

    const web = cluster.store.get('apps/deployments', 'shop', 'web')!;
    const webSpec = ((web.spec as JsonObject).template as { spec: JsonObject }).spec;
    expect(webSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect((webSpec.containers as JsonObject[])[0]).toMatchObject({
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: { limits: { memory: '128Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
    });

    const pdb = cluster.store.get('policy/poddisruptionbudgets', 'shop', 'web')!;
    expect(pdb.spec).toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    expect(pdb.status).toMatchObject({ expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    expect((pdb.status as { conditions: JsonObject[] }).conditions[0]).toMatchObject({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' });
  });
});
