// The health gate of a deployment rollout: for one cluster of a started wave, whether it is done (applied and
// Healthy for the rollout's time), still on its way, or failed (which pauses the rollout). Pure: the engine
// reads the facts, time is a parameter.
import type { DeploymentHealth } from './health';
import type { TargetStatus } from './vocabulary';

/** What the apply path says about this cluster (deploy-core's target row); null before anything was queued. */
export type ApplyFacts = { status: TargetStatus; appliedRevision: number | null; desiredRevision: number | null; error: string | null } | null;

export type GateInput = {
  revision: number;
  apply: ApplyFacts;
  health: DeploymentHealth;
  /**
   * Whether the cluster heartbeated after the agent reported the apply: before that, the workloads' counts
   * are from before the change and a Healthy would be the old revision's.
   */
  reportedSinceApply: boolean;
  /** When its apply was queued. */
  startedAt: Date;
  healthySince: Date | null;
  now: Date;
  healthyMs: number;
  /** How long a Missing workload is waited for after the apply succeeded (the next heartbeats report it). */
  missingGraceMs: number;
};

export type GateVerdict =
  | { verdict: 'wait'; healthySince: Date | null; message: string }
  | { verdict: 'done'; healthySince: Date }
  | { verdict: 'fail'; message: string };

/**
 * Failed apply → fail with the Kubernetes error. Unknown or Degraded health → fail with why (an offline
 * cluster cannot be judged; a stuck rollout will not fix itself). Applied and Healthy → healthy since then,
 * done once that lasted `healthyMs`. Anything else (queued, applying, Progressing, Missing shortly after the
 * apply) waits, and a break in health restarts the clock.
 */
export function judgeCluster(f: GateInput): GateVerdict {
  const apply = f.apply;
  if (apply?.status === 'failed' && apply.desiredRevision === f.revision)
    return { verdict: 'fail', message: `apply of revision ${f.revision} failed: ${apply.error ?? 'no error given'}` };
  if (f.health.health === 'Unknown') return { verdict: 'fail', message: f.health.message };
  const applied = apply !== null && apply.status === 'applied' && apply.appliedRevision === f.revision;
  if (!applied) {
    const where =
      apply === null
        ? 'not queued yet'
        : apply.status === 'pending'
          ? 'queued, the agent has not picked it up'
          : apply.status === 'applying'
            ? 'the agent is applying it'
            : `status ${apply.status}`;
    return { verdict: 'wait', healthySince: null, message: `waiting for revision ${f.revision} to be applied (${where})` };
  }
  if (f.health.health === 'Degraded') return { verdict: 'fail', message: `unhealthy: ${f.health.message}` };
  if (f.health.health === 'Missing') {
    if (f.now.getTime() - f.startedAt.getTime() >= f.missingGraceMs) return { verdict: 'fail', message: `unhealthy: ${f.health.message}` };
    return { verdict: 'wait', healthySince: null, message: `applied; waiting for the heartbeat to report it (${f.health.message})` };
  }
  if (f.health.health === 'Progressing') return { verdict: 'wait', healthySince: null, message: `applied; ${f.health.message}` };
  if (!f.reportedSinceApply) return { verdict: 'wait', healthySince: null, message: 'applied; waiting for a heartbeat sent after the apply' };
  const since = f.healthySince ?? f.now;
  const heldMs = f.now.getTime() - since.getTime();
  if (heldMs >= f.healthyMs) return { verdict: 'done', healthySince: since };
  return { verdict: 'wait', healthySince: since, message: `applied and Healthy for ${Math.floor(heldMs / 1000)} s of ${Math.round(f.healthyMs / 1000)} s` };
}
