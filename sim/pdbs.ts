// PodDisruptionBudgets (policy/v1): built like the API server stores them, with the status the disruption
// controller keeps (expected, healthy and desired pods, disruptions allowed), recomputed from the pods.
import type { Cluster } from './cluster-types.ts';
import { buildMeta, iso, type JsonObject } from './objects.ts';
import { isPodReady } from './pods.ts';
import { randomUid } from './random.ts';
import type { KubeObject } from './store.ts';
import { isActive } from './workloads.ts';

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** matchLabels and matchExpressions, as the API server evaluates a metav1.LabelSelector. */
export function selectorSelects(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  return (selector.matchExpressions ?? []).every((r) => {
    const has = Object.hasOwn(labels, r.key);
    if (r.operator === 'In') return has && (r.values ?? []).includes(labels[r.key]);
    if (r.operator === 'NotIn') return !has || !(r.values ?? []).includes(labels[r.key]);
    if (r.operator === 'Exists') return has;
    if (r.operator === 'DoesNotExist') return !has;
    return false;
  });
}

export function buildPdb(
  cluster: Cluster,
  input: { namespace: string; name: string; selector: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string; createdAt: number },
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: buildMeta({ name: input.name, namespace: input.namespace, uid: randomUid(cluster.random), createdAt: input.createdAt, generation: 1 }),
    spec: {
      ...(input.maxUnavailable !== undefined ? { maxUnavailable: input.maxUnavailable } : {}),
      ...(input.minAvailable !== undefined ? { minAvailable: input.minAvailable } : {}),
      selector: input.selector,
    },
    status: { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0, observedGeneration: 1 },
  };
}

/** "50%" of `total`, rounded up as the disruption controller does; a plain number as it is. */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  return percent ? Math.ceil((Number(percent[1]) * total) / 100) : Number(value) || 0;
}

function pdbStatus(cluster: Cluster, pdb: KubeObject, previous: JsonObject): JsonObject {
  const spec = (pdb.spec ?? {}) as { selector?: LabelSelector | null; minAvailable?: number | string; maxUnavailable?: number | string };
  const namespace = pdb.metadata.namespace;
  const pods = spec.selector
    ? [...cluster.pods.values()].filter((p) => p.namespace === namespace && isActive(p) && selectorSelects(spec.selector!, p.labels))
    : [];
  const expected = pods.length;
  const healthy = pods.filter(isPodReady).length;
  const desired =
    spec.minAvailable !== undefined
      ? scaled(spec.minAvailable, expected)
      : spec.maxUnavailable !== undefined
        ? Math.max(0, expected - scaled(spec.maxUnavailable, expected))
        : 0;
  const allowed = Math.max(0, healthy - desired);
  const conditions = (previous.conditions as JsonObject[] | undefined) ?? [];
  const was = conditions.find((c) => c.type === 'DisruptionAllowed');
  const status = allowed > 0 ? 'True' : 'False';
  return {
    conditions: [
      {
        lastTransitionTime: was && was.status === status ? was.lastTransitionTime : iso(Date.now()),
        message: '',
        observedGeneration: pdb.metadata.generation ?? 1,
        reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
        status,
        type: 'DisruptionAllowed',
      },
    ],
    currentHealthy: healthy,
    desiredHealthy: desired,
    disruptionsAllowed: allowed,
    expectedPods: expected,
    observedGeneration: pdb.metadata.generation ?? 1,
  };
}

/** Recompute every PDB's status; only changed ones get a new resourceVersion. */
export function refreshPdbStatuses(cluster: Cluster): void {
  for (const pdb of cluster.store.list('policy/poddisruptionbudgets')) {
    const status = pdbStatus(cluster, pdb, (pdb.status ?? {}) as JsonObject);
    // The condition keeps its transition time while its status holds, so equal JSON means nothing changed.
    if (JSON.stringify(status) === JSON.stringify(pdb.status ?? {})) continue;
    pdb.status = status;
    cluster.store.touch('policy/poddisruptionbudgets', pdb);
  }
}

/** The PDB a careful team gives its web tier: two of shop/web's three replicas stay up through a drain. */
export function seedPdbs(cluster: Cluster, now: number): void {
  const web = cluster.store.get('apps/deployments', 'shop', 'web');
  if (!web) return;
  const createdAt = Date.parse(web.metadata.creationTimestamp) + 60_000;
  cluster.store.put(
    'policy/poddisruptionbudgets',
    buildPdb(cluster, { namespace: 'shop', name: 'web', selector: { matchLabels: { app: 'web' } }, minAvailable: 2, createdAt: Math.min(createdAt, now) }),
  );
}
