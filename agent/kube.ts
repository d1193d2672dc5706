// The only file that imports @kubernetes/client-node — and only for what it does well: loading a
// kubeconfig or the in-cluster service account, and producing auth headers and TLS material. Requests
// go through Bun's fetch with that TLS material, because client-node's own HTTP layer hands TLS options
// to an undici dispatcher that Bun ignores (CA, client certificates and insecure-skip-tls-verify would
// be silently dropped). Responses stay plain JSON, the shape the collectors are tested with.
import * as k8s from '@kubernetes/client-node';
import { FIELD_MANAGER, type ObjectResult } from '../src/contract/index.ts';
import {
  KubeError,
  readKubeError,
  type KubeApi,
  type KubeVersion,
  type ListOptions,
  type LogHandle,
  type ObjectReference,
  type ResourceAttributes,
  type WatchHandle,
  type WatchOptions,
} from './kube-api.ts';
import type { Event, KubeObject, Node, NodeMetrics, OwnedObject, Pod, PodMetrics, Secret, WatchEvent } from './kube-objects.ts';

export interface KubeOptions {
  /** Path of a kubeconfig; null = in-cluster when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config. */
  kubeconfig: string | null;
  /** Prefix of the in-cluster service-account paths; null = "/" as in a pod. */
  inClusterRoot?: string | null;
  env: Record<string, string | undefined>;
}

interface Connection {
  server: string;
  headers: Record<string, string>;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; serverName?: string };
  expiresAt: number;
}

/** Auth material is re-read this often: projected service-account tokens rotate (hourly by default). */
const CONNECTION_TTL_MS = 60_000;
const PAGE_SIZE = 500;
/** Pods are the heaviest objects: smaller pages keep the agent's peak memory low in big clusters. */
export const POD_PAGE_SIZE = 250;
const REQUEST_TIMEOUT_MS = 30_000;
/** Discovery answers are cached this long; a CRD installed meanwhile is found by one refresh on a miss. */
const DISCOVERY_TTL_MS = 5 * 60_000;
/** A watch is ended by the server after this long (jittered by the caller's re-watch) and resumed from its resourceVersion. */
const WATCH_TIMEOUT_SECONDS = 290;
/** Lists of metadata only, as `kubectl get -o name` asks; a server without it answers the full list. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json';
const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json';

export function loadKubeConfig(options: KubeOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else if (options.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster(options.inClusterRoot ?? undefined);
  else kc.loadFromDefault();
  return kc;
}

function toText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

export function createKube(options: KubeOptions): KubeApi {
  const kc = loadKubeConfig(options);
  let connection: Connection | null = null;

  async function connect(): Promise<Connection> {
    if (connection && connection.expiresAt > Date.now()) return connection;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeError(0, 'kubeconfig has no current cluster');
    const opts: {
      headers?: Record<string, unknown>;
      ca?: unknown;
      cert?: unknown;
      key?: unknown;
      rejectUnauthorized?: boolean;
      servername?: string;
      auth?: string;
    } = {};
    await kc.applyToHTTPSOptions(opts as Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0]);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name] = String(value);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const tls: Connection['tls'] = {};
    const ca = toText(opts.ca);
    const cert = toText(opts.cert);
    const key = toText(opts.key);
    if (ca) tls.ca = ca;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
    if (opts.rejectUnauthorized === false) tls.rejectUnauthorized = false;
    if (opts.servername) tls.serverName = opts.servername;
    connection = { server: cluster.server.replace(/\/+$/, ''), headers, tls, expiresAt: Date.now() + CONNECTION_TTL_MS };
    return connection;
  }

  async function send(
    method: string,
    path: string,
    init: { body?: string; contentType?: string; accept?: string; signal?: AbortSignal; stream?: boolean } = {},
  ): Promise<Response> {
    const conn = await connect();
    const headers: Record<string, string> = { ...conn.headers, Accept: init.accept ?? 'application/json' };
    if (init.contentType) headers['Content-Type'] = init.contentType;
    const signal = init.stream ? init.signal : AbortSignal.any([...(init.signal ? [init.signal] : []), AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
    try {
      return await fetch(`${conn.server}${path}`, {
        method,
        headers,
        body: init.body,
        signal,
        tls: conn.tls,
        // A followed log may stay silent for hours; Bun's default idle timeout (5 min) would cut it.
        ...(init.stream ? { timeout: false } : {}),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError' && init.signal?.aborted) throw error;
      throw new KubeError(0, `Kubernetes API unreachable (${conn.server}): ${(error as Error).message}`);
    }
  }

  async function requestJson<T>(method: string, path: string, init: { body?: string; contentType?: string; accept?: string } = {}): Promise<T> {
    const response = await send(method, path, init);
    if (!response.ok) throw await readKubeError(response, `${method} ${path}`);
    return (await response.json()) as T;
  }

  /** Visits every item page by page, following `continue` tokens so no response holds thousands of objects. */
  async function visitPages<T>(
    path: string,
    visit: (items: T[]) => void,
    query: Record<string, string> = {},
    pageSize: number = PAGE_SIZE,
    accept?: string,
  ): Promise<void> {
    let token: string | undefined;
    do {
      const params = new URLSearchParams({ ...query, limit: String(pageSize) });
      if (token) params.set('continue', token);
      const page = await requestJson<{ items?: T[]; metadata?: { continue?: string } }>('GET', `${path}?${params}`, { accept });
      visit(page.items ?? []);
      token = page.metadata?.continue || undefined;
    } while (token);
  }

  async function listAll<T>(path: string, query: Record<string, string> = {}, accept?: string): Promise<T[]> {
    const items: T[] = [];
    await visitPages<T>(path, (page) => items.push(...page), query, PAGE_SIZE, accept);
    return items;
  }

  /**
   * metrics.k8s.io is optional: absent (404/503), forbidden (403) or broken all mean "no metrics". One request, no
   * `limit`: metrics-server serves the whole list at once (it does not page), so pages would only add round trips.
   */
  async function listMetrics<T>(path: string): Promise<T[] | null> {
    try {
      return (await requestJson<{ items?: T[] }>('GET', path)).items ?? [];
    } catch {
      return null;
    }
  }

  const discovery = new Map<string, { fetchedAt: number; resources: { name: string; kind: string; namespaced: boolean }[] }>();

  async function resolveResource(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean } | null> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      let cached = discovery.get(apiVersion);
      if (!cached || attempt === 1 || cached.fetchedAt + DISCOVERY_TTL_MS < Date.now()) {
        try {
          const list = await requestJson<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>('GET', path);
          cached = { fetchedAt: Date.now(), resources: list.resources ?? [] };
          discovery.set(apiVersion, cached);
        } catch (error) {
          if (error instanceof KubeError && error.status === 404) return null;
          throw error;
        }
      }
      const found = cached.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (found) return { plural: found.name, namespaced: found.namespaced };
    }
    return null;
  }

  function objectPath(apiVersion: string, plural: string, namespace: string | null, name?: string): string {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${scope}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** The URL path of one object (a 404 KubeError when the API server does not serve its kind). */
  async function refPath(ref: ObjectReference): Promise<string> {
    const resource = await resolveResource(ref.apiVersion, ref.kind);
    if (!resource) throw new KubeError(404, `the API server does not serve ${ref.kind} in ${ref.apiVersion}`);
    return objectPath(ref.apiVersion, resource.plural, resource.namespaced ? ref.namespace : null, ref.name);
  }

  async function applyOne(object: KubeObject, dryRun: boolean): Promise<ObjectResult> {
    const namespace = object.metadata.namespace ?? '';
    const result: ObjectResult = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace,
      name: object.metadata.name,
      action: 'failed',
    };
    try {
      const resource = await resolveResource(object.apiVersion, object.kind);
      if (!resource) return { ...result, message: `the API server does not serve ${object.kind} in ${object.apiVersion}` };
      if (resource.namespaced && !namespace) return { ...result, message: 'namespaced object without a namespace' };
      const params = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
      if (dryRun) params.set('dryRun', 'All');
      const path = objectPath(object.apiVersion, resource.plural, resource.namespaced ? namespace : null, object.metadata.name);
      const response = await send('PATCH', `${path}?${params}`, {
        body: JSON.stringify(object),
        contentType: 'application/apply-patch+yaml',
      });
      if (!response.ok) return { ...result, message: (await readKubeError(response, 'apply')).message.slice(0, 1024) };
      await response.body?.cancel().catch(() => undefined);
      return { ...result, namespace: resource.namespaced ? namespace : '', action: response.status === 201 ? 'created' : 'configured' };
    } catch (error) {
      return { ...result, message: (error as Error).message.slice(0, 1024) };
    }
  }

  async function getSecret(namespace: string, name: string): Promise<Secret | null> {
    try {
      return await requestJson<Secret>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof KubeError && error.status === 404) return null;
      throw error;
    }
  }

  return {
    async getVersion(): Promise<KubeVersion> {
      const version = await requestJson<{ gitVersion?: string; platform?: string }>('GET', '/version');
      return { gitVersion: version.gitVersion ?? '', platform: version.platform ?? '' };
    },
    listNodes: () => listAll<Node>('/api/v1/nodes'),
    async getPod(namespace: string, name: string): Promise<Pod | null> {
      try {
        return await requestJson<Pod>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`);
      } catch (error) {
        if (error instanceof KubeError && error.status === 404) return null;
        throw error;
      }
    },
    listPods: (visit) => visitPages<Pod>('/api/v1/pods', visit, {}, POD_PAGE_SIZE),
    listWarningEvents: () => listAll<Event>('/api/v1/events', { fieldSelector: 'type=Warning' }),
    // Owner resolution needs only metadata: skip the pod templates, most of these objects' bytes.
    listReplicaSets: () => listAll<OwnedObject>('/apis/apps/v1/replicasets', {}, METADATA_ONLY),
    listJobs: () => listAll<OwnedObject>('/apis/batch/v1/jobs', {}, METADATA_ONLY),
    listPodMetrics: () => listMetrics<PodMetrics>('/apis/metrics.k8s.io/v1beta1/pods'),
    listNodeMetrics: () => listMetrics<NodeMetrics>('/apis/metrics.k8s.io/v1beta1/nodes'),

    async reviewAccess(attributes: ResourceAttributes): Promise<boolean> {
      const review = await requestJson<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        body: JSON.stringify({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: attributes },
        }),
        contentType: 'application/json',
      });
      return review.status?.allowed === true;
    },

    getSecret,

    async writeSecret(namespace: string, name: string, data: Record<string, string>): Promise<void> {
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      const collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
      // Read-modify-write with the resourceVersion; a concurrent writer makes us retry once.
      for (let attempt = 0; attempt < 2; attempt++) {
        const existing = await getSecret(namespace, name);
        try {
          if (!existing) {
            await requestJson('POST', collection, {
              body: JSON.stringify({
                apiVersion: 'v1',
                kind: 'Secret',
                metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'niro-agent' } },
                type: 'Opaque',
                data: encoded,
              }),
              contentType: 'application/json',
            });
          } else {
            await requestJson('PUT', `${collection}/${encodeURIComponent(name)}`, {
              body: JSON.stringify({ ...existing, data: { ...existing.data, ...encoded } }),
              contentType: 'application/json',
            });
          }
          return;
        } catch (error) {
          if (attempt === 0 && error instanceof KubeError && error.status === 409) continue;
          throw error;
        }
      }
    },

    async listCollection<T>(path: string, listOptions: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
      const items: T[] = [];
      let resourceVersion = '';
      let token: string | undefined;
      const visit = (listOptions.visit as ((page: T[]) => void) | undefined) ?? ((page: T[]) => void items.push(...page));
      do {
        const params = new URLSearchParams({ ...listOptions.query, limit: String(listOptions.pageSize ?? PAGE_SIZE) });
        if (token) params.set('continue', token);
        const page = await requestJson<{ items?: T[]; metadata?: { continue?: string; resourceVersion?: string } }>('GET', `${path}?${params}`, {
          accept: listOptions.metadataOnly ? METADATA_ONLY : undefined,
        });
        visit(page.items ?? []);
        // Every page of one list is a snapshot at the first page's resourceVersion.
        resourceVersion ||= page.metadata?.resourceVersion ?? '';
        token = page.metadata?.continue || undefined;
      } while (token);
      return { items, resourceVersion };
    },

    watchCollection<T>(path: string, resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, watchOptions: WatchOptions = {}): WatchHandle {
      const controller = new AbortController();
      const params = new URLSearchParams({
        ...watchOptions.query,
        watch: '1',
        resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(WATCH_TIMEOUT_SECONDS),
      });
      const done = (async (): Promise<{ error?: KubeError }> => {
        try {
          const accept = watchOptions.metadataOnly ? METADATA_WATCH : undefined;
          const response = await send('GET', `${path}?${params}`, { signal: controller.signal, stream: true, accept });
          if (!response.ok || !response.body) return { error: await readKubeError(response, 'watch') };
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffered = '';
          try {
            for (;;) {
              const { value, done: ended } = await reader.read();
              if (ended) break;
              buffered += decoder.decode(value, { stream: true });
              let newline = buffered.indexOf('\n');
              while (newline >= 0) {
                const line = buffered.slice(0, newline).trim();
                buffered = buffered.slice(newline + 1);
                if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
                newline = buffered.indexOf('\n');
              }
            }
          } finally {
            reader.releaseLock();
          }
          return {};
        } catch (error) {
          if (controller.signal.aborted) return {};
          return { error: error instanceof KubeError ? error : new KubeError(0, `watch ${path}: ${(error as Error).message}`) };
        }
      })();
      return { abort: () => controller.abort(), done };
    },

    streamLog(namespace, pod, logOptions, onChunk): LogHandle {
      const controller = new AbortController();
      const params = new URLSearchParams({
        container: logOptions.container,
        follow: String(logOptions.follow),
        previous: String(logOptions.previous),
        timestamps: String(logOptions.timestamps),
      });
      // tailLines=0 is meaningful ("no history, only new lines"), unlike client-node's truthiness check.
      if (logOptions.tailLines !== undefined) params.set('tailLines', String(logOptions.tailLines));
      if (logOptions.sinceSeconds !== undefined) params.set('sinceSeconds', String(logOptions.sinceSeconds));
      else if (logOptions.sinceTime !== undefined) params.set('sinceTime', logOptions.sinceTime);
      if (logOptions.limitBytes !== undefined) params.set('limitBytes', String(logOptions.limitBytes));
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${params}`;

      const done = (async (): Promise<{ error?: string }> => {
        try {
          const response = await send('GET', path, { signal: controller.signal, stream: true });
          if (!response.ok || !response.body) return { error: (await readKubeError(response, 'log')).message };
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          try {
            for (;;) {
              const { value, done: ended } = await reader.read();
              if (ended) break;
              const text = decoder.decode(value, { stream: true });
              if (text) onChunk(text);
            }
            const rest = decoder.decode();
            if (rest) onChunk(rest);
          } finally {
            reader.releaseLock();
          }
          return {};
        } catch (error) {
          if (controller.signal.aborted) return {};
          return { error: (error as Error).message };
        }
      })();
      return { abort: () => controller.abort(), done };
    },

    async applyObjects(objects: KubeObject[], applyOptions: { dryRun: boolean }): Promise<ObjectResult[]> {
      const results: ObjectResult[] = [];
      // In order, like kubectl apply: a Namespace or CRD earlier in the list exists before what uses it.
      for (const object of objects) results.push(await applyOne(object, applyOptions.dryRun));
      return results;
    },

    async isNamespaced(apiVersion: string, kind: string): Promise<boolean | null> {
      return (await resolveResource(apiVersion, kind))?.namespaced ?? null;
    },

    async getObject(ref: ObjectReference): Promise<KubeObject | null> {
      try {
        return await requestJson<KubeObject>('GET', await refPath(ref));
      } catch (error) {
        if (error instanceof KubeError && error.status === 404) return null;
        throw error;
      }
    },

    async deleteObject(ref: ObjectReference, { uid }: { uid?: string } = {}): Promise<'deleted' | 'not-found'> {
      const response = await send('DELETE', await refPath(ref), {
        body: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) }),
        contentType: 'application/json',
      });
      if (response.status === 404) return 'not-found';
      if (!response.ok) throw await readKubeError(response, 'delete');
      await response.body?.cancel().catch(() => undefined);
      return 'deleted';
    },

    async patchOwnDeployment(namespace: string, name: string, container: string, image: string): Promise<void> {
      await requestJson(
        'PATCH',
        `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}`,
        {
          body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: container, image }] } } } }),
          contentType: 'application/strategic-merge-patch+json',
        },
      );
    },
  };
}
