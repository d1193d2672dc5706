// What a simulated cluster contains: a fresh k3s (coredns, traefik + svclb, helm-install jobs, metrics-server,
// local-path-provisioner), the Niro agent, one of every troubled pod shape, then ordinary apps up to the pod count.
// The catalogues of seeds live beside it (system-seeds.ts, trouble-seeds.ts, filler-seeds.ts, all built from
// seeds.ts); this file spends the pod budget on them, plants them, and adds the Services and recent events a fresh
// API server already holds.
import type { Cluster } from './cluster-types.ts';
import { recordRepeatedEvent } from './events.ts';
import { fillerSeeds } from './filler-seeds.ts';
import { buildMeta, type JsonObject } from './objects.ts';
import { createPod } from './pods.ts';
import { randomUid } from './random.ts';
import { DAY, type Problem, type Seed } from './seeds.ts';
import type { KubeObject } from './store.ts';
import { systemSeeds } from './system-seeds.ts';
import { troubleSeeds } from './trouble-seeds.ts';
import { buildJob, buildWorkload, storeKeyOfKind } from './workload-objects.ts';
import { reconcileWorkload } from './workloads.ts';

function plant(cluster: Cluster, seed: Seed, now: number): void {
  const createdAt = now - seed.ageMs;
  if (seed.kind === 'Pod') {
    createPod(
      cluster,
      {
        namespace: seed.namespace,
        name: seed.name,
        labels: { run: seed.name },
        owner: null,
        template: seed.podSpec,
        behaviour: seed.behaviours?.[0] ?? 'steady',
        createdAt,
      },
      now,
    );
    return;
  }
  const object = buildWorkload(cluster, {
    kind: seed.kind,
    namespace: seed.namespace,
    name: seed.name,
    labels: seed.labels,
    replicas: seed.replicas,
    podSpec: seed.podSpec,
    createdAt,
    schedule: seed.schedule,
    owner: seed.owner ?? null,
  });
  if (seed.behaviours || seed.extras || seed.pinned)
    cluster.hints.set(object.metadata.uid, { behaviours: seed.behaviours, extras: seed.extras, pinned: seed.pinned });
  cluster.store.put(storeKeyOfKind(seed.kind)!, object);
  if (seed.kind === 'CronJob') {
    // Its last runs: one Job per scheduled slot, newest last, each with a completed pod.
    const jobSpec = ((object.spec as JsonObject).jobTemplate as { spec: JsonObject }).spec;
    const every = seed.schedule === '0 2 * * *' ? DAY : 5 * 60_000;
    for (let i = seed.history ?? 0; i >= 1; i--) {
      const at = Math.floor((now - i * every) / every) * every;
      const job = buildJob(cluster, seed.namespace, `${seed.name}-${Math.floor(at / 60_000)}`, jobSpec, at, object);
      cluster.store.put('batch/jobs', job);
      reconcileWorkload(cluster, job, now, true);
    }
    return;
  }
  reconcileWorkload(cluster, object, now, true);
}

/**
 * The recent past a fresh API server would still hold: aggregated Warnings of the troubled pods (a crash loop has
 * been complaining for a while) and the Normal lifecycle events of pods started within the last hour.
 */
export function seedEvents(cluster: Cluster, now: number): void {
  for (const pod of cluster.pods.values()) {
    const c = pod.containers[0];
    const host = pod.nodeName ?? undefined;
    const involved = { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, apiVersion: 'v1' };
    const atContainer = { ...involved, fieldPath: `spec.containers{${c.name}}` };
    const since = Math.max(pod.createdAt, now - 55 * 60_000);
    const repeats = (every: number): number => Math.max(1, Math.floor((now - since) / every));
    switch (pod.behaviour) {
      case 'crashloop':
        recordRepeatedEvent(
          cluster,
          {
            type: 'Warning',
            reason: 'BackOff',
            message: `Back-off restarting failed container ${c.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
            involved: atContainer,
            component: 'kubelet',
            host,
          },
          since,
          now - 20_000,
          repeats(10_000),
        );
        break;
      case 'imagepull':
        recordRepeatedEvent(
          cluster,
          { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${c.image}"`, involved: atContainer, component: 'kubelet', host },
          since,
          now - 15_000,
          repeats(20_000),
        );
        recordRepeatedEvent(
          cluster,
          { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', involved: atContainer, component: 'kubelet', host },
          since,
          now - 15_000,
          repeats(20_000),
        );
        break;
      case 'pending':
        recordRepeatedEvent(
          cluster,
          { type: 'Warning', reason: 'FailedScheduling', message: pod.message ?? '', involved, component: 'default-scheduler' },
          since,
          now - 40_000,
          repeats(300_000),
        );
        break;
      case 'steady':
        if (now - pod.createdAt > 60 * 60_000 || !host) break;
        recordRepeatedEvent(
          cluster,
          {
            type: 'Normal',
            reason: 'Scheduled',
            message: `Successfully assigned ${pod.namespace}/${pod.name} to ${host}`,
            involved,
            component: 'default-scheduler',
          },
          pod.createdAt,
          pod.createdAt,
          1,
        );
        for (const container of pod.containers) {
          const at = { ...involved, fieldPath: `spec.containers{${container.name}}` };
          recordRepeatedEvent(
            cluster,
            {
              type: 'Normal',
              reason: 'Pulled',
              message: `Container image "${container.image.replace(/^docker\.io\/(library\/)?/, '')}" already present on machine`,
              involved: at,
              component: 'kubelet',
              host,
            },
            pod.createdAt + 2000,
            pod.createdAt + 2000,
            1,
          );
          recordRepeatedEvent(
            cluster,
            { type: 'Normal', reason: 'Created', message: `Created container ${container.name}`, involved: at, component: 'kubelet', host },
            pod.createdAt + 3000,
            pod.createdAt + 3000,
            1,
          );
          recordRepeatedEvent(
            cluster,
            { type: 'Normal', reason: 'Started', message: `Started container ${container.name}`, involved: at, component: 'kubelet', host },
            pod.createdAt + 4000,
            pod.createdAt + 4000,
            1,
          );
        }
        break;
      default:
        break;
    }
  }
}

function service(
  cluster: Cluster,
  namespace: string,
  name: string,
  createdAt: number,
  spec: JsonObject,
  labels: Record<string, string>,
  status: JsonObject = { loadBalancer: {} },
): KubeObject {
  const clusterIP = String(spec.clusterIP);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: buildMeta({ name, namespace, uid: randomUid(cluster.random), createdAt, labels }),
    spec: {
      clusterIP,
      clusterIPs: [clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      type: 'ClusterIP',
      ...spec,
    },
    status,
  };
}

/** The Services a fresh k3s has: the API server's, kube-dns, metrics-server and traefik's LoadBalancer (served by svclb). */
export function seedServices(cluster: Cluster, clusterCreated: number, metrics: boolean): void {
  const port = (name: string, p: number, protocol = 'TCP', target: number | string = p): JsonObject => ({ name, port: p, protocol, targetPort: target });
  const nodeIps = cluster.nodes.map((n) => ({ ip: n.internalIp, ipMode: 'VIP' }));
  const services = [
    service(
      cluster,
      'default',
      'kubernetes',
      clusterCreated,
      { clusterIP: '10.43.0.1', ports: [port('https', 443, 'TCP', 6443)] },
      { component: 'apiserver', provider: 'kubernetes' },
    ),
    service(
      cluster,
      'kube-system',
      'kube-dns',
      clusterCreated,
      { clusterIP: '10.43.0.10', ports: [port('dns', 53, 'UDP', 53), port('dns-tcp', 53), port('metrics', 9153)], selector: { 'k8s-app': 'kube-dns' } },
      { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' },
    ),
    service(
      cluster,
      'kube-system',
      'traefik',
      clusterCreated + 60_000,
      {
        allocateLoadBalancerNodePorts: true,
        clusterIP: `10.43.${cluster.random.int(1, 254)}.${cluster.random.int(1, 254)}`,
        externalTrafficPolicy: 'Cluster',
        ports: [
          { ...port('web', 80, 'TCP', 'web'), nodePort: cluster.random.int(30000, 32767) },
          { ...port('websecure', 443, 'TCP', 'websecure'), nodePort: cluster.random.int(30000, 32767) },
        ],
        selector: { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' },
        type: 'LoadBalancer',
      },
      { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' },
      { loadBalancer: { ingress: nodeIps } },
    ),
  ];
  if (metrics) {
    services.push(
      service(
        cluster,
        'kube-system',
        'metrics-server',
        clusterCreated,
        {
          clusterIP: `10.43.${cluster.random.int(1, 254)}.${cluster.random.int(1, 254)}`,
          ports: [port('https', 443, 'TCP', 'https')],
          selector: { 'k8s-app': 'metrics-server' },
        },
        { 'k8s-app': 'metrics-server', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'Metrics-server' },
      ),
    );
  }
  for (const object of services) cluster.store.put('services', object);
}

/** A trouble seed as a cluster without its problem has it: the workload without its extras, or nothing. */
function withoutProblem(seed: Seed, problems: ReadonlySet<Problem>): Seed | null {
  if (!seed.problem || problems.has(seed.problem)) return seed;
  if (!seed.extras) return null;
  return { ...seed, extras: undefined, problem: undefined, cost: seed.cost - seed.extras.length };
}

/**
 * What to plant, spending the pod budget on k3s itself, the trouble shapes the cluster is seeded with
 * (`problems`), then filler apps.
 */
export function planScenario(cluster: Cluster, options: { pods: number; metrics: boolean; clusterAgeMs: number; problems: readonly Problem[] }): Seed[] {
  const problems: ReadonlySet<Problem> = new Set(options.problems);
  const system = systemSeeds(cluster, options.metrics, options.clusterAgeMs);
  let budget = options.pods - system.reduce((sum, s) => sum + s.cost, 0);
  const chosen: Seed[] = [...system];
  for (const trouble of troubleSeeds(cluster.nodes.length)) {
    const seed = withoutProblem(trouble, problems);
    if (!seed || seed.cost > budget) continue;
    chosen.push(seed);
    budget -= seed.cost;
  }
  if (budget > 0) chosen.push(...fillerSeeds(cluster, budget, options.clusterAgeMs, problems.has('crashloop')));
  return chosen;
}

export function plantScenario(cluster: Cluster, seeds: Seed[], now: number): void {
  for (const seed of seeds) plant(cluster, seed, now);
}

export function seedNamespaces(seeds: Seed[]): string[] {
  return [...new Set(seeds.map((s) => s.namespace))];
}
