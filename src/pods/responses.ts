// What the pods API answers: pod rows of the fleet list, one pod as its agent reported it, and its usage history.
import { t } from 'elysia';
import { Count, Exact, Integer, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { PLANS } from '../orgs/schema';
import { POD_PROBLEMS } from './vocabulary';

/** Null when the cluster has no metrics for the pod. */
const usage = () => Nullable(Count());

const Problems = t.Array(OneOf(POD_PROBLEMS), { description: 'Why this is a problem pod (empty when it is not)' });

/** A request or limit; null when not set. */
const setting = (unit: string) => Nullable(Count(), { description: `${unit}; null when not set` });

/** The fields a pod has wherever the API answers one: a row of a list, and the pod endpoint (which adds more). */
const POD_FIELDS = {
  clusterId: t.String(),
  clusterName: t.String(),
  clusterLastHeartbeatAt: Nullable(Timestamp),
  namespace: t.String(),
  name: t.String(),
  status: t.String({ description: 'The STATUS column of kubectl get pods: Running, CrashLoopBackOff, Init:0/1…' }),
  phase: t.String(),
  ready: t.String({ description: '"ready/total" as kubectl prints it' }),
  restarts: Count(),
  node: Nullable(t.String(), { description: 'null while unscheduled' }),
  createdAt: Nullable(Timestamp),
  owner: Nullable(Exact({ kind: t.String(), name: t.String() }), { description: 'Top of the ownership chain; null when the pod has no owner' }),
  images: t.Array(t.String(), { description: 'Image of each container (init, sidecar and app), in spec order' }),
  cpu: Exact(
    { usageMilli: usage(), requestMilli: setting('millicores'), limitMilli: setting('millicores') },
    { description: 'Millicores; requests and limits are the pod’s effective ones, as the scheduler counts them' },
  ),
  memory: Exact({ usageBytes: usage(), requestBytes: setting('bytes'), limitBytes: setting('bytes') }, { description: 'Bytes' }),
  usageAt: Nullable(Timestamp, { description: 'When the usage was sampled; null without usage' }),
  problems: Problems,
};

/** A pod as every list answers it; the pod endpoint answers the same fields and more. */
export const PodJson = Exact(POD_FIELDS);
export type PodJson = typeof PodJson.static;

export const PodPage = Page('pods', PodJson, {
  clustersWithoutPodList: t.Array(Exact({ id: t.String(), name: t.String() }), {
    description: 'Clusters in scope whose agents send counts only (protocol 1): they never list pods',
  }),
});
export type PodPage = typeof PodPage.static;

export const ContainerJson = Exact({
  name: t.String(),
  kind: OneOf(['init', 'sidecar', 'app'] as const, { description: 'sidecar: a native sidecar (an init container that keeps running)' }),
  image: t.String(),
  ready: t.Boolean(),
  restarts: Count(),
  state: OneOf(['running', 'waiting', 'terminated'] as const),
  reason: Nullable(t.String(), { description: 'Why it waits or ended: CrashLoopBackOff, ImagePullBackOff, Completed…' }),
  message: Nullable(t.String()),
  exitCode: Nullable(Integer(), { description: 'When terminated' }),
  startedAt: Nullable(Timestamp),
  lastTermination: Nullable(Exact({ reason: Nullable(t.String()), exitCode: Nullable(Integer()), at: Nullable(Timestamp) }), {
    description: 'How the previous instance ended (OOMKilled, Error…); null when there was none',
  }),
  probes: Exact({ liveness: t.Boolean(), readiness: t.Boolean(), startup: t.Boolean() }),
  privileged: t.Boolean(),
  cpu: Exact({ requestMilli: setting('millicores'), limitMilli: setting('millicores') }),
  memory: Exact({ requestBytes: setting('bytes'), limitBytes: setting('bytes') }),
});
export type ContainerJson = typeof ContainerJson.static;

export const MetricsStateJson = Exact({
  available: t.Boolean(),
  reason: Nullable(t.String({ description: 'Why there is no usage, in words an operator can act on' })),
});
export type MetricsStateJson = typeof MetricsStateJson.static;

/** The pod endpoint: the list's pod object, usage from the cluster's newest sample, and the rest of what the agent reported. */
export const PodDetailResponse = Exact({
  ...POD_FIELDS,
  uid: Nullable(t.String()),
  startedAt: Nullable(Timestamp, { description: 'When the kubelet accepted the pod' }),
  message: Nullable(t.String({ description: 'Why the pod is not progressing, when Kubernetes says' })),
  podIP: Nullable(t.String()),
  qosClass: t.String({ description: 'Guaranteed, Burstable or BestEffort' }),
  privileged: t.Boolean({ description: 'Any container runs privileged' }),
  labels: t.Record(t.String(), t.String()),
  ownerChain: t.Array(Exact({ kind: t.String(), name: t.String() }), { description: 'Nearest owner first: ReplicaSet, then Deployment…' }),
  imagePullSecrets: t.Array(t.String()),
  containers: t.Array(ContainerJson, { description: 'Init containers, native sidecars and app containers, in spec order' }),
  metrics: MetricsStateJson,
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
  cpu: Exact({ requestMilli: setting('millicores'), limitMilli: setting('millicores') }),
  memory: Exact({ requestBytes: setting('bytes'), limitBytes: setting('bytes') }),
  points: t.Array(Exact({ t: Timestamp, cpuMilli: usage(), memBytes: usage() }), {
    description: 'Bucket start; CPU averaged over the bucket, memory its peak',
  }),
});
export type PodMetricsResponse = typeof PodMetricsResponse.static;
