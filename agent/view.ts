// The agent's watch-fed view of the cluster for the heartbeat: pods, nodes, Warning events, and the owner links of
// ReplicaSets and Jobs (metadata only), each listed once and then watched (watch-loop.ts). Every collection keeps a
// mapped record per object — the pod's PodDetail without usage, the node's NodeInfo, the event's WarningEvent, an
// owner's controller reference — never the raw object. A beat joins the records with what changes every beat
// (metrics, owner chains, the events' time window) in beatFromView (collect/from-view.ts).
import type { NodeInfo, PodDetail, WarningEvent } from '../src/contract/index.ts';
import { sleep } from './backoff.ts';
import { mapWarningEvents } from './collect/events.ts';
import { mapNode } from './collect/nodes.ts';
import type { OwnerLookup } from './collect/owners.ts';
import { mapPod } from './collect/pods.ts';
import type { Event, Node, OwnedObject, OwnerReference, Pod } from './kube-objects.ts';
import { watchCollection, type WatchedCollection, type WatchLoopOptions } from './watch-loop.ts';

export const VIEW_COLLECTIONS = {
  pods: '/api/v1/pods',
  nodes: '/api/v1/nodes',
  events: '/api/v1/events',
  replicaSets: '/apis/apps/v1/replicasets',
  jobs: '/apis/batch/v1/jobs',
} as const;

/** A pod as the view keeps it: its mapping (no usage; owner chain resolved per beat) and what the counts need. */
export interface PodRecord {
  detail: PodDetail;
  /** The controller owner (or the first), the start of the chain resolved at each beat. */
  owner: OwnerReference | undefined;
  namespace: string;
  phase: string;
  nodeName: string;
}

/** An owner's own controller owner (a ReplicaSet's Deployment, a Job's CronJob); empty when it has none. */
export type OwnerRecord = OwnerReference[];

export interface ClusterView {
  pods: WatchedCollection<PodRecord>;
  nodes: WatchedCollection<NodeInfo>;
  /** null for events that aren't Warnings (a server that ignores the field selector sends them all). */
  events: WatchedCollection<WarningEvent | null>;
  replicaSets: WatchedCollection<OwnerRecord>;
  jobs: WatchedCollection<OwnerRecord>;
  /** Resolves once every collection has had its first list answered (or failed), or after `timeoutMs`. */
  whenStarted(timeoutMs: number): Promise<void>;
}

/** The controller reference if one is marked, else the first (kubectl and the GC prefer the controller). */
function controllerOf(refs: OwnerReference[] | undefined): OwnerReference | undefined {
  const ref = refs?.find((r) => r.controller) ?? refs?.[0];
  return ref ? { kind: ref.kind, name: ref.name, controller: true } : undefined;
}

/** Mapping a pod resolves only its own owner; the rest of the chain is resolved per beat. */
const NO_OWNERS: OwnerLookup = { get: () => undefined };

export function toPodRecord(pod: Pod): PodRecord {
  return {
    // Usage and the owner chain beyond the pod's own owner are joined per beat; the rest only changes with the pod.
    detail: mapPod(pod, { owners: NO_OWNERS, usage: null }),
    owner: controllerOf(pod.metadata.ownerReferences),
    namespace: pod.metadata.namespace ?? '',
    phase: pod.status?.phase ?? '',
    nodeName: pod.spec?.nodeName ?? '',
  };
}

export function toOwnerRecord(object: OwnedObject): OwnerRecord {
  const owner = controllerOf(object.metadata.ownerReferences);
  return owner ? [owner] : [];
}

/** A Warning event mapped with no time window: the window is applied per beat, against that beat's clock. */
export function toEventRecord(event: Event): WarningEvent | null {
  return mapWarningEvents([event], 0, Number.POSITIVE_INFINITY, 1)[0] ?? null;
}

export function startClusterView(options: WatchLoopOptions): ClusterView {
  const view = {
    pods: watchCollection(options, { name: 'pods', path: VIEW_COLLECTIONS.pods, list: { pageSize: 250 }, map: toPodRecord }),
    nodes: watchCollection(options, { name: 'nodes', path: VIEW_COLLECTIONS.nodes, map: (node: Node) => mapNode(node, undefined, 0) }),
    events: watchCollection(options, {
      name: 'events',
      path: VIEW_COLLECTIONS.events,
      list: { query: { fieldSelector: 'type=Warning' } },
      map: toEventRecord,
    }),
    // Owner resolution needs only metadata: skip the pod templates, most of these objects' bytes.
    replicaSets: watchCollection(options, { name: 'replicasets', path: VIEW_COLLECTIONS.replicaSets, list: { metadataOnly: true }, map: toOwnerRecord }),
    jobs: watchCollection(options, { name: 'jobs', path: VIEW_COLLECTIONS.jobs, list: { metadataOnly: true }, map: toOwnerRecord }),
  };
  const all = Promise.all(Object.values(view).map((c) => c.started)).then(() => undefined);
  const started = { done: false };
  void all.then(() => (started.done = true));
  return {
    ...view,
    async whenStarted(timeoutMs) {
      // Asked every beat: once started, no timer is armed.
      if (!started.done) await Promise.race([all, sleep(timeoutMs, options.signal)]);
    },
  };
}
