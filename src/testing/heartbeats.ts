// Heartbeat bodies shaped like a real agent's, and the HTTP steps of an agent (enroll, beat), for
// tests and benchmarks. Deterministic: the same arguments give the same bodies.
import { gzipSync } from 'node:zlib';
import {
  AGENT_KEY_HEADER,
  AGENT_PATHS,
  PROTOCOL,
  type Capabilities,
  type HeartbeatV1,
  type HeartbeatV2,
  type NodeInfo,
  type PodDetail,
  type PodTemplateFacts,
  type WarningEvent,
  type WorkloadInfo,
} from '../contract';
import type { Requester, TestApp } from './app';

export function makeNode(i: number, over: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name: `k3s-node-${i}`,
    status: 'Ready',
    roles: i === 0 ? ['control-plane', 'master'] : [],
    kubeletVersion: 'v1.31.4+k3s1',
    cpuCapacityMilli: 4000,
    memCapacityBytes: 8 * 1024 ** 3,
    cpuAllocatableMilli: 4000,
    memAllocatableBytes: 8 * 1024 ** 3 - 256 * 1024 ** 2,
    cpuUsageMilli: 1200 + i,
    memUsageBytes: 3 * 1024 ** 3,
    podCount: 10,
    internalIP: `10.0.0.${10 + i}`,
    osImage: 'Ubuntu 24.04 LTS',
    architecture: 'amd64',
    containerRuntimeVersion: 'containerd://1.7.23-k3s2',
    createdUnix: 1_779_000_000,
    ...over,
  };
}

/** Pod `i` of a cluster: 2 app containers, owner chain, labels; `gen` varies what a churn changes. */
export function makePod(i: number, over: Partial<PodDetail> = {}, gen = 0): PodDetail {
  const app = `app-${i % 40}`;
  const container = (name: string, image: string) => ({
    name,
    image,
    kind: 'app' as const,
    ready: true,
    restarts: 0,
    state: 'running' as const,
    startedAt: 1_780_000_100,
    hasLivenessProbe: true,
    hasReadinessProbe: true,
    cpuRequestMilli: 100,
    cpuLimitMilli: 500,
    memRequestBytes: 64 * 1024 ** 2,
    memLimitBytes: 128 * 1024 ** 2,
    privileged: false,
    cpuUsageMilli: 5,
    memUsageBytes: 30 * 1024 ** 2,
  });
  return {
    namespace: `team-${i % 10}`,
    name: `${app}-7d9f8b6c5-${String(i).padStart(5, '0')}`,
    phase: 'Running',
    nodeName: `k3s-node-${i % 3}`,
    restarts: 0,
    ready: '2/2',
    containers: ['app', 'envoy'],
    startedUnix: 1_780_000_000,
    ownerKind: 'Deployment',
    ownerName: app,
    cpuUsageMilli: 10 + (i % 50),
    memUsageBytes: 60 * 1024 ** 2 + i * 4096,
    cpuRequestMilli: 200,
    cpuLimitMilli: 1000,
    memRequestBytes: 128 * 1024 ** 2,
    memLimitBytes: 256 * 1024 ** 2,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    status: 'Running',
    createdUnix: 1_779_999_990,
    containerDetails: [container('app', `registry.example.com/shop/${app}:1.4.${gen}`), container('envoy', 'envoyproxy/envoy:v1.30.1')],
    privileged: false,
    imagePullSecrets: ['regcred'],
    podIP: `10.42.${(i >> 8) & 255}.${i & 255}`,
    qosClass: 'Burstable',
    labels: { app, 'pod-template-hash': '7d9f8b6c5', generation: String(gen) },
    ownerChain: [
      { kind: 'ReplicaSet', name: `${app}-7d9f8b6c5` },
      { kind: 'Deployment', name: app },
    ],
    usageAvailable: true,
    ...over,
  };
}

export const ALL_CAPABILITIES_OFF: Capabilities = {
  pods: { enabled: true, detectedBy: 'SelfSubjectAccessReview list pods' },
  logs: { enabled: false, detectedBy: 'SelfSubjectAccessReview get pods/log' },
  apply: { enabled: false, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' },
  selfUpdate: { enabled: false, detectedBy: 'SelfSubjectAccessReview patch deployments.apps niro-agent' },
  podMetrics: { enabled: true, detectedBy: 'metrics.k8s.io reachable' },
};

export type BeatOptions = {
  pods?: PodDetail[];
  nodes?: NodeInfo[];
  events?: WarningEvent[];
  capabilities?: Capabilities;
  agentVersion?: string;
  podsTruncated?: boolean;
  podsTotal?: number;
  /** Default: the current PROTOCOL (an older one is an outdated agent, which opens agent_outdated). */
  protocol?: number;
  /** Given: a protocol-4 heartbeat carrying them. */
  workloads?: WorkloadInfo[];
  workloadsTruncated?: boolean;
};

/** A heartbeat of the current protocol (or `opts.protocol`); counts are computed from the pods given. */
export function makeHeartbeat(opts: BeatOptions = {}): HeartbeatV2 {
  const pods = opts.pods ?? [];
  return {
    agentVersion: opts.agentVersion ?? '0.4.0',
    protocol: opts.protocol ?? PROTOCOL,
    k8sVersion: 'v1.31.4+k3s1',
    distribution: 'k3s',
    platform: 'linux/amd64',
    nodes: opts.nodes ?? [makeNode(0), makeNode(1), makeNode(2)],
    counts: {
      pods: opts.podsTotal ?? pods.length,
      podsRunning: pods.filter((p) => p.phase === 'Running').length,
      podsFailed: pods.filter((p) => p.phase === 'Failed').length,
      namespaces: new Set(pods.map((p) => p.namespace)).size,
    },
    pods,
    podsTruncated: opts.podsTruncated ?? false,
    podsTotal: opts.podsTotal ?? pods.length,
    events: opts.events ?? [],
    capabilities: opts.capabilities ?? ALL_CAPABILITIES_OFF,
    ...(opts.workloads
      ? { protocol: Math.max(4, opts.protocol ?? PROTOCOL), workloads: opts.workloads, workloadsTruncated: opts.workloadsTruncated ?? false }
      : {}),
  };
}

/**
 * A Deployment `web-<i>` in `shop`, all replicas ready, with a well-formed pod template whose hash is
 * derived from the template (so changing `template` changes `templateHash`, as the agent does).
 */
export function makeWorkload(i: number, over: Partial<WorkloadInfo> = {}): WorkloadInfo {
  const template: PodTemplateFacts = over.template ?? {
    labels: { app: `web-${i}` },
    spec: { containers: [{ name: 'web', image: `registry.example/web:1.${i}.0`, resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
  return {
    kind: 'Deployment',
    namespace: 'shop',
    name: `web-${i}`,
    desired: 2,
    ready: 2,
    available: 2,
    updated: 2,
    progressing: false,
    labels: { app: `web-${i}` },
    hasPdb: false,
    templateHash: Bun.hash(JSON.stringify(template)).toString(16),
    ...over,
    template,
  };
}

export function makeHeartbeatV1(over: Partial<HeartbeatV1> = {}): HeartbeatV1 {
  return {
    agentVersion: '0.3.1',
    protocol: 1,
    k8sVersion: 'v1.29.3+k3s1',
    nodes: [makeNode(0)],
    pods: 12,
    podsRunning: 11,
    podsFailed: 1,
    namespaces: 4,
    ...over,
  };
}

/** `n` pods with usage varied by `beat` (the inventory itself stays the same). */
export function makePods(n: number, beat = 0, gen = 0): PodDetail[] {
  return Array.from({ length: n }, (_, i) => {
    const p = makePod(i, {}, gen);
    return { ...p, cpuUsageMilli: p.cpuUsageMilli + ((beat * 7 + i) % 13), memUsageBytes: p.memUsageBytes + ((beat * 131 + i) % 17) * 4096 };
  });
}

export function gzipJson(body: unknown): Uint8Array<ArrayBuffer> {
  return new Uint8Array(gzipSync(JSON.stringify(body)));
}

/** Posts a heartbeat as the agent does (gzip by default). */
export function sendHeartbeat(t: TestApp, agentKey: string, body: unknown, opts: { gzip?: boolean } = {}): Promise<Response> {
  const gzip = opts.gzip ?? true;
  return t.request(AGENT_PATHS.heartbeat, {
    method: 'POST',
    headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: gzip ? gzipJson(body) : JSON.stringify(body),
  });
}

export function enroll(t: Requester, token: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return t.request(AGENT_PATHS.enroll, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      token,
      agentVersion: '0.4.0',
      protocol: 2,
      clusterFacts: { k8sVersion: 'v1.31.4+k3s1', distribution: 'k3s', platform: 'linux/amd64' },
      ...extra,
    }),
  });
}

type Api = { call(method: string, path: string, body?: unknown): Promise<Response> };

/** Creates a cluster through the API and enrolls it; returns its id, token and agent key. */
export async function createEnrolledCluster(
  t: Requester,
  api: Api,
  input: { name: string; environment?: string; orgId?: string },
): Promise<{ clusterId: string; token: string; agentKey: string }> {
  const created = await api.call('POST', '/v1/clusters', input);
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${await created.text()}`);
  const { cluster, enrollment } = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  const res = await enroll(t, enrollment.token);
  if (res.status !== 200) throw new Error(`enroll failed: ${res.status} ${await res.text()}`);
  const { agentKey } = (await res.json()) as { agentKey: string };
  return { clusterId: cluster.id, token: enrollment.token, agentKey };
}

/**
 * The workloads `makePods` pods belong to (one Deployment per namespace and app), as a protocol-4
 * agent reports them: every replica ready, a PodDisruptionBudget-less template mirroring the pods'
 * containers (image tag from `gen`, so a churn changes every template). `withTemplates` false: the
 * beat after the first, when the agent has sent every template already.
 */
export function makeWorkloadsFor(pods: readonly PodDetail[], gen: number, withTemplates = true): WorkloadInfo[] {
  const byOwner = new Map<string, { namespace: string; name: string; replicas: number }>();
  for (const p of pods) {
    const key = `${p.namespace}/${p.ownerName}`;
    const w = byOwner.get(key) ?? { namespace: p.namespace, name: p.ownerName, replicas: 0 };
    w.replicas++;
    byOwner.set(key, w);
  }
  return [...byOwner.values()].map((w) => {
    const container = (name: string, image: string) => ({
      name,
      image,
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    });
    const template: PodTemplateFacts = {
      labels: { app: w.name, generation: String(gen) },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [container('app', `registry.example.com/shop/${w.name}:1.4.${gen}`), container('envoy', 'envoyproxy/envoy:v1.30.1')],
        imagePullSecrets: [{ name: 'regcred' }],
      },
    };
    return {
      kind: 'Deployment' as const,
      namespace: w.namespace,
      name: w.name,
      desired: w.replicas,
      ready: w.replicas,
      available: w.replicas,
      updated: w.replicas,
      progressing: false,
      labels: { app: w.name },
      hasPdb: false,
      templateHash: Bun.hash(JSON.stringify(template)).toString(16),
      ...(withTemplates ? { template } : {}),
    };
  });
}
