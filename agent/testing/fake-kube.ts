// A KubeApi made of plain data, for tests of the builders and loops (the simulator covers the real API).
import type { ObjectResult } from '../../src/contract/index.ts';
import { KubeError, type KubeApi, type ListOptions, type LogHandle, type LogOptions, type ObjectReference, type ResourceAttributes } from '../kube-api.ts';
import type { Event, KubeObject, Node, NodeMetrics, ObjectMeta, OwnedObject, Pod, PodMetrics, Secret, WatchEvent } from '../kube-objects.ts';

export interface FakeLog {
  namespace: string;
  pod: string;
  options: LogOptions;
  emit(text: string): void;
  end(error?: string): void;
  aborted: boolean;
}

/** An open watch of the fake: a test pushes events into it or ends it. */
export interface FakeWatch {
  path: string;
  resourceVersion: string;
  emit(event: WatchEvent<unknown>): void;
  /** The server ends the stream (its timeout), or the request fails with `error`. */
  end(error?: KubeError): void;
  aborted: boolean;
}

export interface FakeKubeState {
  version: { gitVersion: string; platform: string };
  nodes: Node[];
  pods: Pod[];
  events: Event[];
  replicaSets: OwnedObject[];
  jobs: OwnedObject[] | KubeError;
  podMetrics: PodMetrics[] | null;
  nodeMetrics: NodeMetrics[] | null;
  /** Granted access, as "verb resource[/subresource][.group]" (namespace-independent). */
  grants: Set<string>;
  secrets: Map<string, Secret>;
  /** When set, every read fails with this error (API server down). */
  down: KubeError | null;
  applied: KubeObject[];
  deleted: ObjectReference[];
  patchedImages: string[];
  logs: FakeLog[];
  /** Collections served to listCollection by path (e.g. "/apis/apps/v1/deployments"); an error fails the list. Absent: empty. */
  collections: Record<string, { metadata: ObjectMeta }[] | KubeError>;
  /** The resourceVersion lists answer with. */
  listVersion: string;
  /** Lists answered per path. */
  listCalls: Record<string, number>;
  watches: FakeWatch[];
  /** Kinds the fake API serves, with whether they are namespaced. */
  kinds: Record<string, boolean>;
}

export function grantKey(a: ResourceAttributes): string {
  return `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.group ? `.${a.group}` : ''}`;
}

export function createFakeKube(initial: Partial<FakeKubeState> = {}): { kube: KubeApi; state: FakeKubeState } {
  const state: FakeKubeState = {
    version: { gitVersion: 'v1.31.4+k3s1', platform: 'linux/amd64' },
    nodes: [],
    pods: [],
    events: [],
    replicaSets: [],
    jobs: [],
    podMetrics: null,
    nodeMetrics: null,
    grants: new Set(['list pods', 'get pods']),
    secrets: new Map(),
    down: null,
    applied: [],
    deleted: [],
    patchedImages: [],
    logs: [],
    collections: {},
    listVersion: '100',
    listCalls: {},
    watches: [],
    kinds: { 'v1/ConfigMap': true, 'apps/v1/Deployment': true, 'v1/Namespace': false, 'rbac.authorization.k8s.io/v1/ClusterRole': false },
    ...initial,
  };
  const read = async <T>(value: T | KubeError): Promise<T> => {
    if (state.down) throw state.down;
    if (value instanceof KubeError) throw value;
    return structuredClone(value);
  };

  const kube: KubeApi = {
    getVersion: () => read(state.version),
    getPod: async (namespace, name) => (await read(state.pods)).find((p) => p.metadata.namespace === namespace && p.metadata.name === name) ?? null,
    listNodes: () => read(state.nodes),
    listPods: async (visit) => {
      // Two pages, as the real API sends big lists in several.
      const pods = await read(state.pods);
      const half = Math.ceil(pods.length / 2);
      visit(pods.slice(0, half));
      if (pods.length > half) visit(pods.slice(half));
    },
    listWarningEvents: () => read(state.events),
    listReplicaSets: () => read(state.replicaSets),
    listJobs: () => read(state.jobs),
    listPodMetrics: async () => (state.down ? null : structuredClone(state.podMetrics)),
    listNodeMetrics: async () => (state.down ? null : structuredClone(state.nodeMetrics)),
    reviewAccess: async (attributes) => {
      if (state.down) throw state.down;
      return state.grants.has(grantKey(attributes));
    },
    getSecret: async (namespace, name) => (await read(state.secrets)).get(`${namespace}/${name}`) ?? null,
    writeSecret: async (namespace, name, data) => {
      if (state.down) throw state.down;
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      state.secrets.set(`${namespace}/${name}`, { metadata: { name, namespace }, data: encoded });
    },
    listCollection: async <T>(path: string, options: ListOptions = {}) => {
      state.listCalls[path] = (state.listCalls[path] ?? 0) + 1;
      const items = await read(state.collections[path] ?? []);
      if (options.visit) {
        (options.visit as (page: unknown[]) => void)(items);
        return { items: [] as T[], resourceVersion: state.listVersion };
      }
      return { items: items as unknown as T[], resourceVersion: state.listVersion };
    },
    watchCollection: (path, resourceVersion, onEvent) => {
      let settle: (value: { error?: KubeError }) => void = () => undefined;
      const done = new Promise<{ error?: KubeError }>((resolve) => (settle = resolve));
      const entry: FakeWatch = {
        path,
        resourceVersion,
        aborted: false,
        emit: (event) => onEvent(event as Parameters<typeof onEvent>[0]),
        end: (error) => settle(error ? { error } : {}),
      };
      state.watches.push(entry);
      return {
        abort: () => {
          entry.aborted = true;
          settle({});
        },
        done,
      };
    },
    streamLog: (namespace, pod, options, onChunk): LogHandle => {
      let settle: (value: { error?: string }) => void = () => undefined;
      const done = new Promise<{ error?: string }>((resolve) => (settle = resolve));
      const entry: FakeLog = {
        namespace,
        pod,
        options,
        aborted: false,
        emit: (text) => onChunk(text),
        end: (error) => settle(error ? { error } : {}),
      };
      state.logs.push(entry);
      return {
        abort: () => {
          entry.aborted = true;
          settle({});
        },
        done,
      };
    },
    applyObjects: async (objects, options): Promise<ObjectResult[]> => {
      if (!options.dryRun) state.applied.push(...objects);
      return objects.map((o) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
        action: 'created' as const,
      }));
    },
    isNamespaced: async (apiVersion, kind) => state.kinds[`${apiVersion}/${kind}`] ?? null,
    getObject: async (ref) =>
      state.applied.findLast(
        (o) => o.apiVersion === ref.apiVersion && o.kind === ref.kind && (o.metadata.namespace ?? '') === ref.namespace && o.metadata.name === ref.name,
      ) ?? null,
    deleteObject: async (ref) => {
      state.deleted.push(ref);
      return 'deleted';
    },
    patchOwnDeployment: async (_namespace, _name, _container, image) => {
      state.patchedImages.push(image);
    },
  };
  return { kube, state };
}

/** Waits until `condition` holds, polling briefly; fails after `timeoutMs` instead of hanging. */
export async function waitFor(condition: () => boolean, timeoutMs: number = 2000, what: string = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
