// Which incidents a heartbeat's changes open or may close. Pure: the heartbeat service applies them.
import type { Environment } from '../clusters/vocabulary';
import type { PreparedPod } from '../inventory/prepare';
import { severityFor, type NewIncident } from './store';

/** A crash-loop incident closes once its pod has gone this long without a new restart. */
export const CRASH_LOOP_QUIET_MS = 10 * 60 * 1000;

export type ClusterContext = { orgId: string; clusterId: string; environment: Environment };

/** What crash-loop detection reads of a changed pod, with its restarts at the previous beat (null when the pod is new). */
export type ChangedPod = Pick<PreparedPod, 'namespace' | 'name' | 'status' | 'restarts' | 'crashLooping' | 'lastTermination'> & {
  previousRestarts: number | null;
};

/** Restarts between two heartbeats that count as a crash loop even when no beat caught the back-off. */
export const CRASH_LOOP_RESTARTS_PER_BEAT = 2;

/**
 * A pod is crash-looping when Kubernetes says CrashLoopBackOff or when it restarted more than once
 * since the previous beat. A single restart (one OOM kill, a probe that failed during a deploy) is on
 * the timeline but opens nothing: an incident must mean someone should look. Others that changed are
 * "calm" candidates: closed once quiet for CRASH_LOOP_QUIET_MS.
 */
export function crashLoopChanges(ctx: ClusterContext, changed: readonly ChangedPod[]): { open: NewIncident[]; calm: string[] } {
  const open: NewIncident[] = [];
  const calm: string[] = [];
  for (const p of changed) {
    const subject = `${p.namespace}/${p.name}`;
    const climbed = p.previousRestarts !== null && p.restarts - p.previousRestarts >= CRASH_LOOP_RESTARTS_PER_BEAT;
    if (p.crashLooping || climbed) {
      const why = p.crashLooping ? 'in CrashLoopBackOff' : `restarted (${p.previousRestarts} → ${p.restarts})`;
      open.push({
        ...ctx,
        kind: 'pod_crash_looping',
        severity: severityFor('pod_crash_looping', ctx.environment),
        subject,
        title: `Pod ${subject} is crash-looping: ${why}${p.lastTermination ? `, last exit ${p.lastTermination}` : ''}`,
        details: { restarts: p.restarts, status: p.status, lastTermination: p.lastTermination },
      });
    } else calm.push(subject);
  }
  return { open, calm };
}

/** Nodes whose Ready condition is not True; every other node's incident closes. */
export function nodeNotReady(ctx: ClusterContext, nodes: readonly { name: string; status: string }[]): { open: NewIncident[]; notReady: string[] } {
  const bad = nodes.filter((n) => n.status !== 'Ready');
  return {
    notReady: bad.map((n) => n.name),
    open: bad.map((n) => ({
      ...ctx,
      kind: 'node_not_ready' as const,
      severity: severityFor('node_not_ready', ctx.environment),
      subject: n.name,
      title: `Node ${n.name} is ${n.status}`,
      details: { status: n.status },
    })),
  };
}
