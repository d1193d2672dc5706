// The words of a deployment rollout: its statuses, each cluster's state in it, and the bounds of its settings.
// Pure (no db, no config).
import type { WavePhase } from '../rollouts/waves';

/** running: waves advance; paused: nothing new is applied (a failure or an operator paused it); completed / aborted: final. */
export const DEPLOYMENT_ROLLOUT_STATUSES = ['running', 'paused', 'completed', 'aborted'] as const;
export type DeploymentRolloutStatus = (typeof DEPLOYMENT_ROLLOUT_STATUSES)[number];

/**
 * waiting: its wave has not started; applying: the apply is queued or done and the cluster has not yet been
 * Healthy for the rollout's time; done: it was; failed: the apply failed or the cluster turned unhealthy;
 * skipped: left out by an abort.
 */
export const ROLLOUT_CLUSTER_STATES = ['waiting', 'applying', 'done', 'failed', 'skipped'] as const;
export type RolloutClusterState = (typeof ROLLOUT_CLUSTER_STATES)[number];

export const DEPLOYMENT_ROLLOUT_LABEL: Record<DeploymentRolloutStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  aborted: 'Aborted',
};

/** A cluster's state in the shared wave words. */
export function wavePhaseOf(state: RolloutClusterState): WavePhase {
  return state === 'applying' ? 'active' : state;
}

/** Bounds of "healthy for how long" per rollout, in seconds (0 = move on as soon as it is Healthy). */
export const HEALTHY_SECONDS = { min: 0, max: 3600, default: 60 } as const;

/** At most this many waves, and this many clusters in a rollout (bounds what one request writes). */
export const MAX_WAVES = 20;
export const MAX_ROLLOUT_CLUSTERS = 1000;
