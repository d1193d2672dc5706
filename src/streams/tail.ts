// Workload tails: every pod of one owner (kind/name) across clusters, each pod an ordinary log stream tagged
// with the tail's id, merged for the viewer by tail-sse.ts. Pods are found in the inventory (the latest
// heartbeats); a refresh — the viewer asks every few seconds — lets pods that appeared since join.
import type { Db } from '../db/client';
import { recordAudit, type AuditEntry } from '../audit/store';
import type { Actor } from '../audit/store';
import type { Caller } from '../http/caller';
import { findCluster } from '../clusters/store';
import { listWorkloadPods } from '../inventory/pod-lookup';
import type { Cluster } from '../clusters/schema';
import type { LogFilter } from '../contract';
import { openStream, type OpenContext } from './service';
import type { LogStreamOptions, LogTailRow } from './schema';
import { endTail, findTail, insertTail, listTailStreams } from './store';

/** Pods one tail follows at most (the per-org stream cap applies on top). */
export const MAX_TAIL_PODS = 50;

export type TailInput = {
  ownerKind: string;
  ownerName: string;
  namespace?: string;
  /** Only these clusters; all clusters in the caller's scope when absent. */
  clusterIds?: string[];
  container?: string;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps: boolean;
  filter?: LogFilter;
};

export type TailMember = { streamId: string; clusterId: string; cluster: string; namespace: string; pod: string; container: string };
export type TailSkip = { clusterId: string; cluster: string; namespace: string; pod: string; reason: string };

export type TailResult = { ok: true; tail: LogTailRow; joined: TailMember[]; skipped: TailSkip[] } | { ok: false; reason: 'not_found' | 'invalid'; message: string };

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
  if (pods.length === 0) return { ok: false, reason: 'not_found', message: `no pods of ${input.ownerKind}/${input.ownerName}${input.namespace ? ` in namespace ${input.namespace}` : ''} in your clusters' latest heartbeats` };
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
    container: input.container ?? null,
    options,
  });
  const { joined, skipped, orgIds } = await joinPods(ctx, caller, actor, tail);
  await auditTail(ctx.db, orgIds, {
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'logs.tail.start',
    target: tail.id,
    details: { ownerKind: tail.ownerKind, ownerName: tail.ownerName, namespace: tail.namespace, clusters: [...new Set(joined.map((m) => m.clusterId))], pods: joined.length, skipped: skipped.length, options },
    ip: actor.ip,
  });
  return { ok: true, tail, joined, skipped };
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
  const known = new Set(members.map((m) => `${m.clusterId}/${m.namespace}/${m.pod}`));
  if (members.length >= MAX_TAIL_PODS) return { joined, skipped, orgIds: [] };
  const pods = await listWorkloadPods(ctx.db, scopeOf(caller, tail), { kind: tail.ownerKind, name: tail.ownerName, namespace: tail.namespace }, MAX_TAIL_PODS);
  const clusters = new Map<string, Cluster | null>();
  const visible = caller.orgs.map((o) => o.id);
  for (const pod of pods) {
    if (known.has(`${pod.clusterId}/${pod.namespace}/${pod.name}`)) continue;
    if (members.length + joined.length >= MAX_TAIL_PODS) break;
    if (!clusters.has(pod.clusterId)) clusters.set(pod.clusterId, await findCluster(ctx.db, pod.clusterId, visible));
    const cluster = clusters.get(pod.clusterId);
    if (!cluster) continue;
    const o = tail.options;
    const opened = await openStream(
      ctx,
      actor,
      cluster,
      pod.namespace,
      pod.name,
      // Every pod, first or joining later, gets the tail's options (tailLines: a new pod's first lines).
      { container: tail.container ?? undefined, follow: o.follow, tailLines: o.tailLines, sinceSeconds: o.sinceSeconds, previous: false, timestamps: o.timestamps, filter: o.filter },
      tail.id,
    );
    if (opened.ok) joined.push({ streamId: opened.row.id, clusterId: cluster.id, cluster: cluster.name, namespace: pod.namespace, pod: pod.name, container: opened.row.container });
    else skipped.push({ clusterId: cluster.id, cluster: cluster.name, namespace: pod.namespace, pod: pod.name, reason: opened.message });
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
  await auditTail(db, orgIds, { actorUserId: actor.userId, actor: actor.email, action: 'logs.tail.stop', target: tail.id, details: { ownerKind: tail.ownerKind, ownerName: tail.ownerName, reason }, ip: actor.ip });
  return true;
}
