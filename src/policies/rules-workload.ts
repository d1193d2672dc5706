// Reliability and efficiency rules (Polaris's defaults): requests and limits, probes, image tags and pull
// policy, priority classes, and for production workloads replicas, a PodDisruptionBudget and spreading.
import type { Rule } from './rule';
import { containerRule } from './rule';
import { containersOf, list, obj, str } from './pod-view';
import { imageRegistry } from '../registries/credentials';
import type { PolicyInput, Violation } from './vocabulary';

function hasResource(raw: Record<string, unknown>, kind: 'requests' | 'limits', resource: 'cpu' | 'memory'): boolean {
  const v = obj(obj(raw.resources)[kind])[resource];
  return (typeof v === 'string' && v !== '') || typeof v === 'number';
}

/**
 * Pods that run to completion (Jobs, CronJobs, pods with restartPolicy Never/OnFailure) have no use
 * for liveness or readiness probes: nothing routes traffic to them, and a restart is the Job's business.
 */
function runsToCompletion(i: PolicyInput): boolean {
  const policy = str(i.template.spec.restartPolicy);
  return i.kind === 'Job' || i.kind === 'CronJob' || policy === 'Never' || policy === 'OnFailure';
}

/** No tag, or the tag "latest"; an image pinned by digest is fine whatever its tag. */
export function floatingImage(image: string): boolean {
  if (image.includes('@')) return false;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon < 0 || last.slice(colon + 1) === 'latest' || last.slice(colon + 1) === '';
}

const REPLICATED = ['Deployment', 'StatefulSet', 'ReplicaSet'];

/**
 * Containers pulling from a registry Niro holds credentials for while the pod names none of that registry's
 * pull Secrets in imagePullSecrets: the pull fails (or silently uses a node's own credentials) on clusters.
 */
function unreferencedRegistry(i: PolicyInput): Violation | null {
  if (!i.registries?.length) return null;
  const referenced = new Set(list(i.template.spec.imagePullSecrets).map((s) => str(s.name) ?? ''));
  const hits: { name: string; label: string; server: string; secret: string }[] = [];
  for (const c of containersOf(i.template.spec)) {
    if (c.type === 'ephemeral') continue;
    const server = imageRegistry(str(c.raw.image) ?? '');
    const held = i.registries.filter((r) => r.server === server);
    if (held.length && !held.some((r) => referenced.has(r.secretName)))
      hits.push({ name: c.name, label: c.type === 'init' ? `${c.name} (init)` : c.name, server, secret: held[0].secretName });
  }
  if (hits.length === 0) return null;
  const what = hits.map((h) => `"${h.label}" pulls from ${h.server} without imagePullSecrets "${h.secret}"`).join('; ');
  return { message: `Container${hits.length === 1 ? '' : 's'} ${what}`, containers: hits.map((h) => h.name) };
}

/** The imagePullPolicy Kubernetes applies: the container's, else Always for a floating image, else IfNotPresent. */
function pullPolicy(raw: Record<string, unknown>): string {
  return str(raw.imagePullPolicy) ?? (floatingImage(str(raw.image) ?? '') ? 'Always' : 'IfNotPresent');
}

/** Topology keys that put replicas on different nodes or zones (what Polaris accepts). */
const SPREAD_KEYS = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'];

/** A topology spread constraint, or a pod anti-affinity term (required or preferred), over nodes or zones. */
function spreads(spec: Record<string, unknown>): boolean {
  const anti = obj(obj(spec.affinity).podAntiAffinity);
  const keys = [
    ...list(spec.topologySpreadConstraints).map((c) => c.topologyKey),
    ...list(anti.requiredDuringSchedulingIgnoredDuringExecution).map((t) => t.topologyKey),
    ...list(anti.preferredDuringSchedulingIgnoredDuringExecution).map((t) => obj(t.podAffinityTerm).topologyKey),
  ];
  return keys.some((k) => SPREAD_KEYS.includes(str(k) ?? ''));
}

export const WORKLOAD_RULES: Rule[] = [
  {
    id: 'cpu-requests',
    category: 'efficiency',
    severity: 'medium',
    title: 'No CPU request',
    why: 'Without a CPU request the scheduler places the pod as if it needed nothing: nodes get overcommitted and the pod is the first to be starved under contention.',
    fix: 'resources:\n  requests:\n    cpu: 100m',
    source: 'Polaris',
    check: (i) => containerRule(i, (c) => !hasResource(c.raw, 'requests', 'cpu'), 'no CPU request', ['container', 'init']),
  },
  {
    id: 'memory-requests',
    category: 'efficiency',
    severity: 'medium',
    title: 'No memory request',
    why: 'Without a memory request the scheduler cannot tell whether the pod fits; under memory pressure it is evicted first (BestEffort).',
    fix: 'resources:\n  requests:\n    memory: 128Mi',
    source: 'Polaris',
    check: (i) => containerRule(i, (c) => !hasResource(c.raw, 'requests', 'memory'), 'no memory request', ['container', 'init']),
  },
  {
    id: 'memory-limit',
    category: 'efficiency',
    severity: 'medium',
    title: 'No memory limit',
    why: 'A container without a memory limit can take all of its node’s memory, and the kernel’s OOM killer then picks victims among its neighbours.',
    fix: 'resources:\n  limits:\n    memory: 256Mi',
    source: 'Polaris',
    check: (i) => containerRule(i, (c) => !hasResource(c.raw, 'limits', 'memory'), 'no memory limit', ['container', 'init']),
  },
  {
    id: 'liveness-probe',
    category: 'reliability',
    severity: 'low',
    title: 'No liveness probe',
    why: 'Without a liveness probe a process that hangs (deadlock, stuck event loop) keeps its pod Running forever; the kubelet restarts only what a probe says is dead.',
    fix: 'livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080\n  periodSeconds: 10\n  failureThreshold: 3',
    source: 'Polaris',
    check: (i) => (runsToCompletion(i) ? null : containerRule(i, (c) => !c.raw.livenessProbe, 'no liveness probe', ['container'])),
  },
  {
    id: 'readiness-probe',
    category: 'reliability',
    severity: 'medium',
    title: 'No readiness probe',
    why: 'Without a readiness probe a pod receives traffic as soon as its process starts, before it can answer, and keeps receiving it while it cannot; rollouts proceed on pods that are not serving.',
    fix: 'readinessProbe:\n  httpGet:\n    path: /ready\n    port: 8080\n  periodSeconds: 5',
    source: 'Polaris',
    check: (i) => (runsToCompletion(i) ? null : containerRule(i, (c) => !c.raw.readinessProbe, 'no readiness probe', ['container'])),
  },
  {
    id: 'image-tag',
    category: 'reliability',
    severity: 'medium',
    title: 'Image is :latest or untagged',
    why: 'A floating tag means two pods of one workload can run different code, a rollback does not roll back, and nobody can say what is running.',
    fix: 'image: registry.example.com/app:1.4.2   # or pin a digest: app@sha256:…',
    source: 'Polaris',
    check: (i) => containerRule(i, (c) => floatingImage(str(c.raw.image) ?? ''), 'image is :latest or untagged', ['container', 'init']),
  },
  {
    id: 'image-pull-policy',
    category: 'reliability',
    severity: 'low',
    title: 'Tagged image not pulled Always',
    why: 'A tag can be pushed again. With IfNotPresent (the default for a tag other than latest) each node runs whatever it cached under that tag, so replicas on different nodes can run different builds. Always makes every start ask the registry what the tag is now; pinning a digest makes the pull policy irrelevant and is the better fix.',
    fix: 'imagePullPolicy: Always   # or pin a digest: image: registry.example.com/app@sha256:…',
    source: 'Polaris',
    check: (i) =>
      containerRule(i, (c) => !(str(c.raw.image) ?? '').includes('@') && pullPolicy(c.raw) !== 'Always', 'image by tag without imagePullPolicy Always', [
        'container',
        'init',
      ]),
  },
  {
    id: 'registry-pull-secret',
    category: 'reliability',
    severity: 'medium',
    title: 'Private registry without its pull Secret',
    why: 'Niro holds credentials for this image’s registry, but the pod template does not list their pull Secret in imagePullSecrets: nodes pull anonymously and get ErrImagePull / ImagePullBackOff, or pull with whatever credentials a node happens to have.',
    fix: 'spec:   # the pod template\n  imagePullSecrets:\n    - name: ghcr-acme   # the registry’s name in Niro (Settings → Registries)',
    source: 'Niro',
    check: unreferencedRegistry,
  },
  {
    id: 'single-replica',
    category: 'reliability',
    severity: 'medium',
    title: 'Single replica in production',
    why: 'One replica means every rollout, node drain or crash is an outage of this workload.',
    fix: 'spec:\n  replicas: 2   # or more, spread over nodes',
    source: 'Polaris',
    check: (i) =>
      i.environment === 'production' && REPLICATED.includes(i.kind) && i.replicas === 1
        ? { message: `${i.kind} runs 1 replica in production`, containers: [] }
        : null,
  },
  {
    id: 'pod-disruption-budget',
    category: 'reliability',
    severity: 'low',
    title: 'No PodDisruptionBudget in production',
    why: 'Without a PodDisruptionBudget a node drain or cluster upgrade may evict every replica at once. (A single replica gets the single-replica finding instead: a budget for one pod would block drains.)',
    fix: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web   # the pod template’s labels',
    source: 'Polaris',
    check: (i) =>
      i.environment === 'production' && (i.kind === 'Deployment' || i.kind === 'StatefulSet') && (i.replicas ?? 0) >= 2 && !i.hasPdb
        ? { message: `No PodDisruptionBudget selects this ${i.kind}'s pods`, containers: [] }
        : null,
  },
  {
    id: 'topology-spread',
    category: 'reliability',
    severity: 'low',
    title: 'Replicas not spread over nodes in production',
    why: 'Without a topology spread constraint or pod anti-affinity the scheduler may put every replica on one node (or in one zone): losing that node takes them all, and the replicas protect nothing.',
    fix: 'topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname   # or topology.kubernetes.io/zone\n    whenUnsatisfiable: ScheduleAnyway\n    labelSelector:\n      matchLabels:\n        app: web   # the pod template’s labels',
    source: 'Polaris',
    check: (i) =>
      i.environment === 'production' && (i.kind === 'Deployment' || i.kind === 'StatefulSet') && (i.replicas ?? 0) >= 2 && !spreads(i.template.spec)
        ? { message: `No topology spread constraint or pod anti-affinity over nodes or zones for ${i.replicas} replicas`, containers: [] }
        : null,
  },
  {
    id: 'priority-class',
    category: 'reliability',
    severity: 'low',
    title: 'No priority class',
    why: 'Without a priorityClassName the pod gets the cluster’s default priority (usually 0): when nodes are full the scheduler may preempt it for any pod with a class, and it cannot preempt less important pods to get scheduled again. Fine for batch or best-effort work that should yield.',
    fix: 'spec:   # the pod template\n  priorityClassName: business-critical\n# a PriorityClass (scheduling.k8s.io/v1) of that name, e.g. value: 100000',
    source: 'Polaris',
    check: (i) => (str(i.template.spec.priorityClassName) ? null : { message: 'The pod sets no priorityClassName', containers: [] }),
  },
];
