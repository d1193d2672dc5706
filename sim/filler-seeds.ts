// Ordinary user workloads that fill a simulated cluster up to its pod count: generated namespaces and apps with a
// realistic mix of images, replicas, sidecars, missing limits and probes. Deterministic for a cluster's seed.
import type { Cluster } from './cluster-types.ts';
import { container, HOUR, registryFor, type Seed } from './seeds.ts';

const NAMESPACE_WORDS = [
  'storefront',
  'inventory',
  'billing',
  'identity',
  'notifications',
  'analytics',
  'platform',
  'search',
  'media',
  'partners',
  'support',
  'marketing',
  'logistics',
  'pricing',
  'reviews',
  'fulfillment',
  'catalog',
  'loyalty',
  'fraud',
  'reporting',
];
const APP_WORDS = [
  'api',
  'web',
  'worker',
  'scheduler',
  'gateway',
  'consumer',
  'exporter',
  'cache',
  'admin',
  'sync',
  'indexer',
  'webhooks',
  'graphql',
  'auth-proxy',
  'renderer',
  'mailer',
  'ingest',
  'events',
  'backend',
  'frontend',
];

/**
 * Ordinary apps until the pod budget is spent: mixed images, some with sidecars, some without limits or probes,
 * and (with `crashLoops`) now and then one whose replicas crash-loop.
 */
export function fillerSeeds(cluster: Cluster, budget: number, clusterAge: number, crashLoops: boolean): Seed[] {
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
        kind < 0.55
          ? `${registryFor(namespace)}/${app}:${random.int(1, 4)}.${random.int(0, 30)}.${random.int(0, 9)}`
          : kind < 0.7
            ? 'nginx:1.27.3-alpine'
            : kind < 0.8
              ? `${registryFor(namespace)}/${app}-node:${random.int(1, 9)}.${random.int(0, 9)}.0`
              : kind < 0.9
                ? `${registryFor(namespace)}/${app}-python:${random.int(1, 9)}.${random.int(0, 9)}.0`
                : random.chance(0.5)
                  ? `${registryFor(namespace)}/${app}-java:latest`
                  : `${registryFor(namespace)}/${app}:latest`;
      const limited = random.chance(0.75);
      const containers = [
        container(app, image, {
          cpu: `${random.pick([10, 25, 50, 100, 250, 500])}m`,
          memory: `${random.pick([32, 64, 128, 256, 512])}Mi`,
          ...(limited ? { memoryLimit: '1Gi' } : {}),
          ports: [{ containerPort: 8080, name: 'http' }],
          probes: random.chance(0.7),
        }),
      ];
      if (random.chance(0.15))
        containers.push(container('envoy', 'envoyproxy/envoy:v1.32.1', { cpu: '20m', memory: '48Mi', ports: [{ containerPort: 9901, name: 'admin' }] }));
      // Drawn whether or not it is used, so the rest of the cluster is the same with and without crash loops.
      const broken = replicas > 1 && random.chance(0.03) && crashLoops;
      seeds.push({
        kind: 'Deployment',
        namespace,
        name: app,
        replicas,
        ...(broken ? { behaviours: ['crashloop'] } : {}),
        ageMs: random.int(1, Math.max(2, Math.floor(clusterAge / HOUR) - 1)) * HOUR,
        cost: replicas,
        podSpec: { containers },
      });
      nsPods -= replicas;
      remaining -= replicas;
    }
  }
  return seeds;
}
