// What the clusters API answers: clusters, their enrollment tokens, nodes and timeline.
import { t } from 'elysia';
import { Capabilities } from '../contract';
import { Count, Exact, Integer, Nullable, OneOf, Page, Timestamp } from '../http/responses';
import { CLUSTER_STATUSES, ENVIRONMENTS, STATUS_MEANING, TIMELINE_KINDS } from './vocabulary';

/** Null when metrics.k8s.io gave nothing. */
const usage = () => Nullable(Count());

export const ClusterJson = Exact({
  id: t.String(),
  name: t.String(),
  environment: OneOf(ENVIRONMENTS),
  labels: t.Record(t.String(), t.String(), { description: 'Operator-set labels; deployments target clusters by them' }),
  orgId: t.String(),
  orgName: Nullable(t.String()),
  status: OneOf(CLUSTER_STATUSES, {
    description: `The word the pages show, capitalised: ${CLUSTER_STATUSES.map((c) => `${c}: ${STATUS_MEANING[c]}`).join('; ')}`,
  }),
  statusSince: Timestamp,
  createdAt: Timestamp,
  enrolledAt: Nullable(Timestamp),
  lastHeartbeatAt: Nullable(Timestamp),
  agent: Exact({
    version: Nullable(t.String()),
    protocol: Nullable(Integer()),
    offeredVersion: t.String({ description: 'The agent version this server offers (NIRO_AGENT_VERSION)' }),
    updateAvailable: t.Boolean({ description: 'The agent reported a version other than the offered one' }),
    selfUpdate: t.Boolean({ description: 'The agent detected the self-update capability; without it, re-run the installer with NIRO_ENABLE_SELF_UPDATE=1' }),
  }),
  kubernetes: Exact({ version: Nullable(t.String()), distribution: Nullable(t.String()), platform: Nullable(t.String()) }),
  capabilities: Nullable(Capabilities, { description: 'What the agent may do, as it detected; null until a protocol-2 agent reports them' }),
  nodes: Exact({ total: Count(), ready: Count() }),
  pods: Exact({
    total: Count(),
    running: Count(),
    failed: Count(),
    namespaces: Count(),
    listed: Count({ description: 'Pods stored from the latest heartbeat (0 for agents that send counts only)' }),
    truncated: t.Boolean({ description: 'The pod list was cut (by the agent or this server): listed < total' }),
    listAvailable: t.Boolean({ description: 'The agent sends the pod list (protocol 2 and later)' }),
  }),
  cpu: Exact({ capacityMilli: Count(), allocatableMilli: Count(), usageMilli: usage() }),
  memory: Exact({ capacityBytes: Count(), allocatableBytes: Count(), usageBytes: usage() }),
});
export type ClusterJson = typeof ClusterJson.static;

export const ClusterPage = Page('clusters', ClusterJson);
export type ClusterPage = typeof ClusterPage.static;

export const EnrollmentJson = Exact({
  token: t.String({ description: 'Single use, shown once: niro_enr_…' }),
  expiresAt: Timestamp,
  installCommand: t.String({ description: 'Run where kubectl reaches the cluster' }),
});
export type EnrollmentJson = typeof EnrollmentJson.static;

export const ClusterCreated = Exact({ cluster: ClusterJson, enrollment: EnrollmentJson });
export type ClusterCreated = typeof ClusterCreated.static;

export const ClusterDeleted = Exact({
  deleted: t.Literal(true),
  id: t.String(),
  uninstall: t.String({ description: 'The command that removes the agent from the cluster' }),
});
export type ClusterDeleted = typeof ClusterDeleted.static;

export const NodeJson = Exact({
  name: t.String(),
  status: t.String({ description: 'Ready, NotReady or Unknown' }),
  roles: t.Array(t.String()),
  kubeletVersion: t.String(),
  cpu: Exact({ capacityMilli: Count(), allocatableMilli: Count(), usageMilli: usage() }),
  memory: Exact({ capacityBytes: Count(), allocatableBytes: Count(), usageBytes: usage() }),
  podCount: Nullable(Count()),
  unschedulable: t.Boolean(),
  pressures: t.Array(t.String(), { description: 'Conditions other than Ready that are True, e.g. MemoryPressure' }),
  internalIP: Nullable(t.String()),
  osImage: Nullable(t.String()),
  architecture: Nullable(t.String()),
  containerRuntime: Nullable(t.String()),
  createdAt: Nullable(Timestamp),
  updatedAt: Timestamp,
});
export type NodeJson = typeof NodeJson.static;

export const NodePage = Page('nodes', NodeJson, { usageAt: Nullable(Timestamp) });
export type NodePage = typeof NodePage.static;

export const TimelineEntryJson = Exact({
  id: t.String(),
  at: Timestamp,
  kind: OneOf(TIMELINE_KINDS),
  message: t.String(),
  details: t.Record(t.String(), t.Unknown()),
});
export type TimelineEntryJson = typeof TimelineEntryJson.static;

export const TimelinePage = Page('entries', TimelineEntryJson);
export type TimelinePage = typeof TimelinePage.static;
