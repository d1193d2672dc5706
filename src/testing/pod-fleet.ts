// A believable fleet's pods for tests and benchmarks: system and app namespaces, Deployments,
// StatefulSets, DaemonSets and Jobs, a few pods in trouble (crash loops, pending, image pulls, OOM
// risk) and image drift between sites. Deterministic: the same arguments give the same pods.
import type { ContainerDetail, PodDetail } from '../contract';

const MiB = 1024 ** 2;

type Workload = { namespace: string; kind: string; name: string; image: string; replicas: number; memLimit: number; cpuRequest: number };

const SYSTEM: Workload[] = [
  {
    namespace: 'kube-system',
    kind: 'Deployment',
    name: 'coredns',
    image: 'rancher/mirrored-coredns-coredns:1.12.0',
    replicas: 1,
    memLimit: 170 * MiB,
    cpuRequest: 100,
  },
  { namespace: 'kube-system', kind: 'Deployment', name: 'traefik', image: 'rancher/mirrored-library-traefik:3.3.2', replicas: 1, memLimit: 0, cpuRequest: 0 },
  {
    namespace: 'kube-system',
    kind: 'Deployment',
    name: 'metrics-server',
    image: 'rancher/mirrored-metrics-server:v0.7.2',
    replicas: 1,
    memLimit: 0,
    cpuRequest: 100,
  },
  {
    namespace: 'kube-system',
    kind: 'Deployment',
    name: 'local-path-provisioner',
    image: 'rancher/local-path-provisioner:v0.0.30',
    replicas: 1,
    memLimit: 0,
    cpuRequest: 0,
  },
  { namespace: 'kube-system', kind: 'DaemonSet', name: 'svclb-traefik', image: 'rancher/klipper-lb:v0.4.9', replicas: 3, memLimit: 0, cpuRequest: 0 },
  { namespace: 'niro-system', kind: 'Deployment', name: 'niro-agent', image: 'niro/agent:0.4.0', replicas: 1, memLimit: 128 * MiB, cpuRequest: 50 },
  { namespace: 'monitoring', kind: 'DaemonSet', name: 'node-exporter', image: 'prom/node-exporter:v1.8.2', replicas: 3, memLimit: 64 * MiB, cpuRequest: 50 },
];

const APPS = ['shop', 'payments', 'search', 'analytics', 'media', 'crm', 'inventory', 'identity'];
const SERVICES = ['web', 'api', 'worker', 'cart', 'checkout', 'gateway', 'indexer', 'scheduler'];

/** The workloads of cluster `c`: the system ones, then app workloads until `pods` replicas exist. */
function workloadsOf(c: number, pods: number): Workload[] {
  const out = [...SYSTEM];
  let total = out.reduce((a, w) => a + w.replicas, 0);
  for (let i = 0; total < pods; i++) {
    const ns = APPS[(c + i) % APPS.length];
    const svc = SERVICES[(i * 3 + c) % SERVICES.length];
    const stateful = i % 11 === 5;
    const job = i % 13 === 7;
    // Sites drift: every fifth cluster runs an older tag of some services.
    const tag = c % 5 === 0 && i % 3 === 0 ? '1.3.9' : '1.4.2';
    const replicas = Math.min(pods - total, job ? 1 : stateful ? 3 : 2 + (i % 4));
    out.push({
      namespace: ns,
      kind: job ? 'CronJob' : stateful ? 'StatefulSet' : 'Deployment',
      name: job ? `${svc}-report` : stateful ? `${svc}-db` : `${svc}-${i}`,
      image: stateful ? 'postgres:16.4' : `registry.example.com/${ns}/${svc}:${tag}`,
      replicas,
      memLimit: (128 << (i % 4)) * MiB,
      cpuRequest: 50 * (1 + (i % 5)),
    });
    total += replicas;
  }
  return out;
}

/** A deterministic pseudo-random number in [0, 1) from integers. */
function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ x, 16777619) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995) >>> 0;
  return (h >>> 0) / 2 ** 32;
}

function hashOf(s: string): string {
  return Bun.hash(s)
    .toString(36)
    .slice(0, 10)
    .padEnd(10, 'x')
    .replace(/[^a-z0-9]/g, 'z');
}

/**
 * The pods of cluster `c` (`pods` of them) at heartbeat `beat`: the inventory is the same at every beat,
 * only usage moves. Roughly 1 in 30 pods is in trouble.
 */
export function makeFleetPods(c: number, pods: number, beat = 0, now = 1_780_000_000): PodDetail[] {
  const out: PodDetail[] = [];
  for (const w of workloadsOf(c, pods)) {
    const rs = `${w.name}-${hashOf(`${c}/${w.name}`).slice(0, 9)}`;
    for (let r = 0; r < w.replicas && out.length < pods; r++) {
      const i = out.length;
      const name =
        w.kind === 'StatefulSet'
          ? `${w.name}-${r}`
          : w.kind === 'DaemonSet'
            ? `${w.name}-${hashOf(`${c}/${w.name}/${r}`).slice(0, 5)}`
            : w.kind === 'CronJob'
              ? `${w.name}-2918${String(r).padStart(4, '0')}-${hashOf(`${c}/${i}`).slice(0, 5)}`
              : `${rs}-${hashOf(`${c}/${i}`).slice(0, 5)}`;
      const trouble = noise(c, i, 7);
      let status = 'Running';
      let phase = 'Running';
      let ready = true;
      let restarts = noise(c, i, 3) < 0.1 ? 1 + Math.floor(noise(c, i, 4) * 3) : 0;
      let lastTermination: string | undefined;
      let started = now - 3600 * (1 + Math.floor(noise(c, i, 5) * 400));
      let node = `k3s-node-${i % 3}`;
      if (w.kind === 'CronJob') {
        status = 'Completed';
        phase = 'Succeeded';
        ready = false;
      } else if (trouble < 0.012) {
        status = 'CrashLoopBackOff';
        ready = false;
        restarts = 5 + Math.floor(noise(c, i, 6) * 200);
        lastTermination = 'Error';
      } else if (trouble < 0.02) {
        status = 'Pending';
        phase = 'Pending';
        ready = false;
        node = '';
        started = 0;
      } else if (trouble < 0.026) {
        status = 'ImagePullBackOff';
        phase = 'Pending';
        ready = false;
      } else if (trouble < 0.03) {
        restarts = 1 + Math.floor(noise(c, i, 8) * 4);
        lastTermination = 'OOMKilled';
      }
      const usageAvailable = phase === 'Running' && c % 17 !== 3;
      const memLimit = w.memLimit;
      const memRequest = memLimit ? memLimit / 2 : 0;
      // Memory moves a little per beat; OOM-risk pods sit above 90 % of their limit.
      const memBase = memLimit ? memLimit * (lastTermination === 'OOMKilled' ? 0.93 : 0.2 + noise(c, i, 9) * 0.6) : (20 + noise(c, i, 9) * 200) * MiB;
      const mem = usageAvailable ? Math.round(memBase + ((beat * 37 + i) % 11) * 4096) : 0;
      // CPU is throttled at its limit: usage stays under it.
      const cpuLimit = w.cpuRequest * 4;
      const cpuWanted = 1 + noise(c, i, 10) * 400 + ((beat * 13 + i) % 7);
      const cpu = usageAvailable ? Math.round(cpuLimit ? Math.min(cpuWanted, cpuLimit * 0.95) : cpuWanted) : 0;
      const container: ContainerDetail = {
        name: w.name.split('-')[0],
        image: w.image,
        kind: 'app',
        ready,
        restarts,
        state: status === 'Running' ? 'running' : status === 'Completed' ? 'terminated' : 'waiting',
        ...(status !== 'Running' ? { stateReason: status === 'Pending' ? 'ContainerCreating' : status } : {}),
        ...(status === 'Completed' ? { exitCode: 0 } : {}),
        ...(started ? { startedAt: started } : {}),
        ...(lastTermination
          ? { lastTerminationReason: lastTermination, lastTerminationExitCode: lastTermination === 'OOMKilled' ? 137 : 1, lastTerminatedAt: now - 600 }
          : {}),
        hasLivenessProbe: w.kind !== 'CronJob',
        hasReadinessProbe: w.kind === 'Deployment',
        cpuRequestMilli: w.cpuRequest,
        cpuLimitMilli: cpuLimit,
        memRequestBytes: memRequest,
        memLimitBytes: memLimit,
        privileged: w.kind === 'DaemonSet' && w.name === 'node-exporter',
        ...(usageAvailable ? { cpuUsageMilli: cpu, memUsageBytes: mem } : {}),
      };
      const chain =
        w.kind === 'Deployment'
          ? [
              { kind: 'ReplicaSet', name: rs },
              { kind: 'Deployment', name: w.name },
            ]
          : w.kind === 'CronJob'
            ? [
                { kind: 'Job', name: name.slice(0, name.lastIndexOf('-')) },
                { kind: 'CronJob', name: w.name },
              ]
            : [{ kind: w.kind, name: w.name }];
      out.push({
        namespace: w.namespace,
        name,
        phase,
        nodeName: node,
        restarts,
        ready: `${ready ? 1 : 0}/1`,
        containers: [container.name],
        startedUnix: started,
        ownerKind: w.kind,
        ownerName: w.name,
        cpuUsageMilli: cpu,
        memUsageBytes: mem,
        cpuRequestMilli: w.cpuRequest,
        cpuLimitMilli: container.cpuLimitMilli,
        memRequestBytes: memRequest,
        memLimitBytes: memLimit,
        uid: `${hashOf(`uid/${c}`).slice(0, 8)}-0000-4000-8000-${String(i).padStart(12, '0')}`,
        status,
        ...(status === 'Pending' ? { message: '0/3 nodes are available: 3 Insufficient memory.' } : {}),
        createdUnix: started || now - 120,
        containerDetails: [container],
        privileged: container.privileged,
        imagePullSecrets: [],
        podIP: node ? `10.42.${i % 3}.${(i % 250) + 2}` : '',
        qosClass: memLimit && w.cpuRequest ? 'Burstable' : 'BestEffort',
        labels: { app: w.name, 'app.kubernetes.io/part-of': w.namespace },
        ownerChain: chain,
        usageAvailable,
      });
    }
  }
  return out;
}
