// Workload tails: every pod of one owner (kind/name) across clusters, each pod an ordinary log stream tagged
// with the tail's id, merged for the viewer by tail-sse.ts. Pods are found in the inventory (the latest
// heartbeats); a refresh — the viewer asks every few seconds — lets pods that appeared since join.
import type { Db } from '../db/client';
import { recordAudit, type AuditEntry } from '../audit/store';
import type { Actor } from '../audit/store';
import type { Caller } from '../http/caller';
import { findCluster } from '../clusters/store';
import { listWorkloadPods, type PodBrief } from '../inventory/pod-lookup';
import type { Cluster } from '../clusters/schema';
import type { LogFilter } from '../contract';
import { mainContainer, openStream, type OpenContext } from './service';
import type { LogStreamOptions, LogTailRow } from './schema';
import type { SkipCause } from './vocabulary';
import { endTail, findTail, insertTail, listTailStreams } from './store';

/** Pods one tail looks at, and member streams it holds, at most (the per-cluster and per-org stream caps apply on top). */
export const MAX_TAIL_PODS = 50;

/**
 * Which containers of each pod a tail follows: each pod's main container (mainContainer), one named container
 * (pods without it are skipped, and say so), or all of them (init containers aside: they have finished).
 */
export type TailContainers = { kind: 'main' } | { kind: 'named'; name: string } | { kind: 'all' };

/**
 * How log_tails.container holds the choice: null = main, "*" = all, else the name. A container name is a DNS
 * label, so it is never "*".
 */
const ALL_CONTAINERS = '*';

export function tailContainersOf(column: string | null): TailContainers {
  if (column === null) return { kind: 'main' };
  return column === ALL_CONTAINERS ? { kind: 'all' } : { kind: 'named', name: column };
}

function containerColumn(choice: TailContainers): string | null {
  return choice.kind === 'main' ? null : choice.kind === 'all' ? ALL_CONTAINERS : choice.name;
}

/** The containers of `pod` a tail follows, or why it follows none of them. */
export function tailedContainers(pod: PodBrief, choice: TailContainers): { ok: true; containers: string[] } | { ok: false; reason: string } {
  if (choice.kind === 'all') return { ok: true, containers: pod.containers.filter((c) => c.kind !== 'init').map((c) => c.name) };
  if (choice.kind === 'named') {
    if (pod.containers.some((c) => c.name === choice.name)) return { ok: true, containers: [choice.name] };
    return { ok: false, reason: `no container "${choice.name}" in this pod (it has: ${pod.containers.map((c) => c.name).join(', ')})` };
  }
  const main = mainContainer(pod);
  return main ? { ok: true, containers: [main] } : { ok: false, reason: 'no containers reported for this pod yet' };
}

export type TailInput = {
  ownerKind: string;
  ownerName: string;
  namespace?: string;
  /** Only these clusters; all clusters in the caller's scope when absent. */
  clusterIds?: string[];
  containers: TailContainers;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps: boolean;
  filter?: LogFilter;
};

export type TailMember = { streamId: string; clusterId: string; cluster: string; namespace: string; pod: string; container: string };
/** A pod (or one container of it, when only that one failed) left out of the tail, and why. */
export type TailSkip = { clusterId: string; cluster: string; namespace: string; pod: string; container: string | null; reason: string; cause: SkipCause };
/** What kept it out: the cluster's logs capability, a stream cap, or the pod itself (no such container). */
export type { SkipCause };

export type TailResult =
  | { ok: true; tail: LogTailRow; joined: TailMember[]; skipped: TailSkip[] }
  | { ok: false; reason: 'not_found'; message: string }
  /** Pods were found, but not one stream could be opened: the tail is ended at once. */
  | { ok: false; reason: 'nothing_to_tail'; cause: SkipCause; message: string; skipped: TailSkip[] };

/** The tail if the caller opened it; anyone else gets null (a 404). */
export async function findCallerTail(db: Db, caller: Caller, id: string): Promise<LogTailRow | null> {
  const tail = await findTail(db, id);
  return tail && tail.createdBy === caller.user.id ? tail : null;
}

function scopeOf(caller: Caller, tail: Pick<LogTailRow, 'clusterIds'>): { orgIds: string[]; clusterIds?: string[] } {
  // Explicit clusters may sit anywhere the caller can see; otherwise the caller's current scope.
  return tail.clusterIds.length ? { orgIds: caller.orgs.map((o) => o.id), clusterIds: tail.clusterIds } : { orgIds: caller.scopeOrgIds };
}

export async function openTail(ctx: OpenContext, caller: Caller, actor: Actor, input: TailInput): Promise<TailResult> {
  const visible = caller.orgs.map((o) => o.id);
  for (const id of input.clusterIds ?? []) {
    if (!(await findCluster(ctx.db, id, visible))) return { ok: false, reason: 'not_found', message: `cluster ${id} not found` };
  }
  const owner = { kind: input.ownerKind, name: input.ownerName, namespace: input.namespace ?? null };
  const clusterIds = [...new Set(input.clusterIds ?? [])];
  const pods = await listWorkloadPods(ctx.db, scopeOf(caller, { clusterIds }), owner, MAX_TAIL_PODS);
  if (pods.length === 0)
    return {
      ok: false,
      reason: 'not_found',
      message: `no pods of ${input.ownerKind}/${input.ownerName}${input.namespace ? ` in namespace ${input.namespace}` : ''} in your clusters' latest heartbeats`,
    };
  const options: LogStreamOptions = { follow: input.follow, previous: false, timestamps: input.timestamps };
  if (input.tailLines !== undefined) options.tailLines = input.tailLines;
  if (input.sinceSeconds !== undefined) options.sinceSeconds = input.sinceSeconds;
  if (input.filter) options.filter = input.filter;
  const tail = await insertTail(ctx.db, {
    createdBy: actor.userId,
    actor: actor.email,
    ownerKind: input.ownerKind,
    ownerName: input.ownerName,
    namespace: input.namespace ?? null,
    clusterIds,
    container: containerColumn(input.containers),
    options,
  });
  const { joined, skipped, orgIds } = await joinPods(ctx, caller, actor, tail);
  await auditTail(ctx.db, orgIds, {
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'logs.tail.start',
    target: tail.id,
    details: {
      ownerKind: tail.ownerKind,
      ownerName: tail.ownerName,
      namespace: tail.namespace,
      clusters: [...new Set(joined.map((m) => m.clusterId))],
      pods: joined.length,
      skipped: skipped.length,
      options,
    },
    ip: actor.ip,
  });
  if (joined.length === 0) {
    await closeTail(ctx.db, tail, actor, 'nothing to tail');
    return { ok: false, reason: 'nothing_to_tail', cause: dominantCause(skipped), message: nothingMessage(input, skipped), skipped };
  }
  return { ok: true, tail, joined, skipped };
}

/** Why nothing could be tailed, as one cause: the capability when no cluster has it, a cap when one was hit, else the pods. */
function dominantCause(skipped: readonly TailSkip[]): SkipCause {
  if (skipped.length > 0 && skipped.every((s) => s.cause === 'logs_not_enabled')) return 'logs_not_enabled';
  return skipped.some((s) => s.cause === 'too_many_streams') ? 'too_many_streams' : 'container';
}

/** "nothing to tail: 3 pods skipped — edge-1 shop/checkout-1: …", the first few reasons named. */
function nothingMessage(input: TailInput, skipped: readonly TailSkip[]): string {
  const shown = skipped.slice(0, 3).map((s) => `${s.cluster} ${s.namespace}/${s.pod}${s.container ? `:${s.container}` : ''}: ${s.reason}`);
  const more = skipped.length > shown.length ? `; and ${skipped.length - shown.length} more` : '';
  const field = input.containers.kind === 'named' && skipped.every((s) => s.cause === 'container') ? 'container: ' : '';
  return `${field}nothing to tail in ${input.ownerKind}/${input.ownerName}: ${skipped.length} ${skipped.length === 1 ? 'pod' : 'pods'} skipped — ${shown.join('; ')}${more}`;
}

/** Opens streams for the workload's pods that are not members yet (all of them on the first call). */
export async function joinPods(
  ctx: OpenContext,
  caller: Caller,
  actor: Actor,
  tail: LogTailRow,
): Promise<{ joined: TailMember[]; skipped: TailSkip[]; orgIds: string[] }> {
  const joined: TailMember[] = [];
  const skipped: TailSkip[] = [];
  if (tail.endedAt) return { joined, skipped, orgIds: [] };
  const members = await listTailStreams(ctx.db, tail.id);
  const known = new Set(members.map((m) => `${m.clusterId}/${m.namespace}/${m.pod}/${m.container}`));
  if (members.length >= MAX_TAIL_PODS) return { joined, skipped, orgIds: [] };
  const pods = await listWorkloadPods(ctx.db, scopeOf(caller, tail), { kind: tail.ownerKind, name: tail.ownerName, namespace: tail.namespace }, MAX_TAIL_PODS);
  const clusters = new Map<string, Cluster | null>();
  const visible = caller.orgs.map((o) => o.id);
  const choice = tailContainersOf(tail.container);
  for (const pod of pods) {
    if (members.length + joined.length >= MAX_TAIL_PODS) break;
    if (!clusters.has(pod.clusterId)) clusters.set(pod.clusterId, await findCluster(ctx.db, pod.clusterId, visible));
    const cluster = clusters.get(pod.clusterId);
    if (!cluster) continue;
    const where = { clusterId: cluster.id, cluster: cluster.name, namespace: pod.namespace, pod: pod.name };
    const picked = tailedContainers(pod, choice);
    if (!picked.ok) {
      skipped.push({ ...where, container: null, reason: picked.reason, cause: 'container' });
      continue;
    }
    for (const container of picked.containers) {
      if (known.has(`${pod.clusterId}/${pod.namespace}/${pod.name}/${container}`)) continue;
      if (members.length + joined.length >= MAX_TAIL_PODS) break;
      const o = tail.options;
      const opened = await openStream(
        ctx,
        actor,
        cluster,
        pod.namespace,
        pod.name,
        // Every pod, first or joining later, gets the tail's options (tailLines: a new pod's first lines).
        { container, follow: o.follow, tailLines: o.tailLines, sinceSeconds: o.sinceSeconds, previous: false, timestamps: o.timestamps, filter: o.filter },
        tail.id,
      );
      if (opened.ok) joined.push({ ...where, streamId: opened.row.id, container: opened.row.container });
      else
        skipped.push({
          ...where,
          container: picked.containers.length > 1 ? container : null,
          reason: opened.message,
          cause: opened.reason === 'invalid' ? 'container' : opened.reason,
        });
    }
  }
  const orgIds = [...clusters.values()].flatMap((cluster) => (cluster ? [cluster.orgId] : []));
  return { joined, skipped, orgIds: [...new Set(orgIds)] };
}

/**
 * A tail can span clusters of several orgs (an MSP member tailing one workload across customers): its
 * start and stop are recorded once in each of those orgs' audit logs, so every org's admins see who
 * tailed their clusters. Without any (nothing was opened) the event is recorded without an org.
 */
async function auditTail(db: Db, orgIds: string[], entry: Omit<AuditEntry, 'orgId'>): Promise<void> {
  for (const orgId of orgIds.length ? orgIds : [null]) await recordAudit(db, { ...entry, orgId });
}

export async function closeTail(db: Db, tail: LogTailRow, actor: Actor, reason: string): Promise<boolean> {
  const ended = await endTail(db, tail.id, reason);
  if (!ended) return false;
  const orgIds = [...new Set((await listTailStreams(db, tail.id)).map((stream) => stream.orgId))];
  await auditTail(db, orgIds, {
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'logs.tail.stop',
    target: tail.id,
    details: { ownerKind: tail.ownerKind, ownerName: tail.ownerName, reason },
    ip: actor.ip,
  });
  return true;
}
