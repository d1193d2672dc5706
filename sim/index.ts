// Public API of the Kubernetes simulator: start one simulated k3s cluster over HTTPS and script it from tests.
//
//   const sim = await startSimulator({ nodes: 3, pods: 60, seed: 1 });
//   // kubectl --kubeconfig sim.kubeconfigPath get pods -A
//   sim.setRbac({ logs: true }); sim.crashPod('shop', 'web-…'); sim.tick(); await sim.stop();
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClusterPki } from './certs.ts';
import { createCluster, type NodePressure, setMetricsServer, setNodePressure, setNodeReady, tickCluster } from './cluster.ts';
import { fixScenario, type ScenarioName, type ScenarioOptions, type ScenarioTarget, startScenario } from './incident-scenarios.ts';
import { containerLogKey, podKey } from './cluster-types.ts';
import { buildKubeconfig, createAdminToken, createServiceAccountToken, writeServiceAccountFiles } from './kubeconfig.ts';
import type { JsonObject, PodBehaviour } from './objects.ts';
import { createPod, healPod, makePodCrash } from './pods.ts';
import { ADMIN_USER, AGENT_USER, DEFAULT_GRANTS, type RbacGrants, type UserInfo } from './rbac.ts';
import { findResourceType, storeKey } from './resources.ts';
import { listenHttps } from './listen.ts';
import { type ApiState, handleRequest } from './server.ts';
import type { KubeObject } from './store.ts';
import { buildNamespace } from './cluster.ts';
import { randomUid } from './random.ts';
import { PROBLEMS, type Problem } from './seeds.ts';

export type { RbacGrants } from './rbac.ts';
export { PROBLEMS, type Problem } from './seeds.ts';
export type { KubeObject } from './store.ts';
export { NODE_PRESSURES, type NodePressure } from './cluster.ts';
export { DEFAULT_NAMES, SCENARIOS, type ScenarioName, type ScenarioOptions, type ScenarioTarget, type ScenarioWorkloadKind } from './incident-scenarios.ts';

export type SimulatorOptions = {
  /** Cluster name: kubeconfig cluster/context name and node name prefix. Default "sim". */
  name?: string;
  /** Default 3 (one server, two agents). */
  nodes?: number;
  /** Total pods including k3s's own; default 60. Scales to thousands. */
  pods?: number;
  /** Same seed, same cluster (names, uids, shapes). Default 1. */
  seed?: number;
  /** metrics-server installed (metrics.k8s.io served). Default true. */
  metrics?: boolean;
  /** Opt-in grants on top of the read-only role. Default none. */
  rbac?: Partial<RbacGrants>;
  /** Evolve the cluster every tickMs; 0 = only when tick() is called. Default 5000. */
  tickMs?: number;
  /** Spontaneous changes on tick (rollouts, replaced pods, probe blips, node drop-outs). Default true. */
  evolve?: boolean;
  /** The short CronJob fires every this many ticks (0 = never). Default 12. */
  cronEveryTicks?: number;
  /** Average log lines per second per container (each program scales it). Default 0.5. */
  logLinesPerSecond?: number;
  /** Lines kept per container instance (tailLines/sinceTime reach back this far). Default 1000. */
  logRingLines?: number;
  /**
   * The troubled workloads planted: a crash loop, an image pull back-off, an OOM-killed container, an unschedulable
   * pod, an evicted leftover, a pod stuck Terminating, a failed Job. Default all of them; [] for a healthy cluster.
   */
  problems?: readonly Problem[];
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK; default 60 000 ms, as the API server's watch cache. */
  watchBookmarkMs?: number;
  /** Default 0: any free port. */
  port?: number;
  /** Where ca.crt and kubeconfig are written; default a fresh temp dir, removed on stop(). */
  dir?: string;
};

export type AddPodInput = {
  namespace: string;
  name: string;
  /** One container per image, named after the image unless `containers` is given. */
  image?: string;
  containers?: { name: string; image: string }[];
  labels?: Record<string, string>;
  /** Default "steady" (running, ready). */
  behaviour?: Extract<PodBehaviour, 'steady' | 'creating' | 'crashloop' | 'imagepull' | 'oom' | 'pending' | 'completed' | 'failed'>;
};

export type SimulatorStats = {
  requests: number;
  openLogRequests: number;
  openWatches: number;
  pods: number;
  /** Response body bytes written since the start (lists, watch streams, everything). */
  bytesSent: number;
};

export type Simulator = {
  name: string;
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  caPem: string;
  /** ca.crt on disk: kubeconfig's certificate-authority, and what NODE_EXTRA_CA_CERTS must name for Bun clients. */
  caFile: string;
  /** The agent's service-account bearer token (bound to the RBAC posture). */
  token: string;
  /** A cluster-admin bearer token (everything allowed). */
  adminToken: string;
  /** Context `<name>` = agent token (current), `<name>-admin` = admin token. */
  kubeconfigPath: string;
  dir: string;
  /** Lay out token, ca.crt and namespace under `${root}/var/run/secrets/kubernetes.io/serviceaccount`; returns that dir. */
  writeInClusterFiles(root: string): Promise<string>;
  /** Change the grants (like re-running the installer with NIRO_ENABLE_*); unspecified ones keep their value. */
  setRbac(grants: Partial<RbacGrants>): RbacGrants;
  rbac(): RbacGrants;
  /** Install / uninstall metrics-server (metrics.k8s.io appears / answers 404). */
  setMetrics(on: boolean): void;
  /** A node goes NotReady (Ready "Unknown" by default, or "False") or comes back; false when no such node. */
  setNodeReady(name: string, ready: boolean, status?: 'False' | 'Unknown'): boolean;
  /** A node's MemoryPressure / DiskPressure / PIDPressure condition turns True (with its taint) or back to False. */
  setNodePressure(name: string, type: NodePressure, on: boolean): boolean;
  /**
   * Switches an incident scenario on (incident-scenarios.ts): crashloop, imagepull, oom, unschedulable,
   * stuck-pending (a Deployment in namespace "incidents" by default), workload-unavailable (a Deployment, StatefulSet or DaemonSet
   * with ready < desired), node-not-ready, node-pressure. Returns what it touched, for fixScenario.
   */
  startScenario(name: ScenarioName, options?: ScenarioOptions): ScenarioTarget;
  /** The scenario's fix (a rollout that works, the node back, the pressure gone): the condition clears by the next tick. */
  fixScenario(target: ScenarioTarget): boolean;
  /** A bare pod (no owner); its namespace is created when missing. Returns the pod JSON. */
  addPod(input: AddPodInput): KubeObject;
  /**
   * The pod's first container crashes now and keeps crash-looping: started again at the next tick, then failing
   * seconds after each start and restarted on the kubelet's back-off (10 s doubling to 5 min). False when no
   * such running pod.
   */
  crashPod(namespace: string, name: string): boolean;
  /** A crash-looping pod's cause goes away: its container stays up from its next start; false when not crash-looping. */
  healPod(namespace: string, name: string): boolean;
  /** Append lines to a running container's log now (followers get them at once); false when it is not running. */
  emitLines(namespace: string, pod: string, container: string, lines: string[]): boolean;
  /** etcd compaction: a watch resuming from an earlier resourceVersion gets ERROR 410 (Expired) and must list again. */
  compactWatchHistory(): void;
  /** Every open watch ends now (as when the API server restarts): clients watch again from their last resourceVersion. */
  closeWatches(): void;
  /**
   * The API server restarts: every connection (watches included) is cut, nothing answers for `downMs`, then the same
   * port, certificate and tokens serve again; the cluster's state (etcd) survives, and `whileDown` may change it.
   */
  restartApi(options?: { downMs?: number; whileDown?: () => void }): Promise<void>;
  /** pods/log responses currently open (follow streams included). */
  openLogRequests(): number;
  stats(): SimulatorStats;
  /** Advance the simulation by `count` ticks (default 1). */
  tick(count?: number): void;
  /** A stored object, e.g. get('apps/deployments', 'shop', 'web'), get('nodes', undefined, 'sim-server-0'). */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | null;
  list(resource: string, namespace?: string): KubeObject[];
  stop(): Promise<void>;
};

function resolveStoreKey(resource: string): string {
  const [group, plural] = resource.includes('/') ? resource.split('/') : ['', resource];
  const type = group === '' ? findResourceType('', 'v1', plural) : findResourceType(group, group === 'metrics.k8s.io' ? 'v1beta1' : 'v1', plural);
  if (!type) throw new Error(`unknown resource "${resource}" (use e.g. "pods", "apps/deployments", "batch/jobs")`);
  return storeKey(type);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  // Node names and kubeconfig entries derive from it: keep it a DNS label.
  const name =
    (options.name ?? 'sim')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'sim';
  const cluster = createCluster({
    name,
    nodes: options.nodes ?? 3,
    pods: options.pods ?? 60,
    seed: options.seed ?? 1,
    metrics: options.metrics ?? true,
    logLinesPerSecond: options.logLinesPerSecond ?? 0.5,
    logRingLines: options.logRingLines ?? 1000,
    problems: options.problems ?? PROBLEMS,
  });
  const pki = generateClusterPki();
  const token = createServiceAccountToken();
  const adminToken = createAdminToken();
  const tokens = new Map<string, UserInfo>([
    [token, AGENT_USER],
    [adminToken, ADMIN_USER],
  ]);
  const state: ApiState = {
    cluster,
    tokens,
    grants: { ...DEFAULT_GRANTS, ...options.rbac },
    logs: { open: 0 },
    requests: 0,
    watches: new Set(),
    bookmarkMs: options.watchBookmarkMs ?? 60_000,
  };
  const traffic = { bytesSent: 0 };
  const listen = (port: number) =>
    listenHttps({
      cert: pki.certPem,
      key: pki.keyPem,
      port,
      handle: (request, context) => handleRequest(state, request, context),
      onBytes: (count) => void (traffic.bytesSent += count),
    });
  let listener = await listen(options.port ?? 0);
  const port = listener.port;
  const url = `https://127.0.0.1:${port}`;

  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), `niro-sim-${name}-`)));
  const caFile = join(dir, 'ca.crt');
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(caFile, pki.caPem);
  await writeFile(kubeconfigPath, buildKubeconfig({ name, server: url, caFile, agentToken: token, adminToken }), { mode: 0o600 });

  const tickOptions = { cronEveryTicks: options.cronEveryTicks ?? 12, evolve: options.evolve ?? true };
  const tickMs = options.tickMs ?? 5000;
  const timer = tickMs > 0 ? setInterval(() => tickCluster(cluster, tickOptions), tickMs) : null;

  return {
    name,
    url,
    port,
    caPem: pki.caPem,
    caFile,
    token,
    adminToken,
    kubeconfigPath,
    dir,
    writeInClusterFiles: (root) => writeServiceAccountFiles(root, token, pki.caPem),
    setRbac(grants) {
      state.grants = { ...state.grants, ...grants };
      return { ...state.grants };
    },
    rbac: () => ({ ...state.grants }),
    setMetrics: (on) => setMetricsServer(cluster, on),
    setNodeReady: (nodeName, ready, status) => setNodeReady(cluster, nodeName, ready, Date.now(), status),
    setNodePressure: (nodeName, type, on) => setNodePressure(cluster, nodeName, type, on),
    startScenario: (scenario, scenarioOptions) => startScenario(cluster, scenario, scenarioOptions),
    fixScenario: (target) => fixScenario(cluster, target),
    addPod(input) {
      const now = Date.now();
      if (!cluster.store.get('namespaces', undefined, input.namespace))
        cluster.store.put('namespaces', buildNamespace(input.namespace, randomUid(cluster.random), now));
      const containers = input.containers ?? [{ name: (input.image ?? 'app').split('/').pop()!.split(':')[0], image: input.image ?? 'busybox:1.37' }];
      const template: JsonObject = { containers: containers.map((c) => ({ name: c.name, image: c.image })) };
      const pod = createPod(
        cluster,
        {
          namespace: input.namespace,
          name: input.name,
          labels: input.labels ?? { run: input.name },
          owner: null,
          template,
          behaviour: input.behaviour ?? 'steady',
          createdAt: now,
        },
        now,
      );
      return cluster.store.get('pods', pod.namespace, pod.name)!;
    },
    crashPod(namespace, podName) {
      const pod = cluster.pods.get(podKey(namespace, podName));
      if (!pod || !('running' in pod.containers[0].state)) return false;
      makePodCrash(cluster, pod, Date.now());
      return true;
    },
    healPod(namespace, podName) {
      const pod = cluster.pods.get(podKey(namespace, podName));
      if (!pod || pod.behaviour !== 'crashloop') return false;
      healPod(cluster, pod);
      return true;
    },
    emitLines: (namespace, pod, container, lines) => cluster.logs.emit(containerLogKey(namespace, pod, container), lines),
    openLogRequests: () => state.logs.open,
    compactWatchHistory: () => cluster.store.compact(),
    closeWatches() {
      for (const end of [...state.watches]) end();
    },
    async restartApi(restart = {}) {
      await listener.stop();
      restart.whileDown?.();
      if (restart.downMs) await Bun.sleep(restart.downMs);
      listener = await listen(port);
    },
    stats: () => ({
      requests: state.requests,
      openLogRequests: state.logs.open,
      openWatches: state.watches.size,
      pods: cluster.pods.size,
      bytesSent: traffic.bytesSent,
    }),
    tick(count = 1) {
      for (let i = 0; i < count; i++) tickCluster(cluster, tickOptions);
    },
    get: (resource, namespace, objectName) => cluster.store.get(resolveStoreKey(resource), namespace, objectName),
    list: (resource, namespace) => cluster.store.list(resolveStoreKey(resource), namespace),
    async stop() {
      if (timer) clearInterval(timer);
      cluster.logs.stop();
      await listener.stop();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
