// Incident scenarios a test switches on and off on a running simulator: each plants what kubelet, scheduler and
// controllers would write for one kind of trouble (a crash-looping Deployment, an image that can't be pulled, an
// OOM-killed container, unschedulable pods, a NotReady node, node pressure, a workload below its ready count), and
// each has its fix — what an operator would do — after which the condition clears on the next tick.
import type { NodePressure } from './cluster.ts';
import { buildNamespace, setNodePressure, setNodeReady } from './cluster.ts';
import type { Cluster } from './cluster-types.ts';
import type { JsonObject, PodBehaviour } from './objects.ts';
import { savePod } from './pods.ts';
import { randomUid } from './random.ts';
import { plantScenario } from './scenario.ts';
import { container, type Seed } from './seeds.ts';
import type { KubeObject } from './store.ts';
import { storeKeyOfKind, templateOf } from './workload-objects.ts';
import { refreshStatuses } from './workload-status.ts';
import { reconcileWorkload } from './workloads.ts';

export const SCENARIOS = [
  'crashloop',
  'imagepull',
  'oom',
  'unschedulable',
  'stuck-pending',
  'node-not-ready',
  'node-pressure',
  'workload-unavailable',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export type ScenarioWorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export type ScenarioOptions = {
  /** Workload scenarios: the namespace (created when missing). Default "incidents". */
  namespace?: string;
  /** Workload scenarios: the workload's name. Default per scenario (see DEFAULT_NAMES). */
  name?: string;
  /** Workload scenarios: replicas. Default 10 for crashloop, 3 otherwise (a DaemonSet has one pod per node). */
  replicas?: number;
  /** workload-unavailable: which kind of workload. Default Deployment. */
  kind?: ScenarioWorkloadKind;
  /** workload-unavailable: how many of its pods are ready. Default one fewer than desired. */
  ready?: number;
  /** Workload scenarios: how long the trouble has been going (restart counts follow the kubelet's back-off). Default 10 min. */
  sinceMs?: number;
  /** Node scenarios: the node. Default the last node (a worker when there are several). */
  node?: string;
  /** node-not-ready: "Unknown" (unreachable, the default) or "False" (the kubelet reports NotReady). */
  status?: 'False' | 'Unknown';
  /** node-pressure: which conditions turn True. Default ["MemoryPressure"]. */
  pressures?: NodePressure[];
};

/** What a scenario touched; pass it to fixScenario. */
export type ScenarioTarget = {
  scenario: ScenarioName;
  kind: ScenarioWorkloadKind | 'Node';
  /** null for a node. */
  namespace: string | null;
  name: string;
  /** `${namespace}/${kind}/${name}` for a workload (the subject Niro files workload incidents under), the node's name for a node. */
  subject: string;
  /** node-pressure: the conditions turned True. */
  pressures?: NodePressure[];
};

export const DEFAULT_NAMES: Record<Exclude<ScenarioName, 'node-not-ready' | 'node-pressure'>, string> = {
  crashloop: 'payments-worker',
  imagepull: 'catalog',
  oom: 'thumbnailer',
  unschedulable: 'ml-trainer',
  'stuck-pending': 'storefront',
  'workload-unavailable': 'inventory',
};

const REGISTRY = 'registry.example.com/incidents';

/** The broken pod spec of each workload scenario and the behaviour its pods live. */
function brokenSpec(scenario: ScenarioName, name: string): { podSpec: JsonObject; behaviour: PodBehaviour } {
  const http = [{ containerPort: 8080, name: 'http' }];
  switch (scenario) {
    case 'crashloop':
      return {
        behaviour: 'crashloop',
        podSpec: { containers: [container(name, `${REGISTRY}/${name}:1.4.0`, { cpu: '100m', memory: '128Mi', memoryLimit: '256Mi', ports: http })] },
      };
    case 'imagepull':
      // A tag that was never pushed.
      return {
        behaviour: 'imagepull',
        podSpec: { containers: [container(name, `${REGISTRY}/${name}:2.0.0-rc.1`, { cpu: '100m', memory: '128Mi', ports: http })] },
      };
    case 'oom':
      // A limit below the working set: the kernel kills it seconds after each start.
      return {
        behaviour: 'oomloop',
        podSpec: { containers: [container(name, `${REGISTRY}/${name}:3.1.0`, { cpu: '200m', memory: '48Mi', memoryLimit: '64Mi' })] },
      };
    case 'unschedulable':
      // More CPU than any node has.
      return { behaviour: 'pending', podSpec: { containers: [container(name, `${REGISTRY}/${name}:0.9.0`, { cpu: '64', memory: '2Gi' })] } };
    case 'stuck-pending':
      // Scheduled, but its config Secret was never created: ContainerCreating for good, FailedMount warnings.
      return {
        behaviour: 'mountfail',
        podSpec: {
          containers: [
            {
              ...container(name, `${REGISTRY}/${name}:1.8.2`, { cpu: '100m', memory: '128Mi', ports: http }),
              volumeMounts: [{ mountPath: '/etc/app', name: 'config', readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', secret: { defaultMode: 420, secretName: `${name}-config` } }],
        },
      };
    default:
      return {
        behaviour: 'unready',
        podSpec: {
          containers: [container(name, `${REGISTRY}/${name}:5.2.0`, { cpu: '100m', memory: '128Mi', memoryLimit: '256Mi', ports: http, probes: true })],
        },
      };
  }
}

/** What the operator changes in the template to fix each workload scenario. */
function fixSpec(scenario: ScenarioName, spec: JsonObject): void {
  const first = (spec.containers as JsonObject[])[0];
  const resources = (first.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
  switch (scenario) {
    case 'crashloop':
      first.image = String(first.image).replace(/:[^:]+$/, ':1.4.1');
      return;
    case 'imagepull':
      first.image = String(first.image).replace(/:[^:]+$/, ':2.0.0');
      return;
    case 'oom':
      first.resources = { requests: { ...resources.requests, memory: '256Mi' }, limits: { ...resources.limits, memory: '512Mi' } };
      return;
    case 'unschedulable':
      first.resources = { ...resources, requests: { ...resources.requests, cpu: '500m' } };
      return;
    case 'stuck-pending':
      // The app starts without its optional config.
      for (const volume of (spec.volumes as { secret?: JsonObject }[] | undefined) ?? []) if (volume.secret) volume.secret.optional = true;
      return;
    default:
      return;
  }
}

function ensureNamespace(cluster: Cluster, namespace: string, now: number): void {
  if (!cluster.store.get('namespaces', undefined, namespace)) cluster.store.put('namespaces', buildNamespace(namespace, randomUid(cluster.random), now));
}

function defaultNode(cluster: Cluster, wanted: string | undefined): string {
  const node = wanted ?? cluster.nodes[cluster.nodes.length - 1]?.name;
  if (!node || !cluster.nodes.some((n) => n.name === node)) throw new Error(`no node "${wanted ?? ''}" in the simulated cluster`);
  return node;
}

/** Switches a scenario on; throws when the workload it would create already exists or the node is unknown. */
export function startScenario(cluster: Cluster, scenario: ScenarioName, options: ScenarioOptions = {}, now: number = Date.now()): ScenarioTarget {
  if (scenario === 'node-not-ready') {
    const node = defaultNode(cluster, options.node);
    setNodeReady(cluster, node, false, now, options.status ?? 'Unknown');
    return { scenario, kind: 'Node', namespace: null, name: node, subject: node };
  }
  if (scenario === 'node-pressure') {
    const node = defaultNode(cluster, options.node);
    const pressures = options.pressures ?? ['MemoryPressure'];
    for (const type of pressures) setNodePressure(cluster, node, type, true, now);
    return { scenario, kind: 'Node', namespace: null, name: node, subject: node, pressures };
  }
  const kind: ScenarioWorkloadKind = scenario === 'workload-unavailable' ? (options.kind ?? 'Deployment') : 'Deployment';
  const namespace = options.namespace ?? 'incidents';
  const name = options.name ?? DEFAULT_NAMES[scenario];
  if (cluster.store.get(storeKeyOfKind(kind)!, namespace, name)) throw new Error(`${namespace}/${kind}/${name} already exists`);
  const desired = kind === 'DaemonSet' ? cluster.nodes.length : (options.replicas ?? (scenario === 'crashloop' ? 10 : 3));
  const { podSpec, behaviour } = brokenSpec(scenario, name);
  const ready = scenario === 'workload-unavailable' ? Math.max(0, Math.min(desired, options.ready ?? desired - 1)) : 0;
  const behaviours = Array.from({ length: desired }, (_, i) => (i < ready ? 'steady' : behaviour));
  ensureNamespace(cluster, namespace, now);
  const seed: Seed = {
    kind,
    namespace,
    name,
    replicas: desired,
    behaviours,
    pinned: true,
    ageMs: options.sinceMs ?? 10 * 60_000,
    cost: desired,
    podSpec,
  };
  plantScenario(cluster, [seed], now);
  refreshStatuses(cluster, now);
  return { scenario, kind, namespace, name, subject: `${namespace}/${kind}/${name}` };
}

/**
 * The fix: a node comes back (Ready True) or its pressure goes; a workload is rolled out with a template that works
 * (a fixed image, a memory limit that fits, a request a node can meet) — its new pods are up from the next tick,
 * the broken ones are gone — or, for an unavailable workload, the dependency its readiness probe checks is back.
 * Returns false when the target no longer exists.
 */
export function fixScenario(cluster: Cluster, target: ScenarioTarget, now: number = Date.now()): boolean {
  if (target.kind === 'Node') {
    if (target.scenario === 'node-pressure') return (target.pressures ?? []).every((type) => setNodePressure(cluster, target.name, type, false, now));
    return setNodeReady(cluster, target.name, true, now);
  }
  const key = storeKeyOfKind(target.kind)!;
  const object = cluster.store.get(key, target.namespace ?? undefined, target.name);
  if (!object) return false;
  // Pinned still: a spontaneous rollout must not blur what the test watches.
  cluster.hints.set(object.metadata.uid, { pinned: true });
  if (target.scenario === 'workload-unavailable') {
    for (const pod of cluster.pods.values()) {
      if (pod.behaviour !== 'unready' || !ownedBy(cluster, pod.owner?.uid, object)) continue;
      pod.behaviour = 'steady';
      for (const c of pod.containers) c.ready = true;
      pod.readySince = now;
      savePod(cluster, pod);
    }
  } else {
    const template = templateOf(object);
    fixSpec(target.scenario, (template.spec ??= {}));
    object.metadata.generation = (object.metadata.generation ?? 1) + 1;
    cluster.store.touch(key, object);
    reconcileWorkload(cluster, object, now, false);
  }
  refreshStatuses(cluster, now);
  return true;
}

/** Whether the owner uid is the workload itself or one of its ReplicaSets. */
function ownedBy(cluster: Cluster, ownerUid: string | undefined, workload: KubeObject): boolean {
  if (!ownerUid) return false;
  if (ownerUid === workload.metadata.uid) return true;
  return cluster.store.findByUid(ownerUid)?.object.metadata.ownerReferences?.[0]?.uid === workload.metadata.uid;
}
