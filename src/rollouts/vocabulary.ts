// The words of a self-update rollout: its statuses, each cluster's state in it, and how the waves are cut.
// Pure (no db, no config): the store, the job, the routes and the views take them from here.

/** running: waves advance; paused: nothing new is told to update (an operator or a timeout paused it); completed / aborted: final. */
export const ROLLOUT_STATUSES = ['running', 'paused', 'completed', 'aborted'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/**
 * waiting: its wave has not started; updating: told (the heartbeat answer carries `update`), not back yet;
 * done: heartbeated with the new version; failed: did not come back within the timeout;
 * skipped: left out at start (capability off, already on the version) or by an abort.
 */
export const TARGET_STATES = ['waiting', 'updating', 'done', 'failed', 'skipped'] as const;
export type TargetState = (typeof TARGET_STATES)[number];

export const ACTIVE_ROLLOUT_STATUSES: readonly RolloutStatus[] = ['running', 'paused'];

export const ROLLOUT_STATUS_LABEL: Record<RolloutStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  aborted: 'Aborted',
};

/** The share of the fleet in the second wave (after the single canary cluster). */
export const SECOND_WAVE_SHARE = 0.1;

/** The fields of a cluster the wave plan reads. */
export type WaveCandidate = { id: string; name: string; environment: string };

/**
 * Cuts clusters into waves: one cluster, then 10 % of the fleet (at least one), then the rest; production
 * clusters always come last, in waves of their own cut the same way (so a fleet of only production clusters
 * still starts with a single canary). Within a group, by name (a stable, explainable order). Empty waves are
 * dropped; the result is waves of ids, first wave first.
 */
export function planWaves(clusters: readonly WaveCandidate[]): string[][] {
  const byName = (a: WaveCandidate, b: WaveCandidate): number => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  const others = clusters.filter((c) => c.environment !== 'production').sort(byName);
  const production = clusters.filter((c) => c.environment === 'production').sort(byName);
  const second = Math.max(1, Math.ceil(clusters.length * SECOND_WAVE_SHARE));
  const cut = (group: WaveCandidate[], canary: boolean): WaveCandidate[][] =>
    canary ? [group.slice(0, 1), group.slice(1, 1 + second), group.slice(1 + second)] : [group];
  const waves = [...cut(others, others.length > 0), ...cut(production, others.length === 0)];
  return waves.filter((w) => w.length > 0).map((w) => w.map((c) => c.id));
}

/** How an operator turns self-update on for a cluster (the opt-in RoleBinding of deploy/agent/capability-self-update.yaml). */
export const SELF_UPDATE_HINT =
  're-run the install command with NIRO_ENABLE_SELF_UPDATE=1 (binds the opt-in role that lets the agent patch only its own Deployment, niro-system/niro-agent)';

/** Whether a cluster's agent runs another version than the one offered; false until it reported one. */
export function isUpdateAvailable(agentVersion: string | null, offeredVersion: string): boolean {
  return agentVersion !== null && agentVersion !== offeredVersion;
}
