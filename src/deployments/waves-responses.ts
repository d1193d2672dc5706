// What the deployment-operations API answers: per-cluster health and drift, rollouts in waves.
import { t } from 'elysia';
import { Count, Exact, Integer, Nullable, OneOf, Timestamp } from '../http/responses';
import { HEALTH_STATES } from './health';
import { DEPLOYMENT_ROLLOUT_STATUSES, ROLLOUT_CLUSTER_STATES } from './waves-vocabulary';
import type { ClusterOps, DriftedObject } from './ops';
import type { DeploymentRollout } from './waves-schema';
import type { RolloutClusterView } from './waves-store';

export const DriftedObjectJson = Exact({
  apiVersion: t.String(),
  kind: t.String(),
  namespace: t.String(),
  name: t.String(),
  fields: t.Array(t.String(), { description: 'Field paths whose live value differs from the applied revision, like spec.replicas' }),
  observedAt: Timestamp,
});

export const ClusterOpsJson = Exact({
  clusterId: t.String(),
  clusterName: t.String(),
  status: t.String({ description: 'The apply status: pending, applying, applied, failed, deleting or deleted' }),
  appliedRevision: Nullable(Integer()),
  desiredRevision: Nullable(Integer()),
  error: Nullable(t.String({ description: 'Why the last apply failed, in Kubernetes’ words' })),
  lastSyncAt: Nullable(Timestamp),
  health: OneOf(HEALTH_STATES, { description: 'Argo CD’s words: Healthy, Progressing, Missing, Degraded, Unknown (cluster not heartbeating)' }),
  healthMessage: t.String({ description: 'Why it is not Healthy; empty when it is' }),
  drift: t.Array(DriftedObjectJson),
});
export type ClusterOpsJson = typeof ClusterOpsJson.static;

export const DeploymentHealthJson = Exact({ deploymentId: t.String(), selfHeal: t.Boolean(), clusters: t.Array(ClusterOpsJson) });
export type DeploymentHealthJson = typeof DeploymentHealthJson.static;

export const RolloutClusterJson = Exact({
  clusterId: t.String(),
  clusterName: t.String(),
  wave: Count({ description: '0-based' }),
  state: OneOf(ROLLOUT_CLUSTER_STATES),
  startedAt: Nullable(Timestamp),
  healthySince: Nullable(Timestamp, { description: 'Since when it has been applied and Healthy without a break' }),
  finishedAt: Nullable(Timestamp),
  message: Nullable(t.String({ description: 'What it waits for, or why it failed' })),
});

export const DeploymentRolloutJson = Exact({
  id: t.String(),
  deploymentId: t.String(),
  revision: Integer(),
  status: OneOf(DEPLOYMENT_ROLLOUT_STATUSES),
  pauseReason: Nullable(t.String({ description: 'Why it is paused: the cluster and what went wrong, or who paused it' })),
  currentWave: Count(),
  waveCount: Count(),
  healthySeconds: Count({ description: 'How long each cluster of a wave stays applied and Healthy before the next wave' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  clusters: t.Array(RolloutClusterJson),
});
export type DeploymentRolloutJson = typeof DeploymentRolloutJson.static;

export const DeploymentRolloutList = Exact({ rollouts: t.Array(t.Omit(DeploymentRolloutJson, ['clusters'])) });

export const ClusterDriftJson = Exact({
  clusterId: t.String(),
  deployments: t.Array(Exact({ deploymentId: t.String(), deploymentName: t.String(), revision: Nullable(Integer()), drift: t.Array(DriftedObjectJson) })),
});
export type ClusterDriftJson = typeof ClusterDriftJson.static;

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function driftJson(d: DriftedObject): typeof DriftedObjectJson.static {
  return { apiVersion: d.apiVersion, kind: d.kind, namespace: d.namespace, name: d.name, fields: d.fields, observedAt: d.observedAt.toISOString() };
}

export function clusterOpsJson(c: ClusterOps): ClusterOpsJson {
  return {
    clusterId: c.clusterId,
    clusterName: c.clusterName,
    status: c.status,
    appliedRevision: c.appliedRevision,
    desiredRevision: c.desiredRevision,
    error: c.error,
    lastSyncAt: iso(c.lastSyncAt),
    health: c.health,
    healthMessage: c.healthMessage,
    drift: c.drift.map(driftJson),
  };
}

export function rolloutSummaryJson(r: DeploymentRollout): Omit<DeploymentRolloutJson, 'clusters'> {
  return {
    id: r.id,
    deploymentId: r.deploymentId,
    revision: r.revision,
    status: r.status,
    pauseReason: r.pauseReason,
    currentWave: r.currentWave,
    waveCount: r.waveCount,
    healthySeconds: r.healthySeconds,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    finishedAt: iso(r.finishedAt),
  };
}

export function rolloutJson(r: DeploymentRollout, clusters: RolloutClusterView[]): DeploymentRolloutJson {
  return {
    ...rolloutSummaryJson(r),
    clusters: clusters.map((c) => ({
      clusterId: c.clusterId,
      clusterName: c.clusterName,
      wave: c.wave,
      state: c.state,
      startedAt: iso(c.startedAt),
      healthySince: iso(c.healthySince),
      finishedAt: iso(c.finishedAt),
      message: c.message,
    })),
  };
}
