// Reads: get, list (selectors, limit/continue paging, Table output) and watch for stored resources,
// plus the metrics.k8s.io reads metrics-server would answer.
import type { Cluster } from './cluster-types.ts';
import { flag, intParam, respondError, respondJson } from './http.ts';
import { buildNodeMetrics, buildPodMetrics } from './metrics.ts';
import type { JsonObject } from './objects.ts';
import { apiVersionOf, type ResourceType, storeKey } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, notFound } from './status.ts';
import type { KubeObject, WatchEvent } from './store.ts';
import { buildTable, type IncludeObject, TABLE_CONTENT_TYPE, wantsTable } from './tables.ts';

export type ReadRequest = {
  cluster: Cluster;
  type: ResourceType;
  namespace: string | undefined;
  url: URL;
  accept: string | null;
  signal: AbortSignal;
};

type ContinueToken = { v: string; rv: number; start: string };

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    return typeof parsed.start === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

function includeObject(url: URL): IncludeObject {
  const value = url.searchParams.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** The objects a list (or deletecollection) selects: namespace, labelSelector, fieldSelector; a 400 for a bad selector. */
export function selectObjects(request: ReadRequest): { ok: true; objects: KubeObject[] } | { ok: false; response: Response } {
  const key = storeKey(request.type);
  const labels = parseLabelSelector(request.url.searchParams.get('labelSelector'));
  if (!labels.ok) return { ok: false, response: respondError(badRequest(labels.message)) };
  const fields = parseFieldSelector(request.url.searchParams.get('fieldSelector'), key);
  if (!fields.ok) return { ok: false, response: respondError(badRequest(fields.message)) };
  const all = request.cluster.store.list(key, request.namespace);
  return { ok: true, objects: all.filter((o) => labels.match(o) && fields.match(o)) };
}

export function serveList(request: ReadRequest): Response {
  const { cluster, type, url } = request;
  const key = storeKey(type);
  const selected = selectObjects(request);
  if (!selected.ok) return selected.response;
  let objects = selected.objects;
  const rv = cluster.store.resourceVersion();

  // Paging: objects are in key order, so a continue token is simply "start at this key".
  const token = url.searchParams.get('continue');
  if (token) {
    const decoded = decodeContinue(token);
    if (!decoded) return respondError(badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'));
    objects = objects.filter((o) => objectId(o) >= decoded.start);
  }
  const limit = intParam(url, 'limit');
  let next: string | undefined;
  let remaining: number | undefined;
  if (limit !== null && limit > 0 && objects.length > limit) {
    next = encodeContinue(rv, objectId(objects[limit]));
    remaining = objects.length - limit;
    objects = objects.slice(0, limit);
  }

  if (wantsTable(request.accept)) {
    return respondJson(buildTable(key, objects, includeObject(url), String(rv), next, remaining), 200, TABLE_CONTENT_TYPE);
  }
  if (wantsPartialMetadata(request.accept)) {
    const items = objects.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }));
    const metadata = { resourceVersion: String(rv), ...(next ? { continue: next, remainingItemCount: remaining } : {}) };
    return respondJson({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items }, 200, PARTIAL_METADATA_LIST_CONTENT_TYPE);
  }
  // Items are cached JSON strings: a 1000-pod list is one join.
  const items = objects.map((o) => cluster.store.serialize(key, o)).join(',');
  const metadata = JSON.stringify({ resourceVersion: String(rv), ...(next ? { continue: next, remainingItemCount: remaining } : {}) });
  return respondJson(`{"kind":"${type.kind}List","apiVersion":"${apiVersionOf(type)}","metadata":${metadata},"items":[${items}]}`);
}

const PARTIAL_METADATA_LIST_CONTENT_TYPE = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io';

/** `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`: only each item's metadata (as the API server answers it). */
function wantsPartialMetadata(accept: string | null): boolean {
  return accept !== null && /as=PartialObjectMetadataList/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function objectId(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

export function serveGet(request: ReadRequest, name: string): Response {
  const key = storeKey(request.type);
  const object = request.cluster.store.get(key, request.namespace, name);
  if (!object) return respondError(notFound(request.type, name));
  if (wantsTable(request.accept)) {
    return respondJson(buildTable(key, [object], includeObject(request.url), object.metadata.resourceVersion), 200, TABLE_CONTENT_TYPE);
  }
  return respondJson(request.cluster.store.serialize(key, object));
}

/** What a watch needs from the server beyond the request: its bookmark period and the registry of open watches. */
export type WatchHooks = {
  /** How often a watch that allows bookmarks gets one (the watch cache sends them about once a minute). */
  bookmarkMs: number;
  /** Open watches: each adds its "end now" function and removes it when it ends. */
  open: Set<() => void>;
};

/**
 * Watch: newline-delimited events; without a resourceVersion (or "0") the current objects arrive first as ADDED.
 * With `allowWatchBookmarks=true`, BOOKMARK events carry the newest resourceVersion every `bookmarkMs` and once more
 * just before the server ends the watch at its timeout, so a client can resume from there without a re-list.
 */
export function serveWatch(request: ReadRequest, hooks: WatchHooks): Response {
  const { cluster, type, url } = request;
  const key = storeKey(type);
  const selected = selectObjects(request);
  if (!selected.ok) return selected.response;
  const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
  const fields = parseFieldSelector(url.searchParams.get('fieldSelector'), key);
  const table = wantsTable(request.accept);
  const bookmarks = flag(url, 'allowWatchBookmarks');
  const encoder = new TextEncoder();
  const fromVersion = url.searchParams.get('resourceVersion');
  const timeoutSeconds = intParam(url, 'timeoutSeconds');
  let unsubscribe: (() => void) | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let end: () => void = () => {};
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    if (ticker) clearInterval(ticker);
    if (timer) clearTimeout(timer);
    hooks.open.delete(end);
  };
  const frame = (eventType: WatchEvent['type'], object: KubeObject): Uint8Array => {
    const body = table ? JSON.stringify(buildTable(key, [object], 'Object', object.metadata.resourceVersion)) : cluster.store.serialize(key, object);
    return encoder.encode(`{"type":"${eventType}","object":${body}}\n`);
  };
  // A bookmark is an object of the watched kind with only metadata.resourceVersion (a row-less Table for kubectl get).
  const bookmark = (): Uint8Array => {
    const resourceVersion = String(cluster.store.resourceVersion());
    const object = table
      ? { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: null, rows: null }
      : { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion, creationTimestamp: null } };
    return encoder.encode(`{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`);
  };
  const selects = (object: KubeObject): boolean =>
    (request.namespace === undefined || object.metadata.namespace === request.namespace) &&
    labels.ok &&
    fields.ok &&
    labels.match(object) &&
    fields.match(object);
  // As the API server does for a selector: an object modified into the selection arrives as ADDED, one modified out
  // of it as DELETED (so a client's view never keeps what no longer matches).
  const asSeen = (event: WatchEvent): WatchEvent['type'] | null => {
    const now = selects(event.object);
    if (event.type !== 'MODIFIED') return now ? event.type : null;
    const before = event.previous ? selects(event.previous) : now;
    if (now) return before ? 'MODIFIED' : 'ADDED';
    return before ? 'DELETED' : null;
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      end = (): void => {
        if (closed) return;
        finish();
        controller.close();
      };
      if (!fromVersion || fromVersion === '0') for (const object of selected.objects) controller.enqueue(frame('ADDED', object));
      else {
        // Resume where the client's list or last event left off: what changed since, or 410 Gone when it is too old.
        const missed = cluster.store.eventsSince(key, Number(fromVersion));
        if (missed === null) {
          const status = {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${fromVersion} (${cluster.store.resourceVersion()})`,
            reason: 'Expired',
            code: 410,
          };
          controller.enqueue(encoder.encode(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`));
          end();
          return;
        }
        for (const event of missed) {
          const seen = asSeen(event);
          if (seen) controller.enqueue(frame(seen, event.object));
        }
      }
      hooks.open.add(end);
      unsubscribe = cluster.store.subscribe((event) => {
        if (closed || event.key !== key) return;
        const seen = asSeen(event);
        if (seen) controller.enqueue(frame(seen, event.object));
      });
      if (bookmarks) ticker = setInterval(() => controller.enqueue(bookmark()), hooks.bookmarkMs);
      const seconds = timeoutSeconds !== null && !Number.isNaN(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds : 1800;
      timer = setTimeout(() => {
        if (closed) return;
        if (bookmarks) controller.enqueue(bookmark());
        end();
      }, seconds * 1000);
    },
    cancel: finish,
  });
  request.signal.addEventListener('abort', finish);
  return new Response(stream, { headers: { 'Content-Type': table ? TABLE_CONTENT_TYPE : 'application/json', 'Transfer-Encoding': 'chunked' } });
}

export function isWatch(url: URL): boolean {
  return flag(url, 'watch');
}

const METRICS_TYPE = { group: 'metrics.k8s.io', resource: 'podmetrics' };

/** metrics.k8s.io reads: lists (optionally by label), and single pods/nodes with metrics-server's 404 wording. */
export function serveMetrics(request: ReadRequest, name: string | undefined): Response {
  const { cluster, type, url } = request;
  const scrapedAt = Math.floor(Date.now() / 15_000) * 15_000;
  const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
  if (!labels.ok) return respondError(badRequest(labels.message));
  const isPods = type.resource === 'pods';
  let items = isPods ? buildPodMetrics(cluster, request.namespace, scrapedAt) : buildNodeMetrics(cluster, scrapedAt);
  items = items.filter((item) => labels.match({ apiVersion: '', kind: '', metadata: item.metadata as KubeObject['metadata'] }));
  const apiVersion = 'metrics.k8s.io/v1beta1';
  if (name !== undefined) {
    const found = items.find((item) => (item.metadata as { name: string }).name === name);
    if (!found) {
      const what = isPods ? `${request.namespace}/${name}` : name;
      return respondError(notFound({ ...METRICS_TYPE, resource: isPods ? 'podmetrics' : 'nodemetrics' }, what));
    }
    return respondJson({ kind: type.kind, apiVersion, ...(found as JsonObject) });
  }
  return respondJson({ kind: `${type.kind}List`, apiVersion, metadata: {}, items });
}
