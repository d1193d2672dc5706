// The scale subresource of Deployments, StatefulSets and ReplicaSets (`kubectl scale`, HPA-style clients): read as an
// autoscaling/v1 Scale, written by PUT or PATCH (merge, strategic, JSON), dry run included. A write changes the
// workload's spec.replicas through the same path as a patch of the workload, so generation and reconciling follow.
import type { Cluster } from './cluster-types.ts';
import type { JsonObject } from './objects.ts';
import { type JsonMap, parseApplyBody, type PatchKind, patchObject } from './patch.ts';
import { type ResourceType, storeKey } from './resources.ts';
import { badRequest, conflict, notFound } from './status.ts';
import type { KubeObject } from './store.ts';
import { patchExistingOrApply, type WriteResult } from './writes.ts';

type ScaleWrite = { method: 'PUT' } | { method: 'PATCH'; kind: PatchKind };

function selectorString(object: KubeObject): string {
  const matchLabels = ((object.spec as JsonObject | undefined)?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
  return Object.entries(matchLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** The Scale the API server derives from a workload: its replicas wanted and seen, and its selector as a string. */
export function scaleOf(object: KubeObject): JsonObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const status = (object.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: (object.spec as { replicas?: number } | undefined)?.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: selectorString(object) },
  };
}

function invalidReplicas(name: string, value: unknown): WriteResult {
  const why = `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0`;
  return {
    ok: false,
    error: {
      code: 422,
      reason: 'Invalid',
      message: `Scale.autoscaling "${name}" is invalid: spec.replicas: ${why}`,
      details: { name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: why, field: 'spec.replicas' }] },
    },
  };
}

export function readScale(cluster: Cluster, type: ResourceType, namespace: string | undefined, name: string): WriteResult {
  const existing = cluster.store.get(storeKey(type), namespace, name);
  return existing ? { ok: true, code: 200, body: scaleOf(existing) } : { ok: false, error: notFound(type, name) };
}

export function writeScale(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  write: ScaleWrite,
  text: string,
  fieldManager: string | null,
  now: number,
  dryRun: boolean,
): WriteResult {
  const existing = cluster.store.get(storeKey(type), namespace, name);
  if (!existing) return { ok: false, error: notFound(type, name) };
  let next: JsonObject;
  if (write.method === 'PUT') {
    const parsed = parseApplyBody(text);
    if (!parsed.ok) return { ok: false, error: badRequest(parsed.message) };
    const version = (parsed.value.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (version !== undefined && version !== '' && version !== existing.metadata.resourceVersion) return { ok: false, error: conflict(type, name) };
    next = parsed.value;
  } else {
    // An apply patch of a Scale merges like a strategic one (the simulator tracks no field ownership).
    const applied = write.kind === 'apply' ? parseApplyBody(text) : null;
    if (applied && !applied.ok) return { ok: false, error: badRequest(applied.message) };
    const current = scaleOf(existing) as unknown as JsonMap;
    const patched = applied?.ok
      ? patchObject('strategic', current, JSON.stringify(applied.value))
      : patchObject(write.kind as Exclude<PatchKind, 'apply'>, current, text);
    if (!patched.ok) return { ok: false, error: { code: patched.code, reason: patched.code === 400 ? 'BadRequest' : 'Invalid', message: patched.message } };
    next = patched.value;
  }
  const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) return invalidReplicas(name, replicas);
  const result = patchExistingOrApply(cluster, type, namespace, name, 'merge', JSON.stringify({ spec: { replicas } }), fieldManager, now, dryRun);
  return result.ok ? { ok: true, code: 200, body: scaleOf(result.body as KubeObject) } : result;
}
