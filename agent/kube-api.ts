// The narrow interface through which the agent touches Kubernetes. kube.ts implements it over the
// real API; tests pass plain objects implementing it. Nothing here imports @kubernetes/client-node.
import type { ObjectResult } from '../src/contract/index.ts';
import type { Event, KubeObject, Node, NodeMetrics, OwnedObject, Pod, PodMetrics, Secret, WatchEvent } from './kube-objects.ts';

/** A Kubernetes API failure: `status` is the HTTP status (0 when the API could not be reached). */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Status.reason from the API, e.g. "Forbidden", "NotFound", "Conflict". */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

/** Kubernetes answers errors with a Status object; its message is what an operator needs to read. */
export async function readKubeError(response: Response, what: string): Promise<KubeError> {
  const text = await response.text().catch(() => '');
  try {
    const status = JSON.parse(text) as { message?: string; reason?: string };
    if (status.message) return new KubeError(response.status, status.message, status.reason);
  } catch {
    // Not a Status object.
  }
  return new KubeError(response.status, `${what}: HTTP ${response.status} ${text.slice(0, 200)}`.trim());
}

export interface KubeVersion {
  gitVersion: string;
  platform: string;
}

/** SelfSubjectAccessReview resourceAttributes; `namespace` empty means all namespaces. */
export interface ResourceAttributes {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface LogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

export interface LogHandle {
  /** Cancels the Kubernetes request; `done` then resolves with no error. */
  abort(): void;
  /** Settles once the request is over: the log ended, failed (`error` says why) or was aborted. */
  done: Promise<{ error?: string }>;
}

export interface WatchHandle {
  /** Cancels the watch request; `done` then resolves with no error. */
  abort(): void;
  /** Settles when the server ended the stream (its timeout), the request failed (`error`), or it was aborted. */
  done: Promise<{ error?: KubeError }>;
}

/** How a collection is listed and watched. */
export interface ListOptions {
  /** Extra query parameters, e.g. { fieldSelector: 'type=Warning' }. */
  query?: Record<string, string>;
  /** Ask for PartialObjectMetadata (metadata only); a server without it answers whole objects. */
  metadataOnly?: boolean;
  pageSize?: number;
  /** Receives each page as it arrives instead of collecting them into `items` (which then stays empty). */
  visit?: (page: never[]) => void;
}

/** How a collection is watched: as it is listed, less the paging. */
export type WatchOptions = Omit<ListOptions, 'visit' | 'pageSize'>;

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface KubeApi {
  getVersion(): Promise<KubeVersion>;
  listNodes(): Promise<Node[]>;
  /** One pod; null when it does not exist. */
  getPod(namespace: string, name: string): Promise<Pod | null>;
  /**
   * Visits the pods of all namespaces one page (a few hundred) at a time, in API order. Pages rather
   * than one array: a 1000-pod cluster's parsed objects are the agent's largest allocation, and mapping
   * each page before fetching the next keeps only one page alive.
   */
  listPods(visit: (page: Pod[]) => void): Promise<void>;
  /** Events of type Warning in all namespaces. */
  listWarningEvents(): Promise<Event[]>;
  listReplicaSets(): Promise<OwnedObject[]>;
  listJobs(): Promise<OwnedObject[]>;
  /** null when metrics.k8s.io is absent, unavailable or forbidden — never an error. */
  listPodMetrics(): Promise<PodMetrics[] | null>;
  listNodeMetrics(): Promise<NodeMetrics[] | null>;
  /** Every item of a collection (e.g. "/apis/apps/v1/deployments"), all pages, with the list's resourceVersion. */
  listCollection<T>(path: string, options?: ListOptions): Promise<{ items: T[]; resourceVersion: string }>;
  /** Watches a collection from a resourceVersion (bookmarks on); events arrive in order through onEvent. */
  watchCollection<T>(
    path: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    options?: Omit<ListOptions, 'visit' | 'pageSize'>,
  ): WatchHandle;
  /** SelfSubjectAccessReview: may the agent's own service account do this? */
  reviewAccess(attributes: ResourceAttributes): Promise<boolean>;
  /** null when the Secret does not exist. Values of `data` are base64 as the API returns them. */
  getSecret(namespace: string, name: string): Promise<Secret | null>;
  /** Creates the Secret or replaces its data. `data` values are plain text (encoded here). */
  writeSecret(namespace: string, name: string, data: Record<string, string>): Promise<void>;
  /** Opens pods/log; chunks are decoded UTF-8 text in arrival order (not split on lines). */
  streamLog(namespace: string, pod: string, options: LogOptions, onChunk: (text: string) => void): LogHandle;
  /** Server-side apply, field manager "niro", in the given order; one result per object. */
  applyObjects(objects: KubeObject[], options: { dryRun: boolean }): Promise<ObjectResult[]>;
  /** Whether a kind is namespaced (from API discovery); null when the API server doesn't serve it. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean | null>;
  /** One object by its identity; null when it does not exist. */
  getObject(ref: ObjectReference): Promise<KubeObject | null>;
  /** `uid`: delete only that incarnation (DeleteOptions.preconditions; a 409 KubeError when the name was reused). */
  deleteObject(ref: ObjectReference, options?: { uid?: string }): Promise<'deleted' | 'not-found'>;
  /** Sets the image of the agent container in the agent's own Deployment. */
  patchOwnDeployment(namespace: string, name: string, container: string, image: string): Promise<void>;
}
