// metadata.managedFields as the API server records them: which manager set which fields, in the
// FieldsV1 notation ("f:<field>" for a field, "k:{…}" for a keyed list item, "." for the item itself).
// Real pods carry two entries (the controller's spec, the kubelet's status) that are often as large as
// the rest of the object, so every client listing pods pays for them — the agent included.
import type { JsonObject } from './store.ts';

/** The merge keys of the keyed lists (x-kubernetes-list-map-keys); other lists are owned whole. */
const LIST_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  ports: ['containerPort', 'protocol'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  imagePullSecrets: ['name'],
  hostIPs: ['ip'],
  podIPs: ['ip'],
};

/**
 * The FieldsV1 set of a value: its fields (and keyed list items) down to the leaves. "." marks a list
 * item and a map of plain values (labels, limits), which a manager owns as a whole besides its keys.
 */
export function fieldsOf(value: unknown, field = '', item = false): JsonObject {
  if (Array.isArray(value)) {
    const keys = LIST_KEYS[field];
    if (!keys) return {};
    const out: JsonObject = {};
    for (const item of value) {
      if (!item || typeof item !== 'object') continue;
      const id = Object.fromEntries(keys.map((k) => [k, (item as JsonObject)[k]]).filter(([, v]) => v !== undefined));
      out[`k:${JSON.stringify(id)}`] = fieldsOf(item, '', true);
    }
    return out;
  }
  if (!value || typeof value !== 'object') return {};
  const entries = Object.entries(value as JsonObject);
  const plainMap = entries.length > 0 && entries.every(([, child]) => child === null || typeof child !== 'object');
  const out: JsonObject = item || (plainMap && field !== '') ? { '.': {} } : {};
  for (const [key, child] of entries) out[`f:${key}`] = fieldsOf(child, key);
  return out;
}

/** The two entries of a pod: its creator's (metadata and spec) and the kubelet's (status subresource). */
export function podManagedFields(
  pod: { metadata: JsonObject; spec: unknown; status: unknown },
  creator: string,
  createdAt: string,
  statusAt: string,
): JsonObject[] {
  const { generateName, labels, annotations, ownerReferences, finalizers } = pod.metadata;
  const metadata = Object.fromEntries(Object.entries({ generateName, labels, annotations, ownerReferences, finalizers }).filter(([, v]) => v !== undefined));
  return [
    { apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: fieldsOf({ metadata, spec: pod.spec }), manager: creator, operation: 'Update', time: createdAt },
    {
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf({ status: pod.status }),
      manager: creator === 'kubectl-create' ? 'kubelet' : creator,
      operation: 'Update',
      subresource: 'status',
      time: statusAt,
    },
  ];
}
