// PATCH bodies as the API server reads them: JSON merge patch (RFC 7386), strategic merge patch (lists of named
// things merge by key), JSON patch (RFC 6902) and server-side apply (YAML or JSON; merged like a strategic patch).
import { parse as parseYaml } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonMap = { [key: string]: Json };

export type PatchResult = { ok: true; value: JsonMap } | { ok: false; code: 400 | 422; message: string };

function isMap(value: unknown): value is JsonMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return clone(patch);
  const out: JsonMap = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

// The merge keys Kubernetes declares (patchMergeKey) for the lists a Niro manifest touches.
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  conditions: 'type',
};

function mergeList(key: string, target: Json[], patch: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[key];
  if (!mergeKey || !patch.every(isMap) || !target.every(isMap)) return clone(patch);
  const out: JsonMap[] = target.map((item) => ({ ...(item as JsonMap) }));
  for (const item of patch as JsonMap[]) {
    const index = out.findIndex((existing) => existing[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = strategicMerge(out[index], item) as JsonMap;
    else out.push(strategicMerge({}, item) as JsonMap);
  }
  return out;
}

export function strategicMerge(target: Json, patch: Json): Json {
  if (!isMap(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const out: JsonMap = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    // Directives ($setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...) only order or prune; skipped here.
    if (key.startsWith('$')) continue;
    if (value === null) delete out[key];
    else if (Array.isArray(value) && Array.isArray(out[key])) out[key] = mergeList(key, out[key] as Json[], value);
    else if (isMap(value)) out[key] = strategicMerge(out[key] ?? null, value);
    else out[key] = clone(value);
  }
  return out;
}

type Operation = { op: string; path: string; value?: Json; from?: string };

function pointer(path: string): string[] | null {
  if (path === '') return [];
  if (!path.startsWith('/')) return null;
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function walk(root: Json, parts: string[]): { parent: Json; key: string } | null {
  let node: Json = root;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isMap(node)) node = node[part];
    else return null;
    if (node === undefined) return null;
  }
  return { parent: node, key: parts[parts.length - 1] };
}

export function applyJsonPatch(target: JsonMap, operations: unknown): PatchResult {
  if (!Array.isArray(operations)) return { ok: false, code: 400, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' };
  const doc = clone(target) as Json;
  const read = (path: string): Json | undefined => {
    const parts = pointer(path);
    if (!parts) return undefined;
    const at = parts.length === 0 ? null : walk(doc, parts);
    if (parts.length === 0) return doc;
    if (!at) return undefined;
    return Array.isArray(at.parent) ? at.parent[Number(at.key)] : isMap(at.parent) ? at.parent[at.key] : undefined;
  };
  for (const raw of operations as Operation[]) {
    const parts = pointer(raw.path);
    const at = parts && parts.length > 0 ? walk(doc, parts) : null;
    if (!at) return { ok: false, code: 422, message: `the server rejected our request due to an error in our request: doc is missing path: "${raw.path}"` };
    const { parent, key } = at;
    const value = raw.op === 'copy' || raw.op === 'move' ? read(raw.from ?? '') : raw.value;
    if ((raw.op === 'copy' || raw.op === 'move') && value === undefined) return { ok: false, code: 422, message: `doc is missing from path: "${raw.from}"` };
    if (raw.op === 'move') {
      const from = walk(doc, pointer(raw.from ?? '') ?? []);
      if (from && Array.isArray(from.parent)) from.parent.splice(Number(from.key), 1);
      else if (from && isMap(from.parent)) delete from.parent[from.key];
    }
    switch (raw.op) {
      case 'add':
      case 'copy':
      case 'move':
        if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, clone(value as Json));
        else if (isMap(parent)) parent[key] = clone(value as Json);
        else return { ok: false, code: 422, message: `doc is missing path: "${raw.path}"` };
        break;
      case 'replace':
      case 'remove': {
        const exists = Array.isArray(parent) ? Number(key) < parent.length : isMap(parent) && key in parent;
        if (!exists)
          return {
            ok: false,
            code: 422,
            message: `the server rejected our request due to an error in our request: ${raw.op} operation does not apply: doc is missing path: "${raw.path}"`,
          };
        if (raw.op === 'remove') {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete (parent as JsonMap)[key];
        } else if (Array.isArray(parent)) parent[Number(key)] = clone(value as Json);
        else (parent as JsonMap)[key] = clone(value as Json);
        break;
      }
      case 'test':
        if (JSON.stringify(read(raw.path)) !== JSON.stringify(value)) return { ok: false, code: 422, message: `testing value ${raw.path} failed` };
        break;
      default:
        return { ok: false, code: 400, message: `Unexpected kind: ${raw.op}` };
    }
  }
  return isMap(doc) ? { ok: true, value: doc } : { ok: false, code: 422, message: 'patch result is not an object' };
}

/** An apply body: YAML or JSON (JSON is YAML), one object. */
export function parseApplyBody(text: string): PatchResult {
  try {
    const value = parseYaml(text) as unknown;
    if (!isMap(value)) return { ok: false, code: 400, message: 'error decoding YAML: the apply body must be one object' };
    return { ok: true, value };
  } catch (error) {
    return { ok: false, code: 400, message: `error decoding YAML: ${(error as Error).message}` };
  }
}

export type PatchKind = 'merge' | 'strategic' | 'json' | 'apply';

export function patchKindOf(contentType: string | null): PatchKind | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/merge-patch+json') return 'merge';
  if (type === 'application/strategic-merge-patch+json') return 'strategic';
  if (type === 'application/json-patch+json') return 'json';
  if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') return 'apply';
  return null;
}

/** Apply a non-apply patch body to an object; the caller handles apply (it may create). */
export function patchObject(kind: Exclude<PatchKind, 'apply'>, target: JsonMap, body: string): PatchResult {
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch (error) {
    return { ok: false, code: 400, message: `couldn't get version/kind; json parse error: ${(error as Error).message}` };
  }
  if (kind === 'json') return applyJsonPatch(target, patch);
  if (!isMap(patch)) return { ok: false, code: 400, message: 'the patch must be a JSON object' };
  const merged = kind === 'merge' ? mergePatch(target, patch) : strategicMerge(target, patch);
  return isMap(merged) ? { ok: true, value: merged } : { ok: false, code: 422, message: 'patch result is not an object' };
}
