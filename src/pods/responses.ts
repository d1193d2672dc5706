// What the pods API answers: pod rows of the fleet list, one pod as its agent reported it, and its usage history.
import { t } from 'elysia';
import { ContainerDetail, PodDetail } from '../contract';
import { Count, Exact, Integer, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { PLANS } from '../orgs/schema';

/** Null when the cluster has no metrics for the pod. */
const usage = () => Nullable(Count());

const Problems = t.Array(t.String(), { description: 'Why this is a problem pod (empty when it is not): failing, not_ready, crash_loop, restarting, pending, oom_risk' });

export const PodJson = Exact({
  clusterId: t.String(),
  clusterName: Nullable(t.String()),
  clusterLastHeartbeatAt: Nullable(Timestamp),
  namespace: t.String(),
  name: t.String(),
  status: t.String({ description: 'The STATUS column of kubectl get pods: Running, CrashLoopBackOff, Init:0/1…' }),
  phase: t.String(),
  ready: t.String({ description: '"ready/total" as kubectl prints it' }),
  restarts: Count(),
  node: t.String({ description: '"" while unscheduled' }),
  createdAt: Nullable(Timestamp),
  owner: Nullable(Exact({ kind: t.String(), name: t.String() }), { description: 'Top of the ownership chain; null when the pod has no owner' }),
  images: t.Array(t.String()),
  cpu: Exact({ usageMilli: usage(), requestMilli: Count(), limitMilli: Count() }),
  memory: Exact({ usageBytes: usage(), requestBytes: Count(), limitBytes: Count() }),
  usageAt: Nullable(Timestamp),
  problems: Problems,
});
export type PodJson = typeof PodJson.static;

export const PodPage = Page('pods', PodJson, {
  clustersWithoutPodList: t.Array(Exact({ id: t.String(), name: t.String() }), { description: 'Clusters in scope whose agents send counts only (protocol 1): they never list pods' }),
});
export type PodPage = typeof PodPage.static;

/** The pod as its agent reported it in the latest heartbeat, without usage (that is `usage`). */
export const ReportedPod = t.Composite([
  t.Omit(PodDetail, ['cpuUsageMilli', 'memUsageBytes', 'containerDetails']),
  t.Object({ containerDetails: t.Array(t.Omit(ContainerDetail, ['cpuUsageMilli', 'memUsageBytes'])) }),
]);
export type ReportedPod = typeof ReportedPod.static;

export const MetricsStateJson = Exact({
  available: t.Boolean(),
  reason: Nullable(t.String({ description: 'Why there is no usage, in words an operator can act on' })),
});
export type MetricsStateJson = typeof MetricsStateJson.static;

export const PodDetailResponse = Exact({
  clusterId: t.String(),
  clusterName: t.String(),
  clusterLastHeartbeatAt: Nullable(Timestamp),
  pod: ReportedPod,
  usage: Nullable(Exact({ at: Timestamp, cpuMilli: usage(), memBytes: usage() }), { description: 'From the cluster’s newest usage sample; null when the pod is not in it' }),
  metrics: MetricsStateJson,
  problems: Problems,
  firstSeenAt: Timestamp,
  updatedAt: Timestamp,
});
export type PodDetailResponse = typeof PodDetailResponse.static;

export const PodMetricsResponse = Exact({
  plan: OneOf(PLANS, { description: 'The org’s plan, which sets how far back history goes' }),
  retentionFrom: Timestamp,
  from: Timestamp,
  to: Timestamp,
  stepSeconds: Integer({ minimum: 1 }),
  source: OneOf(['raw', 'rollup'] as const, { description: 'raw: per-heartbeat samples; rollup: 10-minute rollups' }),
  metrics: MetricsStateJson,
  cpu: Exact({ requestMilli: Count(), limitMilli: Count() }),
  memory: Exact({ requestBytes: Count(), limitBytes: Count() }),
  points: t.Array(Exact({ t: Timestamp, cpuMilli: usage(), memBytes: usage() }), { description: 'Bucket start; CPU averaged over the bucket, memory its peak' }),
});
export type PodMetricsResponse = typeof PodMetricsResponse.static;
