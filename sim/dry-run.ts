// Server-side dry run (`dryRun=All`): the API server runs a write through validation, defaulting and admission and
// answers what it would store, without storing it, bumping a resourceVersion or sending a watch event. These are
// the pieces where the simulator's dry-run answer differs from its real write.
import type { Cluster } from './cluster-types.ts';
import { iso, type JsonObject } from './objects.ts';
import { defaultPodSpec, qosClassOf } from './pod-objects.ts';
import { createRandom, randomSuffix } from './random.ts';
import type { ApiError } from './status.ts';
import type { KubeObject } from './store.ts';

/** The options object a verb's dryRun belongs to, named as the API server names it in a 422. */
export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/**
 * The request's dryRun values (query parameters, plus DeleteOptions.dryRun from a delete's body): true for `All`,
 * false for none, a 422 for anything else (the API server knows only `All`).
 */
export function parseDryRun(values: readonly unknown[], kind: WriteOptionsKind): { ok: true; dryRun: boolean } | { ok: false; error: ApiError } {
  if (values.every((value) => value === 'All')) return { ok: true, dryRun: values.length > 0 };
  const why = `Unsupported value: []string{${values.map((value) => JSON.stringify(String(value))).join(', ')}}: supported values: "All"`;
  return {
    ok: false,
    error: {
      code: 422,
      reason: 'Invalid',
      message: `${kind}.meta.k8s.io "" is invalid: dryRun: ${why}`,
      details: { name: '', group: 'meta.k8s.io', kind, causes: [{ reason: 'FieldValueNotSupported', message: why, field: 'dryRun' }] },
    },
  };
}

/**
 * The cluster a dry run writes through: the same objects, but a random stream of its own, so the uid, generated
 * name or cluster IP it invents leaves the seeded cluster's sequence (what later ticks build) where it was.
 */
export function dryRunCluster(cluster: Cluster): Cluster {
  return { ...cluster, random: createRandom(Math.floor(Math.random() * 4294967296)) };
}

/** A pod created in a dry run: admitted and defaulted like a stored one, not yet scheduled. */
export function admitDryRunPod(cluster: Cluster, object: KubeObject): void {
  const spec = (object.spec ?? {}) as JsonObject;
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : null;
  object.spec = defaultPodSpec(spec, nodeName, randomSuffix(cluster.random, 5));
  object.status = { phase: 'Pending', qosClass: qosClassOf(object.spec as JsonObject) };
}

/**
 * What a dry-run delete answers for the kinds deleted gracefully: a running pod with its deletionTimestamp and grace
 * period, a namespace Terminating. Null for the others (their delete answers a Success Status).
 */
export function dryRunDeletion(existing: KubeObject, now: number): KubeObject | null {
  if (existing.kind === 'Namespace') {
    return { ...existing, metadata: { ...existing.metadata, deletionTimestamp: iso(now) }, status: { phase: 'Terminating' } };
  }
  if (existing.kind !== 'Pod') return null;
  // Pods that never ran or have finished go at once, and a pod already terminating keeps its deletionTimestamp.
  const phase = (existing.status as { phase?: string } | undefined)?.phase;
  if (existing.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending') return existing;
  return { ...existing, metadata: { ...existing.metadata, deletionTimestamp: iso(now), deletionGracePeriodSeconds: 30 } };
}
