// The vocabulary every catalogue of seeded workloads shares: what a seed is (one workload the scenario plants, with
// the pods it costs), the container builder, the registry user images come from, and the time units of seed ages.
import type { JsonObject, PodBehaviour } from './objects.ts';
import type { KubeObject } from './store.ts';
import type { WorkloadKind } from './workload-objects.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

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

export function container(name: string, image: string, o: ContainerOptions = {}): JsonObject {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  if (o.cpuLimit) limits.cpu = o.cpuLimit;
  if (o.memoryLimit) limits.memory = o.memoryLimit;
  const port = o.ports?.[0]?.containerPort ?? 8080;
  const probe = (path: string): JsonObject => ({
    failureThreshold: 3,
    httpGet: { path, port, scheme: 'HTTP' },
    periodSeconds: 10,
    successThreshold: 1,
    timeoutSeconds: 1,
  });
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

/**
 * The troubles a cluster can be seeded with, one workload each (trouble-seeds.ts): a crash loop (ledger-sync, and
 * now and then a filler app), an image that cannot be pulled, a container OOM-killed every few hours, a pod no node
 * can fit, an evicted leftover, a pod stuck Terminating, a failed Job.
 */
export const PROBLEMS = ['crashloop', 'imagepull', 'oom', 'pending', 'evicted', 'stuck', 'failed-job'] as const;
export type Problem = (typeof PROBLEMS)[number];

export type Seed = {
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
  /** The trouble this seed shows; a cluster seeded without it plants the seed without its extras, or not at all. */
  problem?: Problem;
};

export function registryFor(namespace: string): string {
  return `registry.example.com/${namespace}`;
}
