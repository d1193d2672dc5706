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

/** How an operator turns self-update on for a cluster (the opt-in RoleBinding of deploy/agent/capability-self-update.yaml). */
export const SELF_UPDATE_HINT =
  're-run the install command with NIRO_ENABLE_SELF_UPDATE=1 (binds the opt-in role that lets the agent patch only its own Deployment, niro-system/niro-agent)';

/** Whether a cluster's agent runs another version than the one offered; false until it reported one. */
export function isUpdateAvailable(agentVersion: string | null, offeredVersion: string): boolean {
  return agentVersion !== null && agentVersion !== offeredVersion;
}
