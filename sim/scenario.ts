// What a simulated cluster contains: a fresh k3s (coredns, traefik + svclb, helm-install jobs, metrics-server,
// local-path-provisioner), the Niro agent, one of every troubled pod shape, then ordinary apps up to the pod count.
import type { Cluster } from './cluster-types.ts';
import { recordRepeatedEvent } from './events.ts';
import { buildMeta, type JsonObject, type PodBehaviour } from './objects.ts';
import { randomHex, randomUid } from './random.ts';
import type { KubeObject } from './store.ts';
import { buildJob, buildWorkload, storeKeyOfKind, type WorkloadKind } from './workload-objects.ts';
import { reconcileWorkload } from './workloads.ts';
import { createPod } from './pods.ts';
import { AGENT_NAME, AGENT_NAMESPACE } from './rbac.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const AGENT_IMAGE = 'ghcr.io/niro/niro-agent:0.1.0';

type ContainerOptions = {
  cpu?: string;
  memory?: string;
  memoryLimit?: string;
  cpuLimit?: string;
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  probes?: boolean;
  args?: string[];
  command?: string[];
  env?: { name: string; value: string }[];
  restartPolicy?: 'Always';
  securityContext?: JsonObject;
};

function container(name: string, image: string, o: ContainerOptions = {}): JsonObject {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  if (o.cpuLimit) limits.cpu = o.cpuLimit;
  if (o.memoryLimit) limits.memory = o.memoryLimit;
  const port = o.ports?.[0]?.containerPort ?? 8080;
  const probe = (path: string): JsonObject => ({ failureThreshold: 3, httpGet: { path, port, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 });
  return {
    name,
    image,
    ...(o.command ? { command: o.command } : {}),
    ...(o.args ? { args: o.args } : {}),
    ...(o.env ? { env: o.env } : {}),
    ...(o.ports ? { ports: o.ports.map((p) => ({ protocol: 'TCP', ...p })) } : {}),
    ...(o.probes ? { livenessProbe: probe('/healthz'), readinessProbe: probe('/readyz') } : {}),
    resources: { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) },
    ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}),
    ...(o.securityContext ? { securityContext: o.securityContext } : {}),
  };
}

type Seed = {
  kind: WorkloadKind | 'Pod';
  namespace: string;
  name: string;
  replicas?: number;
  podSpec: JsonObject;
  labels?: Record<string, string>;
  behaviours?: PodBehaviour[];
  extras?: PodBehaviour[];
  pinned?: boolean;
  /** Completed Jobs a CronJob has already run (seeded history). */
  history?: number;
  schedule?: string;
  ageMs: number;
  owner?: KubeObject;
  /** Pods this seed creates (DaemonSets: one per node). */
  cost: number;
};

const CRITICAL_TOLERATIONS = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' },
  { effect: 'NoSchedule', key: 'node-role.kubernetes.io/master', operator: 'Exists' },
];

function helmChart(cluster: Cluster, name: string, createdAt: number): KubeObject {
  // HelmCharts are k3s CRDs the simulator does not serve; the object only exists to be named by ownerReferences.
  return { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: buildMeta({ name, namespace: 'kube-system', uid: randomUid(cluster.random), createdAt }) };
}

function systemSeeds(cluster: Cluster, metrics: boolean, age: number): Seed[] {
  const nodes = cluster.nodes.length;
  const svclbHash = randomHex(cluster.random, 8);
  const seeds: Seed[] = [
    {
      kind: 'Deployment', namespace: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, pinned: true, ageMs: age, cost: 1,
      podSpec: { priorityClassName: 'system-cluster-critical', serviceAccountName: 'coredns', nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: CRITICAL_TOLERATIONS, containers: [container('coredns', 'rancher/mirrored-coredns-coredns:1.11.3', { cpu: '100m', memory: '70Mi', memoryLimit: '170Mi', args: ['-conf', '/etc/coredns/Corefile'], ports: [{ containerPort: 53, name: 'dns', protocol: 'UDP' }, { containerPort: 53, name: 'dns-tcp' }, { containerPort: 9153, name: 'metrics' }], probes: true })] },
    },
    {
      kind: 'Deployment', namespace: 'kube-system', name: 'local-path-provisioner', labels: { app: 'local-path-provisioner' }, pinned: true, ageMs: age, cost: 1,
      podSpec: { priorityClassName: 'system-node-critical', serviceAccountName: 'local-path-provisioner-service-account', tolerations: CRITICAL_TOLERATIONS, containers: [container('local-path-provisioner', 'rancher/local-path-provisioner:v0.0.30', { command: ['local-path-provisioner', 'start', '--config', '/etc/config/config.json'] })] },
    },
    {
      kind: 'Deployment', namespace: 'kube-system', name: 'traefik', labels: { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' }, pinned: true, ageMs: age - 60_000, cost: 1,
      podSpec: { priorityClassName: 'system-cluster-critical', serviceAccountName: 'traefik', tolerations: CRITICAL_TOLERATIONS, containers: [container('traefik', 'rancher/mirrored-library-traefik:2.11.18', { args: ['--entryPoints.web.address=:8000/tcp', '--entryPoints.websecure.address=:8443/tcp', '--providers.kubernetescrd', '--providers.kubernetesingress'], ports: [{ containerPort: 9100, name: 'metrics' }, { containerPort: 8000, name: 'web' }, { containerPort: 8443, name: 'websecure' }], probes: true, securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65532, capabilities: { drop: ['ALL'] } } })] },
    },
    {
      kind: 'DaemonSet', namespace: 'kube-system', name: `svclb-traefik-${svclbHash}`, labels: { app: `svclb-traefik-${svclbHash}`, 'svccontroller.k3s.cattle.io/svcname': 'traefik', 'svccontroller.k3s.cattle.io/svcnamespace': 'kube-system' }, pinned: true, ageMs: age - 60_000, cost: nodes,
      podSpec: { automountServiceAccountToken: false, priorityClassName: 'system-node-critical', tolerations: CRITICAL_TOLERATIONS, containers: [80, 443].map((p) => container(`lb-tcp-${p}`, 'rancher/klipper-lb:v0.4.9', { ports: [{ containerPort: p, name: `lb-tcp-${p}` }], env: [{ name: 'SRC_PORT', value: String(p) }, { name: 'DEST_PROTO', value: 'TCP' }], securityContext: { capabilities: { add: ['NET_ADMIN'] } } })) },
    },
    ...(['traefik-crd', 'traefik'] as const).map((chart, i): Seed => ({
      kind: 'Job', namespace: 'kube-system', name: `helm-install-${chart}`, labels: { 'helmcharts.helm.cattle.io/chart': chart }, pinned: true, ageMs: age - 10_000 * i, cost: 1,
      owner: helmChart(cluster, chart, Date.now() - age),
      podSpec: { restartPolicy: 'OnFailure', serviceAccountName: `helm-${chart}`, containers: [container('helm', 'rancher/klipper-helm:v0.9.3-build20241008', { args: ['install', '--set-string', 'global.systemDefaultRegistry='], env: [{ name: 'NAME', value: chart }, { name: 'VERSION', value: '' }, { name: 'TARGET_NAMESPACE', value: 'kube-system' }] })] },
    })),
    {
      kind: 'Deployment', namespace: AGENT_NAMESPACE, name: AGENT_NAME, labels: { 'app.kubernetes.io/name': AGENT_NAME }, pinned: true, ageMs: Math.min(age, 3 * DAY), cost: 1,
      podSpec: {
        serviceAccountName: AGENT_NAME,
        securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [container('agent', AGENT_IMAGE, { cpu: '20m', memory: '48Mi', memoryLimit: '128Mi', cpuLimit: '500m', env: [{ name: 'NIRO_URL', value: 'https://app.niro.cx' }, { name: 'NODE_EXTRA_CA_CERTS', value: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' }], securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } })],
      },
    },
  ];
  if (metrics) {
    seeds.splice(2, 0, {
      kind: 'Deployment', namespace: 'kube-system', name: 'metrics-server', labels: { 'k8s-app': 'metrics-server' }, pinned: true, ageMs: age, cost: 1,
      podSpec: { priorityClassName: 'system-node-critical', serviceAccountName: 'metrics-server', tolerations: CRITICAL_TOLERATIONS, containers: [container('metrics-server', 'rancher/mirrored-metrics-server:v0.7.2', { cpu: '100m', memory: '70Mi', args: ['--cert-dir=/tmp', '--secure-port=10250', '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname', '--kubelet-use-node-status-port', '--metric-resolution=15s'], ports: [{ containerPort: 10250, name: 'https' }], probes: true })] },
    });
  }
  return seeds;
}

/** One of each pod shape an operator must recognise, in the order they are kept when the pod budget is small. */
function troubleSeeds(nodes: number): Seed[] {
  const reg = 'registry.example.com';
  return [
    { kind: 'Deployment', namespace: 'payments', name: 'ledger-sync', replicas: 1, behaviours: ['crashloop'], pinned: true, ageMs: 5 * HOUR, cost: 1, podSpec: { containers: [container('ledger-sync', `${reg}/payments/ledger-sync-python:0.9.4`, { cpu: '50m', memory: '128Mi', memoryLimit: '256Mi', env: [{ name: 'LOG_LEVEL', value: 'info' }] })] } },
    { kind: 'Deployment', namespace: 'shop', name: 'recommendations', replicas: 1, behaviours: ['imagepull'], pinned: true, ageMs: 40 * 60_000, cost: 1, podSpec: { containers: [container('recommendations', `${reg}/shop/recommendations:v2.0.0-rc1`, { cpu: '100m', memory: '256Mi', ports: [{ containerPort: 8080, name: 'http' }] })] } },
    { kind: 'Deployment', namespace: 'shop', name: 'image-resizer', replicas: 1, behaviours: ['oom'], pinned: true, ageMs: 2 * DAY, cost: 1, podSpec: { containers: [container('resizer', `${reg}/shop/image-resizer-python:1.3.0`, { cpu: '200m', memory: '192Mi', memoryLimit: '256Mi' })] } },
    { kind: 'Deployment', namespace: 'data', name: 'search-indexer', replicas: 1, behaviours: ['pending'], pinned: true, ageMs: 25 * 60_000, cost: 1, podSpec: { containers: [container('indexer', `${reg}/data/search-indexer:4.1.0`, { cpu: String(Math.max(12, nodes * 4)), memory: '24Gi' })] } },
    { kind: 'Deployment', namespace: 'shop', name: 'legacy-worker', replicas: 1, extras: ['evicted'], pinned: true, ageMs: 9 * DAY, cost: 2, podSpec: { containers: [container('worker', `${reg}/shop/legacy-worker-java:3.2.7`, { cpu: '250m', memory: '256Mi' })] } },
    { kind: 'Deployment', namespace: 'shop', name: 'cart', replicas: 2, extras: ['stuck'], pinned: true, ageMs: 6 * DAY, cost: 3, podSpec: { containers: [container('cart', `${reg}/shop/cart-node:2.8.1`, { cpu: '100m', memory: '128Mi', memoryLimit: '256Mi', ports: [{ containerPort: 3000, name: 'http' }], probes: true })] } },
    {
      kind: 'Deployment', namespace: 'shop', name: 'api', replicas: 2, ageMs: 3 * DAY, cost: 2,
      podSpec: {
        initContainers: [
          container('migrate', `${reg}/shop/api:1.14.2`, { command: ['/app/migrate', 'up'] }),
          container('log-shipper', 'fluent/fluent-bit:3.2.2', { cpu: '10m', memory: '32Mi', memoryLimit: '64Mi', restartPolicy: 'Always' }),
        ],
        containers: [container('api', `${reg}/shop/api:1.14.2`, { cpu: '250m', memory: '256Mi', memoryLimit: '512Mi', cpuLimit: '1', ports: [{ containerPort: 8080, name: 'http' }], probes: true })],
      },
    },
    {
      kind: 'Deployment', namespace: 'shop', name: 'checkout', replicas: 2, ageMs: 4 * DAY, cost: 2,
      podSpec: { containers: [container('checkout', `${reg}/shop/checkout-java:2.4.1`, { cpu: '500m', memory: '768Mi', memoryLimit: '1Gi', ports: [{ containerPort: 8080, name: 'http' }], probes: true }), container('envoy', 'envoyproxy/envoy:v1.32.1', { cpu: '50m', memory: '64Mi', ports: [{ containerPort: 9901, name: 'admin' }] })] },
    },
    { kind: 'CronJob', namespace: 'batch', name: 'nightly-report', schedule: '0 2 * * *', history: 3, pinned: true, ageMs: 20 * DAY, cost: 3, podSpec: { containers: [container('report', `${reg}/batch/reports-python:5.0.2`, { cpu: '100m', memory: '256Mi' })] } },
    { kind: 'CronJob', namespace: 'batch', name: 'queue-sweeper', schedule: '*/5 * * * *', history: 2, pinned: true, ageMs: 8 * DAY, cost: 2, podSpec: { containers: [container('sweeper', 'busybox:1.37', { command: ['sh', '-c', 'echo sweeping; sleep 5'] })] } },
    { kind: 'Job', namespace: 'batch', name: 'import-catalog', behaviours: ['failed', 'failed'], pinned: true, ageMs: 3 * HOUR, cost: 2, podSpec: { restartPolicy: 'Never', containers: [container('import', `${reg}/batch/import-catalog:1.0.0`, { cpu: '100m', memory: '128Mi' })] } },
    { kind: 'Deployment', namespace: 'shop', name: 'web', replicas: 3, ageMs: 12 * DAY, cost: 3, podSpec: { containers: [container('nginx', 'nginx:1.27.3-alpine', { cpu: '50m', memory: '64Mi', memoryLimit: '128Mi', ports: [{ containerPort: 80, name: 'http' }], probes: true })] } },
    { kind: 'StatefulSet', namespace: 'data', name: 'postgres', replicas: 1, pinned: true, ageMs: 18 * DAY, cost: 1, podSpec: { containers: [container('postgres', 'postgres:16.6', { cpu: '250m', memory: '512Mi', memoryLimit: '1Gi', ports: [{ containerPort: 5432, name: 'postgres' }], env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }] })] } },
    { kind: 'StatefulSet', namespace: 'data', name: 'redis', replicas: 1, pinned: true, ageMs: 18 * DAY, cost: 1, podSpec: { containers: [container('redis', 'redis:7.4.1-alpine', { cpu: '50m', memory: '64Mi', ports: [{ containerPort: 6379, name: 'redis' }] })] } },
    { kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter', labels: { 'app.kubernetes.io/name': 'node-exporter' }, pinned: true, ageMs: 15 * DAY, cost: nodes, podSpec: { hostNetwork: true, containers: [container('node-exporter', 'prom/node-exporter:v1.8.2', { cpu: '10m', memory: '24Mi', ports: [{ containerPort: 9100, name: 'metrics' }] })] } },
    { kind: 'Deployment', namespace: 'monitoring', name: 'grafana', replicas: 1, ageMs: 15 * DAY, cost: 1, podSpec: { containers: [container('grafana', 'grafana/grafana:11.4.0', { cpu: '100m', memory: '128Mi', ports: [{ containerPort: 3000, name: 'http' }], probes: true })] } },
    { kind: 'Pod', namespace: 'default', name: 'debug-shell', ageMs: 2 * HOUR, cost: 1, podSpec: { containers: [container('shell', 'busybox:latest', { command: ['sleep', 'infinity'] })] } },
    { kind: 'Job', namespace: 'batch', name: 'db-migrate-20250110', ageMs: 7 * DAY, cost: 1, podSpec: { restartPolicy: 'Never', containers: [container('migrate', `${registryFor('batch')}/db-migrate:20250110`, { cpu: '100m', memory: '64Mi' })] } },
  ];
}

function registryFor(namespace: string): string {
  return `registry.example.com/${namespace}`;
}

const NAMESPACE_WORDS = ['storefront', 'inventory', 'billing', 'identity', 'notifications', 'analytics', 'platform', 'search', 'media', 'partners', 'support', 'marketing', 'logistics', 'pricing', 'reviews', 'fulfillment', 'catalog', 'loyalty', 'fraud', 'reporting'];
const APP_WORDS = ['api', 'web', 'worker', 'scheduler', 'gateway', 'consumer', 'exporter', 'cache', 'admin', 'sync', 'indexer', 'webhooks', 'graphql', 'auth-proxy', 'renderer', 'mailer', 'ingest', 'events', 'backend', 'frontend'];

/** Ordinary apps until the pod budget is spent: mixed images, some with sidecars, some without limits or probes. */
function fillerSeeds(cluster: Cluster, budget: number, clusterAge: number): Seed[] {
  const random = cluster.random;
  const seeds: Seed[] = [];
  let remaining = budget;
  let nsIndex = 0;
  while (remaining > 0) {
    const word = NAMESPACE_WORDS[nsIndex % NAMESPACE_WORDS.length];
    const namespace = nsIndex < NAMESPACE_WORDS.length ? word : `${word}-${Math.floor(nsIndex / NAMESPACE_WORDS.length) + 1}`;
    nsIndex++;
    let nsPods = Math.min(remaining, random.int(12, 30));
    const apps = [...APP_WORDS];
    while (nsPods > 0 && apps.length > 0) {
      const app = apps.splice(random.int(0, apps.length - 1), 1)[0];
      const replicas = Math.min(nsPods, random.pick([1, 1, 2, 2, 2, 3, 3, 4, 6]));
      const kind = random.next();
      const image =
        kind < 0.55 ? `${registryFor(namespace)}/${app}:${random.int(1, 4)}.${random.int(0, 30)}.${random.int(0, 9)}`
        : kind < 0.7 ? 'nginx:1.27.3-alpine'
        : kind < 0.8 ? `${registryFor(namespace)}/${app}-node:${random.int(1, 9)}.${random.int(0, 9)}.0`
        : kind < 0.9 ? `${registryFor(namespace)}/${app}-python:${random.int(1, 9)}.${random.int(0, 9)}.0`
        : random.chance(0.5) ? `${registryFor(namespace)}/${app}-java:latest` : `${registryFor(namespace)}/${app}:latest`;
      const limited = random.chance(0.75);
      const containers = [container(app, image, { cpu: `${random.pick([10, 25, 50, 100, 250, 500])}m`, memory: `${random.pick([32, 64, 128, 256, 512])}Mi`, ...(limited ? { memoryLimit: '1Gi' } : {}), ports: [{ containerPort: 8080, name: 'http' }], probes: random.chance(0.7) })];
      if (random.chance(0.15)) containers.push(container('envoy', 'envoyproxy/envoy:v1.32.1', { cpu: '20m', memory: '48Mi', ports: [{ containerPort: 9901, name: 'admin' }] }));
      const broken = replicas > 1 && random.chance(0.03);
      seeds.push({ kind: 'Deployment', namespace, name: app, replicas, ...(broken ? { behaviours: ['crashloop'] } : {}), ageMs: random.int(1, Math.max(2, Math.floor(clusterAge / HOUR) - 1)) * HOUR, cost: replicas, podSpec: { containers } });
      nsPods -= replicas;
      remaining -= replicas;
    }
  }
  return seeds;
}

function plant(cluster: Cluster, seed: Seed, now: number): void {
  const createdAt = now - seed.ageMs;
  if (seed.kind === 'Pod') {
    createPod(cluster, { namespace: seed.namespace, name: seed.name, labels: { run: seed.name }, owner: null, template: seed.podSpec, behaviour: seed.behaviours?.[0] ?? 'steady', createdAt }, now);
    return;
  }
  const object = buildWorkload(cluster, { kind: seed.kind, namespace: seed.namespace, name: seed.name, labels: seed.labels, replicas: seed.replicas, podSpec: seed.podSpec, createdAt, schedule: seed.schedule, owner: seed.owner ?? null });
  if (seed.behaviours || seed.extras || seed.pinned) cluster.hints.set(object.metadata.uid, { behaviours: seed.behaviours, extras: seed.extras, pinned: seed.pinned });
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
        recordRepeatedEvent(cluster, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`, involved: atContainer, component: 'kubelet', host }, since, now - 20_000, repeats(30_000));
        break;
      case 'imagepull':
        recordRepeatedEvent(cluster, { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${c.image}"`, involved: atContainer, component: 'kubelet', host }, since, now - 15_000, repeats(20_000));
        recordRepeatedEvent(cluster, { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', involved: atContainer, component: 'kubelet', host }, since, now - 15_000, repeats(20_000));
        break;
      case 'pending':
        recordRepeatedEvent(cluster, { type: 'Warning', reason: 'FailedScheduling', message: pod.message ?? '', involved, component: 'default-scheduler' }, since, now - 40_000, repeats(300_000));
        break;
      case 'steady':
        if (now - pod.createdAt > 60 * 60_000 || !host) break;
        recordRepeatedEvent(cluster, { type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${pod.namespace}/${pod.name} to ${host}`, involved, component: 'default-scheduler' }, pod.createdAt, pod.createdAt, 1);
        for (const container of pod.containers) {
          const at = { ...involved, fieldPath: `spec.containers{${container.name}}` };
          recordRepeatedEvent(cluster, { type: 'Normal', reason: 'Pulled', message: `Container image "${container.image.replace(/^docker\.io\/(library\/)?/, '')}" already present on machine`, involved: at, component: 'kubelet', host }, pod.createdAt + 2000, pod.createdAt + 2000, 1);
          recordRepeatedEvent(cluster, { type: 'Normal', reason: 'Created', message: `Created container ${container.name}`, involved: at, component: 'kubelet', host }, pod.createdAt + 3000, pod.createdAt + 3000, 1);
          recordRepeatedEvent(cluster, { type: 'Normal', reason: 'Started', message: `Started container ${container.name}`, involved: at, component: 'kubelet', host }, pod.createdAt + 4000, pod.createdAt + 4000, 1);
        }
        break;
      default:
        break;
    }
  }
}

function service(cluster: Cluster, namespace: string, name: string, createdAt: number, spec: JsonObject, labels: Record<string, string>, status: JsonObject = { loadBalancer: {} }): KubeObject {
  const clusterIP = String(spec.clusterIP);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: buildMeta({ name, namespace, uid: randomUid(cluster.random), createdAt, labels }),
    spec: { clusterIP, clusterIPs: [clusterIP], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None', type: 'ClusterIP', ...spec },
    status,
  };
}

/** The Services a fresh k3s has: the API server's, kube-dns, metrics-server and traefik's LoadBalancer (served by svclb). */
export function seedServices(cluster: Cluster, clusterCreated: number, metrics: boolean): void {
  const port = (name: string, p: number, protocol = 'TCP', target: number | string = p): JsonObject => ({ name, port: p, protocol, targetPort: target });
  const nodeIps = cluster.nodes.map((n) => ({ ip: n.internalIp, ipMode: 'VIP' }));
  const services = [
    service(cluster, 'default', 'kubernetes', clusterCreated, { clusterIP: '10.43.0.1', ports: [port('https', 443, 'TCP', 6443)] }, { component: 'apiserver', provider: 'kubernetes' }),
    service(cluster, 'kube-system', 'kube-dns', clusterCreated, { clusterIP: '10.43.0.10', ports: [port('dns', 53, 'UDP', 53), port('dns-tcp', 53), port('metrics', 9153)], selector: { 'k8s-app': 'kube-dns' } }, { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' }),
    service(cluster, 'kube-system', 'traefik', clusterCreated + 60_000, {
      allocateLoadBalancerNodePorts: true,
      clusterIP: `10.43.${cluster.random.int(1, 254)}.${cluster.random.int(1, 254)}`,
      externalTrafficPolicy: 'Cluster',
      ports: [{ ...port('web', 80, 'TCP', 'web'), nodePort: cluster.random.int(30000, 32767) }, { ...port('websecure', 443, 'TCP', 'websecure'), nodePort: cluster.random.int(30000, 32767) }],
      selector: { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' },
      type: 'LoadBalancer',
    }, { 'app.kubernetes.io/instance': 'traefik-kube-system', 'app.kubernetes.io/name': 'traefik' }, { loadBalancer: { ingress: nodeIps } }),
  ];
  if (metrics) {
    services.push(service(cluster, 'kube-system', 'metrics-server', clusterCreated, { clusterIP: `10.43.${cluster.random.int(1, 254)}.${cluster.random.int(1, 254)}`, ports: [port('https', 443, 'TCP', 'https')], selector: { 'k8s-app': 'metrics-server' } }, { 'k8s-app': 'metrics-server', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'Metrics-server' }));
  }
  for (const object of services) cluster.store.put('services', object);
}

/** Plant everything; returns the namespaces it used so the caller can create them first. */
export function planScenario(cluster: Cluster, options: { pods: number; metrics: boolean; clusterAgeMs: number }): Seed[] {
  const system = systemSeeds(cluster, options.metrics, options.clusterAgeMs);
  let budget = options.pods - system.reduce((sum, s) => sum + s.cost, 0);
  const chosen: Seed[] = [...system];
  for (const seed of troubleSeeds(cluster.nodes.length)) {
    if (seed.cost > budget) continue;
    chosen.push(seed);
    budget -= seed.cost;
  }
  if (budget > 0) chosen.push(...fillerSeeds(cluster, budget, options.clusterAgeMs));
  return chosen;
}

export function plantScenario(cluster: Cluster, seeds: Seed[], now: number): void {
  for (const seed of seeds) plant(cluster, seed, now);
}

export function seedNamespaces(seeds: Seed[]): string[] {
  return [...new Set(seeds.map((s) => s.namespace))];
}

/** The metrics-server Deployment alone, for switching metrics on after start. */
export function metricsServerSeed(cluster: Cluster): Seed {
  return systemSeeds(cluster, true, 0).find((s) => s.name === 'metrics-server')!;
}

export type { Seed };
