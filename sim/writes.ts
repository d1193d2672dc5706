// Writes through the API (create, replace, patch, server-side apply, delete) with the API server's admission
// defaults and error codes; workloads written here are reconciled at once, so an applied Deployment gets pods.
// A dry run (`?dryRun=All`) goes through the same checks and defaults, answers what would be stored, and stores
// nothing.
import type { Cluster } from './cluster-types.ts';
import { admitDryRunPod, dryRunCluster, dryRunDeletion } from './dry-run.ts';
import { iso, type JsonObject } from './objects.ts';
import { renderPod } from './pod-objects.ts';
import { recordApply, recordUpdate, removeFields, staleFields } from './managed-fields.ts';
import { type JsonMap, parseApplyBody, type PatchKind, patchObject } from './patch.ts';
import { beginPodDeletion, createPod, savePod } from './pods.ts';
import { randomSuffix, randomUid } from './random.ts';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType, storeKey } from './resources.ts';
import { type ReadRequest, selectObjects } from './read.ts';
import { alreadyExists, type ApiError, badRequest, conflict, invalid, methodNotAllowed, notFound, successBody } from './status.ts';
import type { KubeObject, OwnerReference } from './store.ts';
import { buildJob, defaultWorkload } from './workload-objects.ts';
import { refreshStatuses } from './workload-status.ts';
import { reconcileWorkload } from './workloads.ts';

export type WriteResult = { ok: true; code: number; body: object } | { ok: false; error: ApiError };

const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
const NAMESPACE_TYPE = { group: '', resource: 'namespaces' };

function fail(error: ApiError): WriteResult {
  return { ok: false, error };
}

function isMap(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object in a request body must be of the URL's type, namespace and (when given) name. */
function checkIdentity(type: ResourceType, namespace: string | undefined, name: string | undefined, body: unknown): ApiError | null {
  if (!isMap(body)) return badRequest('the body of the request was not a JSON object');
  const meta = isMap(body.metadata) ? body.metadata : {};
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
    return badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`);
  }
  if (body.kind !== undefined && body.kind !== type.kind)
    return badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`);
  if (type.namespaced && meta.namespace !== undefined && meta.namespace !== namespace) {
    return badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (name !== undefined && meta.name !== undefined && meta.name !== name)
    return badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  return null;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

// Defaults the API server's admission and registry strategies add, per kind.
function admit(cluster: Cluster, object: KubeObject, now: number): void {
  const spec = (object.spec ?? {}) as JsonObject;
  switch (object.kind) {
    case 'Namespace':
      object.metadata.labels = { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': object.metadata.name };
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
      return;
    case 'Secret': {
      const stringData = isMap(object.stringData) ? object.stringData : {};
      const data = { ...(isMap(object.data) ? object.data : {}) };
      for (const [key, value] of Object.entries(stringData)) data[key] = base64(String(value));
      delete object.stringData;
      object.data = data;
      object.type ??= 'Opaque';
      return;
    }
    case 'Service': {
      const ports = Array.isArray(spec.ports) ? (spec.ports as JsonObject[]) : [];
      const ip = spec.type === 'ExternalName' ? undefined : `10.43.${cluster.random.int(0, 255)}.${cluster.random.int(1, 254)}`;
      object.spec = {
        ...spec,
        ...(ip ? { clusterIP: spec.clusterIP ?? ip, clusterIPs: [spec.clusterIP ?? ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' } : {}),
        internalTrafficPolicy: spec.internalTrafficPolicy ?? 'Cluster',
        ports: ports.map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })),
        sessionAffinity: spec.sessionAffinity ?? 'None',
        type: spec.type ?? 'ClusterIP',
      };
      object.status = { loadBalancer: {} };
      return;
    }
    case 'PodDisruptionBudget':
      // The disruption controller fills it in; until it has looked, nothing may be disrupted.
      object.status = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0, observedGeneration: 1 };
      return;
    case 'Job': {
      const built = buildJob(cluster, object.metadata.namespace ?? 'default', object.metadata.name, spec, now, null);
      object.metadata.uid = built.metadata.uid;
      object.metadata.labels = { ...(built.metadata.labels ?? {}), ...(object.metadata.labels ?? {}) };
      object.spec = built.spec;
      object.status ??= {};
      return;
    }
    default:
      if (WORKLOAD_KINDS.has(object.kind)) defaultWorkload(object);
  }
}

function afterWrite(cluster: Cluster, object: KubeObject, now: number): void {
  if (!WORKLOAD_KINDS.has(object.kind)) return;
  reconcileWorkload(cluster, object, now, false);
  refreshStatuses(cluster, now);
}

function serialize(cluster: Cluster, key: string, object: KubeObject): object {
  return JSON.parse(cluster.store.serialize(key, object)) as object;
}

/** How a write changes metadata.managedFields: given the entries before, the object before and after. */
type RecordFields = (entries: unknown[] | undefined, before: KubeObject, after: KubeObject) => unknown[];

function applyRecorder(manager: string, applied: JsonObject, now: number): RecordFields {
  return (entries, _before, after) => recordApply(entries, manager, applied, after.apiVersion, iso(now));
}

function updateRecorder(manager: string | undefined, now: number): RecordFields {
  return (entries, before, after) =>
    recordUpdate(entries, manager, before as unknown as JsonObject, after as unknown as JsonObject, after.apiVersion, iso(now));
}

export function createObject(
  target: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  body: unknown,
  now: number,
  fieldManager?: string,
  operation: 'Apply' | 'Update' = 'Update',
  dryRun = false,
): WriteResult {
  const identity = checkIdentity(type, namespace, undefined, body);
  if (identity) return fail(identity);
  const cluster = dryRun ? dryRunCluster(target) : target;
  const input = structuredClone(body) as JsonObject;
  const meta = (isMap(input.metadata) ? input.metadata : {}) as JsonObject;
  const name =
    typeof meta.name === 'string' && meta.name
      ? meta.name
      : typeof meta.generateName === 'string' && meta.generateName
        ? `${meta.generateName}${randomSuffix(cluster.random, 5)}`
        : null;
  if (!name) return fail(invalid(type.kind, '', 'metadata.name', 'Required value: name or generateName is required', type.group));
  const key = storeKey(type);
  if (type.namespaced && !cluster.store.get('namespaces', undefined, namespace ?? '')) return fail(notFound(NAMESPACE_TYPE, namespace ?? ''));
  if (cluster.store.get(key, namespace, name)) return fail(alreadyExists(type, name));

  // A pod is created through the kubelet's model; a dry-run pod is only the object, defaulted below.
  if (type.resource === 'pods' && !type.group && !dryRun) {
    const owner = Array.isArray(meta.ownerReferences) && isMap(meta.ownerReferences[0]) ? (meta.ownerReferences[0] as unknown as OwnerReference) : null;
    const pod = createPod(
      cluster,
      {
        namespace: namespace ?? 'default',
        name,
        labels: (meta.labels as Record<string, string>) ?? {},
        annotations: (meta.annotations as Record<string, string>) ?? {},
        owner,
        template: (input.spec as JsonObject) ?? {},
        behaviour: 'creating',
        createdAt: now,
        nodeName: typeof (input.spec as JsonObject | undefined)?.nodeName === 'string' ? String((input.spec as JsonObject).nodeName) : undefined,
      },
      now,
    );
    return { ok: true, code: 201, body: renderPod(pod) };
  }

  const object: KubeObject = {
    ...input,
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    metadata: {
      ...(meta as object),
      name,
      ...(type.namespaced ? { namespace } : {}),
      uid: randomUid(cluster.random),
      resourceVersion: '0',
      creationTimestamp: iso(now),
    },
  };
  delete (object.metadata as JsonObject).generateName;
  if (WORKLOAD_KINDS.has(object.kind)) object.metadata.generation = 1;
  if (fieldManager) {
    object.metadata.managedFields =
      operation === 'Apply'
        ? recordApply([], fieldManager, input, object.apiVersion, iso(now))
        : recordUpdate([], fieldManager, null, object as unknown as JsonObject, object.apiVersion, iso(now));
  }
  admit(cluster, object, now);
  if (dryRun) {
    // Nothing was stored, so nothing has a resourceVersion yet.
    delete (object.metadata as JsonObject).resourceVersion;
    if (object.kind === 'Pod') admitDryRunPod(cluster, object);
    return { ok: true, code: 201, body: object };
  }
  cluster.store.put(key, object);
  afterWrite(cluster, object, now);
  return { ok: true, code: 201, body: serialize(cluster, key, object) };
}

/** Replace an existing object with `next` (PUT, and the result of a patch or apply). */
function replaceWith(
  cluster: Cluster,
  type: ResourceType,
  existing: KubeObject,
  next: JsonObject,
  now: number,
  checkVersion: boolean,
  record: RecordFields,
  dryRun: boolean,
): WriteResult {
  const key = storeKey(type);
  const nextMeta = (isMap(next.metadata) ? next.metadata : {}) as JsonObject;
  if (
    checkVersion &&
    nextMeta.resourceVersion !== undefined &&
    nextMeta.resourceVersion !== '' &&
    nextMeta.resourceVersion !== existing.metadata.resourceVersion
  ) {
    return fail(conflict(type, existing.metadata.name));
  }
  if (type.resource === 'pods' && !type.group) {
    // Pods are mostly immutable: labels and annotations change, the rest stays as the kubelet runs it.
    const pod = cluster.pods.get(`${existing.metadata.namespace}/${existing.metadata.name}`);
    if (pod && dryRun) {
      const labels = (nextMeta.labels as Record<string, string>) ?? {};
      const annotations = (nextMeta.annotations as Record<string, string>) ?? {};
      return { ok: true, code: 200, body: { ...existing, metadata: { ...existing.metadata, labels, annotations } } };
    }
    if (pod) {
      pod.labels = (nextMeta.labels as Record<string, string>) ?? {};
      pod.annotations = (nextMeta.annotations as Record<string, string>) ?? {};
      savePod(cluster, pod);
      return { ok: true, code: 200, body: renderPod(pod) };
    }
  }
  const specChanged = JSON.stringify(next.spec ?? null) !== JSON.stringify(existing.spec ?? null);
  const object: KubeObject = {
    ...next,
    apiVersion: existing.apiVersion,
    kind: existing.kind,
    metadata: {
      ...(nextMeta as object),
      name: existing.metadata.name,
      ...(existing.metadata.namespace ? { namespace: existing.metadata.namespace } : {}),
      uid: existing.metadata.uid,
      resourceVersion: existing.metadata.resourceVersion,
      creationTimestamp: existing.metadata.creationTimestamp,
      ...(existing.metadata.generation !== undefined ? { generation: existing.metadata.generation + (specChanged ? 1 : 0) } : {}),
      ...(existing.metadata.deletionTimestamp ? { deletionTimestamp: existing.metadata.deletionTimestamp } : {}),
    },
  };
  // Status belongs to controllers: writes to the main resource leave it as it was.
  if (existing.status !== undefined) object.status = existing.status;
  if (object.kind === 'Secret') admit(cluster, object, now);
  const fields = record(existing.metadata.managedFields, existing, object);
  if (fields.length > 0) object.metadata.managedFields = fields;
  else delete object.metadata.managedFields;
  if (object.kind === 'Namespace') object.spec = existing.spec;
  if (dryRun) return { ok: true, code: 200, body: object };
  cluster.store.put(key, object);
  if (specChanged) afterWrite(cluster, object, now);
  return { ok: true, code: 200, body: serialize(cluster, key, object) };
}

export function replaceObject(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  body: unknown,
  now: number,
  dryRun = false,
  fieldManager: string | null = null,
): WriteResult {
  const existing = cluster.store.get(storeKey(type), namespace, name);
  if (!existing) return fail(notFound(type, name));
  const identity = checkIdentity(type, namespace, name, body);
  if (identity) return fail(identity);
  return replaceWith(cluster, type, existing, structuredClone(body) as JsonObject, now, true, updateRecorder(fieldManager ?? undefined, now), dryRun);
}

export function patchExistingOrApply(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  kind: PatchKind,
  text: string,
  fieldManager: string | null,
  now: number,
  dryRun = false,
): WriteResult {
  const existing = cluster.store.get(storeKey(type), namespace, name);
  if (kind === 'apply') {
    if (!fieldManager) return fail(invalid('PatchOptions', '', 'fieldManager', 'Required value: is required for apply patch', 'meta.k8s.io'));
    const parsed = parseApplyBody(text);
    if (!parsed.ok) return fail({ code: parsed.code, reason: parsed.code === 400 ? 'BadRequest' : 'Invalid', message: parsed.message });
    const identity = checkIdentity(type, namespace, name, parsed.value);
    if (identity) return fail(identity);
    if (!isMap(parsed.value.metadata) || parsed.value.metadata.name === undefined)
      parsed.value.metadata = { ...(isMap(parsed.value.metadata) ? parsed.value.metadata : {}), name };
    // Apply creates what does not exist yet.
    if (!existing) return createObject(cluster, type, namespace, parsed.value, now, fieldManager, 'Apply', dryRun);
    const merged = patchObject('strategic', structuredClone(existing) as unknown as JsonMap, JSON.stringify(parsed.value));
    if (!merged.ok) return fail({ code: merged.code, reason: 'Invalid', message: merged.message });
    // What this manager applied before and applies no more (and nobody else owns) leaves the object.
    removeFields(merged.value as JsonObject, staleFields(existing.metadata.managedFields, fieldManager, parsed.value));
    return replaceWith(cluster, type, existing, merged.value, now, false, applyRecorder(fieldManager, parsed.value, now), dryRun);
  }
  if (!existing) return fail(notFound(type, name));
  const patched = patchObject(kind, structuredClone(existing) as unknown as JsonMap, text);
  if (!patched.ok) return fail({ code: patched.code, reason: patched.code === 400 ? 'BadRequest' : 'Invalid', message: patched.message });
  return replaceWith(cluster, type, existing, patched.value, now, true, updateRecorder(fieldManager ?? undefined, now), dryRun);
}

export function deleteObject(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  now: number,
  dryRun = false,
  /** DeleteOptions.preconditions.uid: delete only this incarnation of the name (409 otherwise). */
  uid?: string,
): WriteResult {
  const key = storeKey(type);
  const existing = cluster.store.get(key, namespace, name);
  if (!existing) return fail(notFound(type, name));
  if (uid !== undefined && existing.metadata.uid !== uid) {
    return fail({
      ...conflict(type, name),
      message: `Operation cannot be fulfilled on ${type.resource} "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`,
    });
  }
  if (dryRun) return { ok: true, code: 200, body: dryRunDeletion(existing, now) ?? successBody(type, name, existing.metadata.uid) };
  if (type.resource === 'pods' && !type.group) {
    const pod = cluster.pods.get(`${namespace}/${name}`);
    if (pod) {
      beginPodDeletion(cluster, pod, now);
      return { ok: true, code: 200, body: renderPod(pod) };
    }
  }
  if (type.resource === 'namespaces' && !type.group) {
    // Everything in the namespace goes with it; the namespace answers Terminating to this call.
    for (const t of RESOURCE_TYPES) {
      if (!t.namespaced || t.virtual) continue;
      for (const object of cluster.store.list(storeKey(t), name)) cluster.store.remove(storeKey(t), name, object.metadata.name);
    }
    cluster.store.remove(key, undefined, name);
    return { ok: true, code: 200, body: { ...existing, metadata: { ...existing.metadata, deletionTimestamp: iso(now) }, status: { phase: 'Terminating' } } };
  }
  cluster.store.remove(key, namespace, name);
  if (WORKLOAD_KINDS.has(existing.kind)) refreshStatuses(cluster, now);
  return { ok: true, code: 200, body: successBody(type, name, existing.metadata.uid) };
}

/**
 * DELETE on a collection: each object the namespace and selectors pick, deleted as its own delete would be (a dry run
 * deletes nothing); answers the list of them as deleted.
 */
export function deleteCollection(request: ReadRequest & { dryRun: boolean; now: number }): WriteResult | { ok: false; response: Response } {
  const { cluster, type, dryRun, now } = request;
  if (!type.verbs.includes('deletecollection')) return fail(methodNotAllowed());
  const selected = selectObjects(request);
  if (!selected.ok) return selected;
  const items: object[] = [];
  for (const object of selected.objects) {
    const result = deleteObject(cluster, type, object.metadata.namespace, object.metadata.name, now, dryRun);
    // Kinds deleted at once answer a Status: listed as they were. One gone already (an earlier item's cascade) is left out.
    if (result.ok) items.push((result.body as { kind?: string }).kind === 'Status' ? object : result.body);
  }
  return { ok: true, code: 200, body: { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: {}, items } };
}
