// The simulated cluster: built from a seed, then evolved one tick at a time (pods move through their behaviours,
// deployments roll, a node drops out now and then, usage wanders, cron jobs fire, events accumulate and expire).
import type { Cluster } from './cluster-types.ts';
import { forgetEvent, pruneEvents, recordEvent } from './events.ts';
import { createLogHub } from './logs.ts';
import { walkUsage } from './metrics.ts';
import { buildMeta, type NodeModel, renderNode } from './objects.ts';
import { seedPdbs } from './pdbs.ts';
import { advancePod, flapProbe, forgetPod } from './pods.ts';
import { createRandom, randomHex, randomUid } from './random.ts';
import { planScenario, plantScenario, seedEvents, seedNamespaces, seedServices } from './scenario.ts';
import type { Problem } from './seeds.ts';
import { createStore, type KubeObject } from './store.ts';
import { metricsServerSeed } from './system-seeds.ts';
import { refreshStatuses } from './workload-status.ts';
import { replaceOnePod, restartWorkload, runCronJobs } from './workloads.ts';

export type ClusterOptions = {
  /** Prefix of node names. */
  name: string;
  nodes: number;
  /** Total pods, system pods included (fewer when the count is below what k3s itself runs). */
  pods: number;
  seed: number;
  metrics: boolean;
  /** Average log lines per second per container, before each program's own chattiness. */
  logLinesPerSecond: number;
  logRingLines: number;
  /** The troubled workloads planted (seeds.ts PROBLEMS): all of them in tests, a few in a believable demo. */
  problems: readonly Problem[];
};

const DAY = 86_400_000;

export function buildNamespace(name: string, uid: string, createdAt: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: buildMeta({ name, uid, createdAt, labels: { 'kubernetes.io/metadata.name': name } }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function buildNodes(cluster: Cluster, count: number, name: string, clusterCreated: number): NodeModel[] {
  const random = cluster.random;
  const nodes: NodeModel[] = [];
  for (let i = 0; i < Math.max(1, count); i++) {
    const controlPlane = i === 0;
    const createdAt = clusterCreated + (controlPlane ? 0 : random.int(2, 30) * 60_000);
    nodes.push({
      name: controlPlane ? `${name}-server-0` : `${name}-agent-${i}`,
      uid: randomUid(random),
      index: i,
      controlPlane,
      internalIp: `192.168.56.${10 + i}`,
      podCidr: `10.42.${i}.0/24`,
      cpuCores: controlPlane ? 4 : random.pick([4, 8, 8, 16]),
      memKi: (controlPlane ? 8 : random.pick([16, 32, 32, 64])) * 1024 * 1024 - random.int(100_000, 400_000),
      createdAt,
      ready: true,
      readyChangedAt: createdAt + 20_000,
      recoverAtTick: 0,
      notReadyStatus: 'Unknown',
      pressures: {},
      machineId: randomHex(random, 32),
      bootId: `${randomHex(random, 8)}-${randomHex(random, 4)}-${randomHex(random, 4)}-${randomHex(random, 4)}-${randomHex(random, 12)}`,
      kernel: '6.8.0-51-generic',
      osImage: 'Ubuntu 24.04.1 LTS',
    });
  }
  return nodes;
}

export function createCluster(options: ClusterOptions, now: number = Date.now()): Cluster {
  const random = createRandom(options.seed);
  const store = createStore();
  const cluster: Cluster = {
    name: options.name,
    store,
    logs: createLogHub({ linesPerSecond: options.logLinesPerSecond, ringLines: options.logRingLines, seed: options.seed }),
    random,
    nodes: [],
    pods: new Map(),
    hints: new Map(),
    events: new Map(),
    tickCount: 0,
    metricsEnabled: options.metrics,
    nextIp: [],
  };
  // Deleting a pod or an event through any path (API, cascade, tick) also drops its model, logs and aggregation.
  store.subscribe((event) => {
    if (event.type !== 'DELETED') return;
    if (event.key === 'pods') forgetPod(cluster, event.object.metadata.namespace ?? '', event.object.metadata.name);
    if (event.key === 'events') forgetEvent(cluster, event.object.metadata.namespace, event.object.metadata.name);
  });

  const clusterAgeMs = random.int(5, 40) * DAY + random.int(0, DAY);
  const clusterCreated = now - clusterAgeMs;
  cluster.nodes = buildNodes(cluster, options.nodes, options.name, clusterCreated);
  for (const node of cluster.nodes) store.put('nodes', renderNode(node));

  const seeds = planScenario(cluster, { pods: options.pods, metrics: options.metrics, clusterAgeMs, problems: options.problems });
  const system = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'niro-system'];
  for (const name of [...system, ...seedNamespaces(seeds)]) {
    if (store.get('namespaces', undefined, name)) continue;
    const age = system.includes(name)
      ? clusterAgeMs
      : Math.min(clusterAgeMs, Math.max(...seeds.filter((s) => s.namespace === name).map((s) => s.ageMs)) + 60_000);
    store.put('namespaces', buildNamespace(name, randomUid(random), now - age));
  }
  store.put('serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: buildMeta({ name: 'niro-agent', namespace: 'niro-system', uid: randomUid(random), createdAt: now - Math.min(clusterAgeMs, 3 * DAY) }),
  });
  seedServices(cluster, clusterCreated, options.metrics);
  plantScenario(cluster, seeds, now);
  seedPdbs(cluster, now);
  seedEvents(cluster, now);
  refreshStatuses(cluster, now);
  return cluster;
}

function setNodeReadiness(cluster: Cluster, node: NodeModel, ready: boolean, now: number): void {
  if (node.ready === ready) return;
  node.ready = ready;
  if (ready) node.notReadyStatus = 'Unknown';
  node.readyChangedAt = now;
  cluster.store.put('nodes', renderNode(node));
  recordEvent(
    cluster,
    {
      type: 'Normal',
      reason: ready ? 'NodeReady' : 'NodeNotReady',
      message: `Node ${node.name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`,
      involved: { kind: 'Node', name: node.name, uid: node.uid, apiVersion: 'v1' },
      component: ready ? 'kubelet' : 'node-controller',
      host: node.name,
    },
    now,
  );
}

/**
 * Take a node down or bring it back (tests); a down node recovers on its own only when made so by the tick.
 * `status` of a down node: "Unknown" (unreachable: the node-controller's verdict) or "False" (the kubelet reports it).
 */
export function setNodeReady(cluster: Cluster, name: string, ready: boolean, now: number = Date.now(), status: 'False' | 'Unknown' = 'Unknown'): boolean {
  const node = cluster.nodes.find((n) => n.name === name);
  if (!node) return false;
  node.recoverAtTick = ready ? 0 : Number.MAX_SAFE_INTEGER;
  if (!ready) {
    const changed = !node.ready && node.notReadyStatus !== status;
    node.notReadyStatus = status;
    if (changed) cluster.store.put('nodes', renderNode(node));
  }
  setNodeReadiness(cluster, node, ready, now);
  return true;
}

export const NODE_PRESSURES = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
export type NodePressure = (typeof NODE_PRESSURES)[number];

/** A pressure condition of a node turns True (the kubelet's eviction thresholds are crossed) or back to False. */
export function setNodePressure(cluster: Cluster, name: string, type: NodePressure, on: boolean, now: number = Date.now()): boolean {
  const node = cluster.nodes.find((n) => n.name === name);
  if (!node) return false;
  if ((node.pressures[type] !== undefined) === on) return true;
  if (on) node.pressures[type] = now;
  else {
    delete node.pressures[type];
    node.pressureClearedAt = now;
  }
  cluster.store.put('nodes', renderNode(node));
  const reason = { MemoryPressure: 'NodeHasInsufficientMemory', DiskPressure: 'NodeHasDiskPressure', PIDPressure: 'NodeHasInsufficientPID' }[type];
  const cleared = { MemoryPressure: 'NodeHasSufficientMemory', DiskPressure: 'NodeHasNoDiskPressure', PIDPressure: 'NodeHasSufficientPID' }[type];
  recordEvent(
    cluster,
    {
      type: 'Normal',
      reason: on ? reason : cleared,
      message: `Node ${node.name} status is now: ${on ? reason : cleared}`,
      involved: { kind: 'Node', name: node.name, uid: node.uid, apiVersion: 'v1' },
      component: 'kubelet',
      host: node.name,
    },
    now,
  );
  return true;
}

/** Install or uninstall metrics-server: the pods come and go along with the API group. */
export function setMetricsServer(cluster: Cluster, on: boolean, now: number = Date.now()): void {
  if (cluster.metricsEnabled === on) return;
  cluster.metricsEnabled = on;
  if (!on) {
    cluster.store.remove('apps/deployments', 'kube-system', 'metrics-server');
  } else if (!cluster.store.get('apps/deployments', 'kube-system', 'metrics-server')) {
    plantScenario(cluster, [{ ...metricsServerSeed(cluster), ageMs: 0 }], now);
  }
  refreshStatuses(cluster, now);
}

export type TickOptions = {
  /** A CronJob with a short schedule fires every this many ticks (0: never). */
  cronEveryTicks: number;
  /** Spontaneous change (rollouts, pod replacements, probe blips, node drop-outs); off for fully scripted tests. */
  evolve: boolean;
};

export function tickCluster(cluster: Cluster, options: TickOptions, now: number = Date.now()): void {
  cluster.tickCount += 1;
  const random = cluster.random;
  for (const pod of [...cluster.pods.values()]) advancePod(cluster, pod, now);

  if (options.evolve) {
    const deployments = cluster.store.list('apps/deployments').filter((d) => !cluster.hints.get(d.metadata.uid)?.pinned);
    // Every few minutes someone ships: a rollout replaces every pod of one deployment.
    if (deployments.length > 0 && random.chance(0.03)) restartWorkload(cluster, random.pick(deployments), now);
    // More often a single pod is replaced (drain, eviction, a scale blip): a new pod name appears.
    const steady = [...cluster.pods.values()].filter((p) => p.behaviour === 'steady' && p.owner?.kind === 'ReplicaSet');
    const movable = steady.filter((p) => !cluster.hints.get(cluster.store.findByUid(p.owner!.uid)?.object.metadata.ownerReferences?.[0]?.uid ?? '')?.pinned);
    if (movable.length > 0 && random.chance(0.1)) replaceOnePod(cluster, random.pick(movable), now);
    if (steady.length > 0 && random.chance(0.2)) flapProbe(cluster, random.pick(steady), now);
    // Rarely (every few hours at 5 s ticks) an agent node stops reporting for a minute or so, then comes back:
    // a real blip, not a cluster in trouble every few minutes.
    for (const node of cluster.nodes) if (!node.ready && cluster.tickCount >= node.recoverAtTick) setNodeReadiness(cluster, node, true, now);
    const workers = cluster.nodes.filter((n) => !n.controlPlane);
    if (workers.length > 0 && workers.every((n) => n.ready) && random.chance(0.0005)) {
      const node = workers[workers.length - 1];
      node.recoverAtTick = cluster.tickCount + random.int(6, 20);
      setNodeReadiness(cluster, node, false, now);
    }
  }
  runCronJobs(cluster, now, options.cronEveryTicks);
  walkUsage(cluster);
  refreshStatuses(cluster, now);
  pruneEvents(cluster, now, Math.max(300, cluster.pods.size));
}
