// What a deployment may contain, checked before anything is stored or applied: multi-document YAML (or JSON),
// known namespaced kinds only (the Namespace itself excepted), every object in the deployment's namespace,
// bounded sizes and counts. Errors name the document and the field. Pure.
import { parseAllDocuments, stringify } from 'yaml';
import { LIMITS } from '../contract';
import type { ObjectRef } from './vocabulary';

/** Objects in one deployment (after `kind: List` items are expanded). */
export const MAX_OBJECTS = 200;
/** The manifests of one revision, in characters (what one apply command carries). */
export const MAX_MANIFEST_CHARS = LIMITS.manifests;

/**
 * The kinds a deployment may hold, with the API group each must use. Namespaced workload and config kinds a
 * small team ships an app with; cluster-scoped kinds are refused (Niro applies into one namespace), except the
 * deployment's own Namespace, which Niro creates but never deletes or prunes.
 */
export const KNOWN_KINDS: Readonly<Record<string, { group: string; versions: readonly string[] }>> = {
  Deployment: { group: 'apps', versions: ['v1'] },
  StatefulSet: { group: 'apps', versions: ['v1'] },
  DaemonSet: { group: 'apps', versions: ['v1'] },
  Job: { group: 'batch', versions: ['v1'] },
  CronJob: { group: 'batch', versions: ['v1'] },
  Service: { group: '', versions: ['v1'] },
  ConfigMap: { group: '', versions: ['v1'] },
  Secret: { group: '', versions: ['v1'] },
  ServiceAccount: { group: '', versions: ['v1'] },
  PersistentVolumeClaim: { group: '', versions: ['v1'] },
  LimitRange: { group: '', versions: ['v1'] },
  ResourceQuota: { group: '', versions: ['v1'] },
  Ingress: { group: 'networking.k8s.io', versions: ['v1'] },
  NetworkPolicy: { group: 'networking.k8s.io', versions: ['v1'] },
  HorizontalPodAutoscaler: { group: 'autoscaling', versions: ['v2', 'v1'] },
  PodDisruptionBudget: { group: 'policy', versions: ['v1'] },
  Role: { group: 'rbac.authorization.k8s.io', versions: ['v1'] },
  RoleBinding: { group: 'rbac.authorization.k8s.io', versions: ['v1'] },
  Namespace: { group: '', versions: ['v1'] },
};
export const KNOWN_KIND_NAMES = Object.keys(KNOWN_KINDS);

/** Kinds Kubernetes knows as cluster-scoped, named in the refusal (anything else unknown is just unknown). */
const CLUSTER_SCOPED: readonly string[] = [
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'Node',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'IngressClass',
  'RuntimeClass',
];

/** DNS-1123 subdomain: what most object names must be. */
const SUBDOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/** DNS-1123 label: namespace names (and deployment names). */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** One checked object: its identity and the object as parsed (for the policy engine and the builder). */
export type ManifestObject = ObjectRef & { document: number; body: Record<string, unknown> };

export type ManifestsCheck =
  | {
      ok: true;
      objects: ManifestObject[];
      /** The manifests as stored: YAML as given (comments kept), or JSON input turned into YAML documents. */
      content: string;
    }
  | { ok: false; field: string; message: string };

/** The API group of an apiVersion ("apps/v1" → "apps", "v1" → ""). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** One identity per object whatever its version: group, kind, namespace, name. */
export function objectKey(o: Pick<ObjectRef, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.namespace}/${o.name}`;
}

/** "Deployment shop/web" — how messages name an object. */
export function describeObject(o: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return o.kind === 'Namespace' ? `Namespace ${o.name}` : `${o.kind} ${o.namespace}/${o.name}`;
}

const fail = (message: string): ManifestsCheck => ({ ok: false, field: 'manifests', message });

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

/**
 * Checks the manifests of a deployment in `namespace` (a DNS label, checked by the caller). Objects that name
 * no namespace get the deployment's when applied; ones naming another are refused.
 */
export function validateManifests(text: string, namespace: string): ManifestsCheck {
  if (typeof text !== 'string' || text.trim().length === 0) return fail('must not be empty: paste one or more Kubernetes objects (YAML or JSON)');
  if (text.length > MAX_MANIFEST_CHARS) return fail(`at most ${MAX_MANIFEST_CHARS} characters (got ${text.length})`);
  const json = looksLikeJson(text);
  const raw: { document: number; value: unknown }[] = [];
  if (json) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return fail(`not valid JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    const items = Array.isArray(value) ? value : [value];
    if (items.length > MAX_OBJECTS) return fail(`at most ${MAX_OBJECTS} objects (got ${items.length})`);
    items.forEach((v, i) => raw.push({ document: i + 1, value: v }));
  } else {
    const docs = parseAllDocuments(text, { uniqueKeys: true });
    const list = Array.isArray(docs) ? docs : [docs];
    if (list.length > MAX_OBJECTS) return fail(`at most ${MAX_OBJECTS} documents (got ${list.length})`);
    for (const [i, d] of list.entries()) {
      const error = d.errors[0];
      if (error) {
        const at = error.linePos?.[0];
        return fail(`document ${i + 1}: not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${error.message.split('\n')[0]}`);
      }
      let value: unknown;
      try {
        value = d.toJS({ maxAliasCount: 50 });
      } catch (e) {
        return fail(`document ${i + 1}: ${(e as Error).message.split('\n')[0]}`);
      }
      if (value === null || value === undefined) continue;
      raw.push({ document: i + 1, value });
    }
  }
  const objects: ManifestObject[] = [];
  const seen = new Map<string, number>();
  for (const { document, value } of raw) {
    const v = value as Record<string, unknown> | null;
    const items = v && typeof v === 'object' && !Array.isArray(v) && v.kind === 'List' ? v.items : [value];
    if (!Array.isArray(items)) return fail(`document ${document}: a List needs items: [...]`);
    for (const [j, item] of items.entries()) {
      const where = items.length > 1 || item !== value ? `document ${document}, item ${j + 1}` : `document ${document}`;
      const checked = checkObject(item, where, namespace);
      if (typeof checked === 'string') return fail(checked);
      const key = objectKey(checked);
      const earlier = seen.get(key);
      if (earlier !== undefined) return fail(`${where}: ${describeObject(checked)} is already defined in document ${earlier}`);
      seen.set(key, document);
      objects.push({ ...checked, document });
      if (objects.length > MAX_OBJECTS) return fail(`at most ${MAX_OBJECTS} objects`);
    }
  }
  if (objects.length === 0) return fail('holds no object: paste one or more Kubernetes objects (YAML or JSON)');
  if (objects.every((o) => o.kind === 'Namespace')) return fail('holds only a Namespace: add the objects to run in it');
  const content = json ? objects.map((o) => stringify(o.body, { lineWidth: 0 })).join('---\n') : text;
  if (content.length > MAX_MANIFEST_CHARS) return fail(`at most ${MAX_MANIFEST_CHARS} characters once written as YAML (got ${content.length})`);
  return { ok: true, objects, content };
}

/** One object's identity, or the message naming the document and field that is wrong. */
function checkObject(value: unknown, where: string, namespace: string): (ObjectRef & { body: Record<string, unknown> }) | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `${where}: must be a Kubernetes object (a mapping with apiVersion, kind, metadata)`;
  const o = value as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !o.kind) return `${where}: kind: required`;
  const kind = o.kind;
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) return `${where} (${kind}): apiVersion: required`;
  const meta = o.metadata;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return `${where} (${kind}): metadata: required, with a name`;
  const m = meta as Record<string, unknown>;
  if (typeof m.name !== 'string' || !m.name) {
    return `${where} (${kind}): metadata.name: required${m.generateName !== undefined ? ' (generateName is not supported: Niro must know the name to update and prune it)' : ''}`;
  }
  const name = m.name;
  const label = `${where} (${kind} ${name.length > 60 ? `${name.slice(0, 60)}…` : name})`;
  if (name.length > 253 || !SUBDOMAIN.test(name)) return `${label}: metadata.name: must be lowercase letters, digits, "-" and ".", at most 253 characters`;
  const known = KNOWN_KINDS[kind];
  if (!known) {
    if (CLUSTER_SCOPED.includes(kind)) return `${label}: kind: ${kind} is cluster-scoped; a deployment holds namespaced objects only (and its own Namespace)`;
    return `${label}: kind: ${kind} is not a kind deployments accept; they accept ${KNOWN_KIND_NAMES.join(', ')}`;
  }
  const group = groupOf(o.apiVersion);
  const version = o.apiVersion.slice(o.apiVersion.indexOf('/') + 1);
  if (group !== known.group || !known.versions.includes(version)) {
    const expected = known.versions.map((v) => (known.group ? `${known.group}/${v}` : v)).join(' or ');
    return `${label}: apiVersion: ${kind} must be ${expected} (got ${JSON.stringify(o.apiVersion)})`;
  }
  if (kind === 'Namespace') {
    if (name !== namespace) return `${label}: metadata.name: the only Namespace a deployment may hold is its own, "${namespace}"`;
    if (m.namespace !== undefined) return `${label}: metadata.namespace: a Namespace has none`;
    return { apiVersion: o.apiVersion, kind, namespace, name, body: o };
  }
  if (m.namespace !== undefined && m.namespace !== namespace) {
    return `${label}: metadata.namespace: must be the deployment's namespace "${namespace}" or left out (got ${JSON.stringify(m.namespace)})`;
  }
  return { apiVersion: o.apiVersion, kind, namespace, name, body: o };
}

/** The objects of a list that a prune or delete may touch: never a Namespace. */
export function deletable(objects: readonly ObjectRef[]): ObjectRef[] {
  return objects.filter((o) => o.kind !== 'Namespace');
}

/** Objects of `owned` that `next` lacks (by identity, whatever the version), Namespaces excluded. */
export function objectsToPrune(owned: readonly ObjectRef[], next: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(next.map(objectKey));
  return deletable(owned).filter((o) => !keep.has(objectKey(o)));
}

/** `a` then what `b` adds (by identity; the later apiVersion wins for one in both). */
export function unionObjects(a: readonly ObjectRef[], b: readonly ObjectRef[]): ObjectRef[] {
  const out = new Map<string, ObjectRef>();
  for (const o of [...a, ...b]) out.set(objectKey(o), { apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name });
  return [...out.values()];
}
