// What the rollouts API answers: rollouts, their clusters wave by wave.
import { t } from 'elysia';
import { Count, Exact, Nullable, OneOf, Timestamp } from '../http/responses';
import { ROLLOUT_STATUSES, TARGET_STATES } from './vocabulary';

export const RolloutTargetJson = Exact({
  clusterId: t.String(),
  clusterName: t.String(),
  environment: t.String(),
  wave: Count({ description: '0-based; production clusters are in the last waves' }),
  state: OneOf(TARGET_STATES),
  fromVersion: Nullable(t.String({ description: 'The agent version the cluster reported when the rollout started' })),
  agentVersion: Nullable(t.String({ description: 'The agent version it reports now' })),
  toldAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  message: Nullable(t.String({ description: 'Why it was skipped or failed' })),
});
export type RolloutTargetJson = typeof RolloutTargetJson.static;

export const RolloutJson = Exact({
  id: t.String(),
  orgId: t.String(),
  targetVersion: t.String(),
  targetImage: t.String(),
  status: OneOf(ROLLOUT_STATUSES),
  pauseReason: Nullable(t.String({ description: 'Why it is paused: a cluster that did not come back, or who paused it' })),
  currentWave: Count(),
  waveCount: Count(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  counts: Exact({ total: Count(), done: Count(), updating: Count(), waiting: Count(), failed: Count(), skipped: Count() }),
  targets: t.Array(RolloutTargetJson),
});
export type RolloutJson = typeof RolloutJson.static;

export const RolloutSummaryJson = t.Omit(RolloutJson, ['targets', 'counts']);
export type RolloutSummaryJson = typeof RolloutSummaryJson.static;

export const RolloutList = Exact({ rollouts: t.Array(RolloutSummaryJson) });
export type RolloutList = typeof RolloutList.static;
