// Opening a log stream, shared by the JSON API and the workload tail: the capability the agent reported,
// the container, the filter and the concurrency caps are checked before anything is queued; then the row
// (ownership + audit), the audit event, and the hub starts it on the replica holding the agent.
import type { Db } from '../db/client';
import type { StreamLimits } from '../config';
import { recordAudit } from '../audit/store';
import type { Actor } from '../audit/store';
import type { Cluster } from '../clusters/schema';
import { findPodBrief, type PodBrief } from '../inventory/pod-lookup';
import type { LogFilter } from '../contract';
import type { StreamHub } from './hub';
import type { LogStreamOptions, LogStreamRow } from './schema';
import { countOpenStreams, insertStream, lockOrgStreams, sweepStaleStreams } from './store';
import { auditStop } from './audit';

export const LOGS_NOT_ENABLED = 'Log streaming not enabled for this cluster';

/** What an operator runs on the cluster to grant the logs capability (no new token needed). */
export function enableLogsCommand(publicUrl: string): string {
  return `curl -fsSL ${publicUrl}/install.sh | NIRO_ENABLE_LOGS=1 sh`;
}

/** What the viewer asks for: how to read the log, and of which container (see chooseContainer when absent). */
export type OpenInput = LogStreamOptions & { container?: string };

export type OpenResult = { ok: true; row: LogStreamRow } | { ok: false; reason: 'logs_not_enabled' | 'invalid' | 'too_many_streams'; message: string };

/** Whether the cluster's agent last reported the logs capability. */
export function logsEnabled(cluster: Cluster): boolean {
  return cluster.capabilities?.logs?.enabled === true;
}

export function notEnabledMessage(cluster: Cluster, publicUrl: string): string {
  const seen = cluster.capabilities
    ? `its agent reports logs as off (${cluster.capabilities.logs?.detectedBy ?? 'not reported'})`
    : 'its agent has not reported capabilities yet';
  return `${LOGS_NOT_ENABLED} ("${cluster.name}": ${seen}). Enable it on the cluster — no new token needed, it shows within one heartbeat: ${enableLogsCommand(publicUrl)}`;
}

/**
 * A pod's main container, the one a log shows when none is named: its first app container in spec order, as
 * `kubectl logs` defaults to (sidecars such as envoy or fluent-bit come after it, or run as native sidecars).
 */
export function mainContainer(pod: PodBrief): string | null {
  return (pod.containers.find((c) => c.kind === 'app') ?? pod.containers[0])?.name ?? null;
}

/** The container to stream: the one asked for (it must be the pod's), or the pod's main container. */
export function chooseContainer(
  pod: PodBrief | null,
  asked: string | undefined,
  where: string,
): { ok: true; container: string } | { ok: false; message: string } {
  if (asked) {
    if (pod && !pod.containers.some((c) => c.name === asked)) {
      return { ok: false, message: `container: "${asked}" is not a container of pod ${where} (it has: ${pod.containers.map((c) => c.name).join(', ')})` };
    }
    return { ok: true, container: asked };
  }
  const main = pod ? mainContainer(pod) : null;
  if (!main) return { ok: false, message: `container: required — pod ${where} is not in the cluster's last heartbeat, so its containers are unknown` };
  return { ok: true, container: main };
}

/**
 * Shapes that make a backtracking engine take exponential time (a quantified group that itself repeats,
 * a backreference): the agent runs the filter on every line in the cluster, so such a pattern could stall
 * it. A heuristic, deliberately strict; plain substrings are always fine.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)/;
const BACKREFERENCE = /\\[1-9]|\\k</;

export function checkFilter(filter: LogFilter | undefined): string | null {
  if (!filter?.regex) return null;
  try {
    new RegExp(filter.pattern);
  } catch (e) {
    return `filter.pattern: not a valid regular expression (${(e as Error).message})`;
  }
  if (NESTED_QUANTIFIER.test(filter.pattern) || BACKREFERENCE.test(filter.pattern)) {
    return 'filter.pattern: nested repetition and backreferences are not allowed (they can make matching take exponential time in the agent); simplify the pattern or use a plain substring';
  }
  return null;
}

export type OpenContext = { db: Db; hub: StreamHub; limits: StreamLimits; publicUrl: string };

/** Validates and opens one container's stream; audited. Nothing reaches the agent unless this returns ok. */
export async function openStream(
  ctx: OpenContext,
  actor: Actor,
  cluster: Cluster,
  namespace: string,
  podName: string,
  input: OpenInput,
  tailId: string | null = null,
): Promise<OpenResult> {
  if (!logsEnabled(cluster)) return { ok: false, reason: 'logs_not_enabled', message: notEnabledMessage(cluster, ctx.publicUrl) };
  const badFilter = checkFilter(input.filter);
  if (badFilter) return { ok: false, reason: 'invalid', message: badFilter };
  const pod = await findPodBrief(ctx.db, cluster.id, namespace, podName);
  const chosen = chooseContainer(pod, input.container, `${namespace}/${podName}`);
  if (!chosen.ok) return { ok: false, reason: 'invalid', message: chosen.message };

  const options: LogStreamOptions = { follow: input.follow, previous: input.previous, timestamps: input.timestamps };
  if (input.tailLines !== undefined) options.tailLines = input.tailLines;
  if (input.sinceSeconds !== undefined) options.sinceSeconds = input.sinceSeconds;
  if (input.filter) options.filter = input.filter;

  const { limits } = ctx;
  const outcome = await ctx.db.transaction(async (db) => {
    await lockOrgStreams(db, cluster.orgId);
    // Streams nobody picked up in time stop counting here, at the latest.
    const swept = await sweepStaleStreams(db, limits.startSeconds, cluster.orgId);
    const open = await countOpenStreams(db, cluster.orgId, cluster.id);
    if (open.cluster >= limits.perCluster)
      return {
        ok: false as const,
        swept,
        message: `cluster "${cluster.name}" already has ${open.cluster} open log streams (at most ${limits.perCluster}); close one and try again`,
      };
    if (open.org >= limits.perOrg)
      return {
        ok: false as const,
        swept,
        message: `this organization already has ${open.org} open log streams (at most ${limits.perOrg}); close one and try again`,
      };
    const row = await insertStream(db, {
      orgId: cluster.orgId,
      clusterId: cluster.id,
      createdBy: actor.userId,
      actor: actor.email,
      namespace,
      pod: podName,
      container: chosen.container,
      options,
      tailId,
      ownerReplica: ctx.hub.hasAgent(cluster.id) ? ctx.hub.replicaId : null,
    });
    return { ok: true as const, swept, row };
  });
  for (const row of outcome.swept) await auditStop(ctx.db, row);
  if (!outcome.ok) return { ok: false, reason: 'too_many_streams', message: outcome.message };

  const row = outcome.row;
  await recordAudit(ctx.db, {
    orgId: cluster.orgId,
    actorUserId: actor.userId,
    actor: actor.email,
    action: 'logs.start',
    target: row.id,
    details: { clusterId: cluster.id, cluster: cluster.name, namespace, pod: podName, container: row.container, options, ...(tailId ? { tailId } : {}) },
    ip: actor.ip,
  });
  await ctx.hub.startStream(row);
  return { ok: true, row };
}
