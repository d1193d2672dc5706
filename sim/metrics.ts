// metrics.k8s.io as metrics-server serves it: usage random-walks around each container's base every tick,
// pod metrics exist only for running containers, node metrics are the pods' sum plus system overhead.
import type { Cluster } from './cluster-types.ts';
import { formatKi, formatNanoCpu, iso, type JsonObject } from './objects.ts';

const MI = 1024 * 1024;

export function walkUsage(cluster: Cluster): void {
  const random = cluster.random;
  for (const pod of cluster.pods.values()) {
    if (pod.phase !== 'Running') continue;
    for (const c of [...pod.initContainers, ...pod.containers]) {
      if (!('running' in c.state)) continue;
      // Mean-reverting walk: wanders, spikes now and then, always drifts back towards the base.
      const spike = random.chance(0.02) ? c.cpuBaseMilli * random.int(2, 5) : 0;
      c.cpuMilli = Math.max(0.2, c.cpuMilli + (c.cpuBaseMilli - c.cpuMilli) * 0.3 + c.cpuBaseMilli * 0.4 * (random.next() - 0.5) + spike);
      c.memBytes = Math.max(2 * MI, c.memBytes + (c.memBaseBytes - c.memBytes) * 0.2 + c.memBaseBytes * 0.06 * (random.next() - 0.5));
      // A leaking container (OOM pods) creeps towards its limit.
      if ((pod.behaviour === 'oom' || pod.behaviour === 'oomloop') && c === pod.containers[0] && c.memLimitBytes)
        c.memBytes = Math.min(c.memLimitBytes * 0.99, c.memBytes * 1.03);
      if (c.memLimitBytes) c.memBytes = Math.min(c.memBytes, c.memLimitBytes);
    }
  }
}

// metrics-server reports the scrape window; 15 s matches --metric-resolution=15s.
const POD_WINDOW = '15.004s';
const NODE_WINDOW = '20.049s';

export function buildPodMetrics(cluster: Cluster, namespace: string | undefined, scrapedAt: number): JsonObject[] {
  const items: JsonObject[] = [];
  // No scrape from an unreachable kubelet.
  const unreachable = new Set(cluster.nodes.filter((n) => !n.ready).map((n) => n.name));
  for (const pod of cluster.pods.values()) {
    if (namespace !== undefined && pod.namespace !== namespace) continue;
    if (pod.phase !== 'Running' || pod.nodeName === null) continue;
    if (unreachable.has(pod.nodeName)) continue;
    const running = [...pod.initContainers, ...pod.containers].filter((c) => 'running' in c.state);
    if (running.length === 0) continue;
    items.push({
      metadata: { name: pod.name, namespace: pod.namespace, creationTimestamp: iso(Date.now()), labels: pod.labels },
      timestamp: iso(scrapedAt),
      window: POD_WINDOW,
      containers: running.map((c) => ({ name: c.name, usage: { cpu: formatNanoCpu(c.cpuMilli), memory: formatKi(c.memBytes) } })),
    });
  }
  items.sort((a, b) => {
    const ma = a.metadata as { namespace: string; name: string };
    const mb = b.metadata as { namespace: string; name: string };
    return ma.namespace === mb.namespace ? ma.name.localeCompare(mb.name) : ma.namespace.localeCompare(mb.namespace);
  });
  return items;
}

export function buildNodeMetrics(cluster: Cluster, scrapedAt: number): JsonObject[] {
  const totals = new Map<string, { cpu: number; mem: number }>();
  for (const pod of cluster.pods.values()) {
    if (pod.phase !== 'Running' || !pod.nodeName) continue;
    const total = totals.get(pod.nodeName) ?? { cpu: 0, mem: 0 };
    for (const c of [...pod.initContainers, ...pod.containers]) {
      if (!('running' in c.state)) continue;
      total.cpu += c.cpuMilli;
      total.mem += c.memBytes;
    }
    totals.set(pod.nodeName, total);
  }
  return cluster.nodes
    .filter((node) => node.ready)
    .map((node) => {
      const total = totals.get(node.name) ?? { cpu: 0, mem: 0 };
      // k3s itself (server or agent process, containerd, kernel) costs the node something.
      const overheadCpu = node.controlPlane ? 180 : 60;
      const overheadMem = (node.controlPlane ? 900 : 350) * MI;
      return {
        metadata: {
          name: node.name,
          creationTimestamp: iso(Date.now()),
          labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
        },
        timestamp: iso(scrapedAt),
        window: NODE_WINDOW,
        usage: { cpu: formatNanoCpu(total.cpu + overheadCpu), memory: formatKi(total.mem + overheadMem) },
      };
    });
}
