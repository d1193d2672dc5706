// Heartbeat: the state channel. The agent sends a full snapshot every ~15 s; the latest replaces the last.
import { Type, type Static, type TInteger, type TString } from '@sinclair/typebox';
import { LIMITS } from './protocol.ts';

const name = (): TString => Type.String({ maxLength: LIMITS.name });
const word = (): TString => Type.String({ maxLength: LIMITS.word });
const message = (): TString => Type.String({ maxLength: LIMITS.message });
const count = (): TInteger => Type.Integer({ minimum: 0 });
/** Unix time in whole seconds; 0 when unknown. */
const unix = (): TInteger => Type.Integer({ minimum: 0 });

export const NodeStatus = Type.Union([Type.Literal('Ready'), Type.Literal('NotReady'), Type.Literal('Unknown')]);
export type NodeStatus = Static<typeof NodeStatus>;

export const NodeInfo = Type.Object({
  name: name(),
  /** From the node's Ready condition: True → Ready, False → NotReady, missing/Unknown → Unknown. */
  status: NodeStatus,
  /** From node-role.kubernetes.io/<role> labels, e.g. ["control-plane", "master"]; empty for workers. */
  roles: Type.Array(word(), { maxItems: LIMITS.rolesPerNode }),
  kubeletVersion: Type.String({ maxLength: LIMITS.version }),
  cpuCapacityMilli: count(),
  memCapacityBytes: count(),
  cpuAllocatableMilli: count(),
  memAllocatableBytes: count(),
  /** Absent when metrics.k8s.io is unavailable (never 0 standing in for "unknown"). */
  cpuUsageMilli: Type.Optional(count()),
  memUsageBytes: Type.Optional(count()),
  /** Non-terminated pods bound to this node (as `kubectl describe node` counts), before any truncation. */
  podCount: Type.Optional(count()),
  /** spec.unschedulable (cordoned). */
  unschedulable: Type.Optional(Type.Boolean()),
  /** Conditions other than Ready that are True, e.g. ["MemoryPressure", "DiskPressure"]. */
  pressures: Type.Optional(Type.Array(word(), { maxItems: 16 })),
  internalIP: Type.Optional(word()),
  osImage: Type.Optional(word()),
  architecture: Type.Optional(word()),
  containerRuntimeVersion: Type.Optional(word()),
  createdUnix: Type.Optional(unix()),
});
export type NodeInfo = Static<typeof NodeInfo>;

/** One link of a pod's ownership, nearest first. */
export const OwnerRef = Type.Object({ kind: word(), name: name() });
export type OwnerRef = Static<typeof OwnerRef>;

export const ContainerKind = Type.Union([Type.Literal('init'), Type.Literal('sidecar'), Type.Literal('app')]);
export type ContainerKind = Static<typeof ContainerKind>;

export const ContainerState = Type.Union([Type.Literal('running'), Type.Literal('waiting'), Type.Literal('terminated')]);
export type ContainerState = Static<typeof ContainerState>;

export const ContainerDetail = Type.Object({
  name: name(),
  image: Type.String({ maxLength: LIMITS.image }),
  /** 'sidecar' = native sidecar (init container with restartPolicy Always). */
  kind: ContainerKind,
  ready: Type.Boolean(),
  restarts: count(),
  /** 'waiting' also when the kubelet has not reported the container yet. */
  state: ContainerState,
  /** Waiting/terminated reason of the current state, e.g. CrashLoopBackOff, ImagePullBackOff, Completed. */
  stateReason: Type.Optional(word()),
  stateMessage: Type.Optional(message()),
  /** Exit code when state is 'terminated'. */
  exitCode: Type.Optional(Type.Integer()),
  startedAt: Type.Optional(unix()),
  /** From lastState.terminated: why the previous instance died (OOMKilled, Error…) — what a crash loop hides. */
  lastTerminationReason: Type.Optional(word()),
  lastTerminationExitCode: Type.Optional(Type.Integer()),
  lastTerminatedAt: Type.Optional(unix()),
  hasLivenessProbe: Type.Boolean(),
  hasReadinessProbe: Type.Boolean(),
  hasStartupProbe: Type.Optional(Type.Boolean()),
  /** 0 = not set. */
  cpuRequestMilli: count(),
  cpuLimitMilli: count(),
  memRequestBytes: count(),
  memLimitBytes: count(),
  privileged: Type.Boolean(),
  /** Per-container usage from metrics.k8s.io; absent when unavailable. */
  cpuUsageMilli: Type.Optional(count()),
  memUsageBytes: Type.Optional(count()),
});
export type ContainerDetail = Static<typeof ContainerDetail>;

/** Label keys are bounded by a key pattern: an over-long key fails as an unexpected property. */
export const Labels = Type.Record(Type.String({ pattern: `^[\\s\\S]{1,${LIMITS.labelKey}}$` }), Type.String({ maxLength: LIMITS.labelValue }), {
  maxProperties: LIMITS.labelsPerPod,
  additionalProperties: false,
});
export type Labels = Static<typeof Labels>;

/**
 * One pod. PRD field names first (phases 1 and 2), then what operators need that the PRD missed.
 * Every number is an integer; CPU in millicores, memory in bytes, times in unix seconds.
 */
export const PodDetail = Type.Object({
  namespace: name(),
  name: name(),
  /** Running / Pending / Failed / Succeeded / Unknown (status.phase). */
  phase: word(),
  /** "" while unscheduled. */
  nodeName: name(),
  /** The RESTARTS column of kubectl: app containers + native sidecars (init containers while initializing). */
  restarts: count(),
  /** "ready/total" as kubectl prints it: app containers plus native sidecars. */
  ready: Type.String({ maxLength: 16 }),
  /** Names of the app containers (spec.containers) in spec order; containerDetails has all of them. */
  containers: Type.Array(name(), { maxItems: LIMITS.containersPerPod }),
  /** status.startTime; 0 before the kubelet accepted the pod. */
  startedUnix: unix(),
  /** Top of the ownership chain: Deployment, StatefulSet, DaemonSet, Job, CronJob, Node (static pod)…; "" when none. */
  ownerKind: word(),
  ownerName: name(),
  /** 0 when usageAvailable is false. */
  cpuUsageMilli: count(),
  memUsageBytes: count(),
  /** Effective pod requests/limits as the scheduler counts them (init containers and sidecars included); 0 = none. */
  cpuRequestMilli: count(),
  cpuLimitMilli: count(),
  memRequestBytes: count(),
  memLimitBytes: count(),

  uid: Type.Optional(Type.String({ maxLength: 64 })),
  /** The STATUS column of `kubectl get pods`: Running, CrashLoopBackOff, Init:0/1, Terminating, Completed, Evicted… */
  status: word(),
  /** Why the pod is not progressing, when Kubernetes says: unschedulable message, waiting message, eviction message. */
  message: Type.Optional(message()),
  /** metadata.creationTimestamp — the AGE column. */
  createdUnix: unix(),
  containerDetails: Type.Array(ContainerDetail, { maxItems: LIMITS.containersPerPod }),
  /** Any container (init, sidecar or app) runs privileged. */
  privileged: Type.Boolean(),
  imagePullSecrets: Type.Array(name(), { maxItems: LIMITS.imagePullSecretsPerPod }),
  podIP: Type.String({ maxLength: 64 }),
  /** Guaranteed / Burstable / BestEffort. */
  qosClass: word(),
  /** At most LIMITS.labelsPerPod entries; the agent keeps the first ones in key order. */
  labels: Labels,
  /** Nearest owner first, e.g. [{ReplicaSet, web-7d9f}, {Deployment, web}]; empty when the pod has no owner. */
  ownerChain: Type.Array(OwnerRef, { maxItems: LIMITS.ownerChainDepth }),
  /** False when metrics.k8s.io is absent/forbidden or has no sample for this pod yet; usage fields are then 0. */
  usageAvailable: Type.Boolean(),
});
export type PodDetail = Static<typeof PodDetail>;

/** A Warning event of the recent window (the agent sends those last seen within ~1 h). */
export const WarningEvent = Type.Object({
  namespace: name(),
  involvedKind: word(),
  involvedName: name(),
  reason: word(),
  message: message(),
  count: count(),
  /** Unix seconds. */
  firstSeen: unix(),
  lastSeen: unix(),
  /** Event uid: lets the server deduplicate the same event across heartbeats. */
  uid: Type.Optional(Type.String({ maxLength: 64 })),
  /** Reporting component, e.g. "kubelet", "default-scheduler". */
  source: Type.Optional(word()),
});
export type WarningEvent = Static<typeof WarningEvent>;

/** Whether the agent can do something right now, and the check that said so. */
export const Capability = Type.Object({
  enabled: Type.Boolean(),
  /** Human-readable, e.g. "SelfSubjectAccessReview get pods/log", "metrics.k8s.io reachable". */
  detectedBy: Type.String({ maxLength: 256 }),
});
export type Capability = Static<typeof Capability>;

export const Capabilities = Type.Object({
  pods: Capability,
  logs: Capability,
  apply: Capability,
  selfUpdate: Capability,
  podMetrics: Capability,
});
export type Capabilities = Static<typeof Capabilities>;
export type CapabilityName = keyof Capabilities;

/**
 * A workload's pod template, as the policy rules read it: the Kubernetes `PodSpec` JSON as the API
 * returns it (core/v1), with every container's `env`, `envFrom`, `command` and `args` removed by the
 * agent (they may carry secrets and no rule reads them), plus the template's labels. Open object:
 * the rules read what they know and ignore the rest; its size is bounded by the body limits.
 */
export const PodTemplateFacts = Type.Object({
  labels: Labels,
  spec: Type.Record(Type.String({ maxLength: LIMITS.word }), Type.Unknown(), { maxProperties: 128 }),
});
export type PodTemplateFacts = Static<typeof PodTemplateFacts>;

export const WorkloadKind = Type.Union([Type.Literal('Deployment'), Type.Literal('StatefulSet'), Type.Literal('DaemonSet')]);
export type WorkloadKind = Static<typeof WorkloadKind>;

/**
 * One workload with its rollout counts (protocol 4+). For a DaemonSet `desired` is
 * status.desiredNumberScheduled and `ready` numberReady; otherwise spec.replicas and status.readyReplicas.
 */
export const WorkloadInfo = Type.Object({
  kind: WorkloadKind,
  namespace: name(),
  name: name(),
  desired: count(),
  ready: count(),
  available: count(),
  /** Pods already on the current template (updatedReplicas / updatedNumberScheduled). */
  updated: count(),
  /** metadata.generation > status.observedGeneration: the controller has not seen the last change yet. */
  progressing: Type.Boolean(),
  /** The workload's own labels (metadata.labels). */
  labels: Labels,
  /** Digest of `template` (hex, the agent's choice of hash); changes exactly when the template facts change. */
  templateHash: Type.String({ minLength: 1, maxLength: 64 }),
  /**
   * Sent when the agent has not yet sent this hash since it started, or when the server asked for
   * every template (`HeartbeatResponse.resendTemplates`); absent otherwise.
   */
  template: Type.Optional(PodTemplateFacts),
  /** A PodDisruptionBudget in the namespace selects the template's labels. */
  hasPdb: Type.Boolean(),
});
export type WorkloadInfo = Static<typeof WorkloadInfo>;

/** Aggregates over the whole cluster, computed before the pod list is truncated. */
export const PodCounts = Type.Object({
  pods: count(),
  podsRunning: count(),
  podsFailed: count(),
  namespaces: count(),
});
export type PodCounts = Static<typeof PodCounts>;

/** A pod by its key, as a delta beat names a removed one. */
export const PodRef = Type.Object({ namespace: name(), name: name() });
export type PodRef = Static<typeof PodRef>;

/**
 * Protocol 6+: the pod inventory as a difference from the generation the server acknowledged
 * (`HeartbeatResponse.inventoryGeneration`), plus the usage of every pod.
 */
export const PodDelta = Type.Object({
  /** The acknowledged generation this delta applies to. */
  base: Type.String({ minLength: 1, maxLength: 64 }),
  /** Pods added or changed since `base`, whole (their usage fields are ignored: see `cpuMilli`/`memBytes`). */
  changed: Type.Array(PodDetail, { maxItems: LIMITS.podsPerHeartbeat }),
  removed: Type.Array(PodRef, { maxItems: LIMITS.podsPerHeartbeat }),
  /**
   * Usage of every pod of the resulting inventory, aligned with its keys ("namespace/name") sorted by
   * UTF-16 code unit; null when unknown.
   */
  cpuMilli: Type.Array(Type.Union([count(), Type.Null()]), { maxItems: LIMITS.podsPerHeartbeat }),
  memBytes: Type.Array(Type.Union([count(), Type.Null()]), { maxItems: LIMITS.podsPerHeartbeat }),
});
export type PodDelta = Static<typeof PodDelta>;

/**
 * Protocol 8: one object the agent sees carrying `app.kubernetes.io/managed-by=niro` (of MANAGED_KINDS).
 * `drift` lists the field paths Niro applied whose value someone else has since changed (another field
 * manager took them over, e.g. `kubectl edit`), like `spec.replicas` or
 * `spec.template.spec.containers[name=web].image`; empty when the object is as Niro applied it.
 */
export const ManagedObject = Type.Object({
  /** The `niro.dev/deployment` label; "" when the object carries managed-by=niro but no deployment label. */
  deployment: Type.String({ maxLength: LIMITS.labelValue }),
  /** The `niro.dev/revision` annotation; 0 when absent or not a number. */
  revision: count(),
  apiVersion: word(),
  kind: word(),
  namespace: name(),
  name: name(),
  drift: Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.driftPath }), { maxItems: LIMITS.driftPathsPerObject }),
});
export type ManagedObject = Static<typeof ManagedObject>;

/**
 * What a protocol-1 agent sends, exactly: aggregate counts at the top level and `pods` as a number.
 * Never change this shape — agents in the field still send it.
 */
export const HeartbeatV1 = Type.Object({
  agentVersion: Type.String({ maxLength: LIMITS.version }),
  protocol: Type.Literal(1),
  k8sVersion: Type.String({ maxLength: LIMITS.version }),
  nodes: Type.Array(NodeInfo, { maxItems: LIMITS.nodesPerHeartbeat }),
  pods: count(),
  podsRunning: count(),
  podsFailed: count(),
  namespaces: count(),
});
export type HeartbeatV1 = Static<typeof HeartbeatV1>;

/**
 * Protocol 2 and later. The protocol-1 counts moved under `counts` because `pods` is now the list.
 * Fields added by protocol 3+ must be `Type.Optional` here (older protocol-2 agents don't send them);
 * objects are open, so a newer agent's extra fields pass validation and are ignored.
 */
export const HeartbeatV2 = Type.Object({
  agentVersion: Type.String({ maxLength: LIMITS.version }),
  protocol: Type.Integer({ minimum: 2 }),
  k8sVersion: Type.String({ maxLength: LIMITS.version }),
  distribution: word(),
  platform: word(),
  nodes: Type.Array(NodeInfo, { maxItems: LIMITS.nodesPerHeartbeat }),
  counts: PodCounts,
  pods: Type.Array(PodDetail, { maxItems: LIMITS.podsPerHeartbeat }),
  /** True when the agent sent fewer pods than exist (its cap or the server's `maxPods`); podsTotal has the real number. */
  podsTruncated: Type.Boolean(),
  podsTotal: count(),
  events: Type.Array(WarningEvent, { maxItems: LIMITS.eventsPerHeartbeat }),
  capabilities: Capabilities,
  /** Protocol 4+: Deployments, StatefulSets and DaemonSets; absent from older agents (they get no workload incidents or findings). */
  workloads: Type.Optional(Type.Array(WorkloadInfo, { maxItems: LIMITS.workloadsPerHeartbeat })),
  /** Protocol 4+: true when the agent sent fewer workloads than exist. */
  workloadsTruncated: Type.Optional(Type.Boolean()),
  /**
   * Protocol 7+: instead of `workloads` (and `workloadsTruncated`), the generation the server acknowledged
   * (`HeartbeatResponse.workloadsGeneration`) whose workloads are still exactly the agent's.
   */
  workloadsBase: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /**
   * Protocol 6+: a delta beat. `pods` is then empty and this describes the inventory relative to the
   * generation the server acknowledged; never sent while the pod list is truncated.
   */
  inventory: Type.Optional(PodDelta),
  /**
   * Protocol 8+: every managed object the agent sees, replacing the set the server holds. Sent on the
   * agent's first beat and whenever the set (or a drift list) changed since the last beat the server
   * acknowledged with `managedStored`; absent = unchanged. Absent too when the agent cannot list them
   * (the apply capability is off).
   */
  managed: Type.Optional(Type.Array(ManagedObject, { maxItems: LIMITS.managedPerHeartbeat })),
  /** Protocol 8+: more managed objects exist than `managed` carries. */
  managedTruncated: Type.Optional(Type.Boolean()),
});
export type HeartbeatV2 = Static<typeof HeartbeatV2>;

/**
 * Any heartbeat the server accepts. Validation strategy (why not just this union): a TypeBox union
 * reports a single "Expected union value" at the root, naming no field. So the server first checks
 * HeartbeatProtocol (is `protocol` an integer in range?), then validates the body against
 * HEARTBEAT_SCHEMA_BY_PROTOCOL[protocol] — or HeartbeatV2 for any protocol above 2 — and gets errors
 * such as `/pods/3/restarts`. The union stays useful as the body's type and for documentation.
 */
export const HeartbeatRequest = Type.Union([HeartbeatV1, HeartbeatV2]);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

/** Just enough of a heartbeat to pick its schema. */
export const HeartbeatProtocol = Type.Object({ protocol: Type.Integer({ minimum: 1 }) });
export type HeartbeatProtocol = Static<typeof HeartbeatProtocol>;

export const HEARTBEAT_SCHEMA_BY_PROTOCOL = { 1: HeartbeatV1, 2: HeartbeatV2 } as const;

export const HeartbeatResponse = Type.Object({
  /** The agent waits this long (± its jitter) before the next beat. */
  nextIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  /** Commands are queued: the agent's long-poll will get them (a hint; the long-poll is authoritative). */
  commandsPending: Type.Boolean(),
  /** ISO 8601 (RFC 3339) server clock, for skew diagnostics. */
  serverTime: Type.String({ maxLength: 64 }),
  /** The server's own cap on pods per heartbeat; the agent truncates to min(NIRO_MAX_PODS, maxPods). */
  maxPods: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Protocol 4+: the server lacks some workload's template for its hash; the next beat carries every template. */
  resendTemplates: Type.Optional(Type.Boolean()),
  /**
   * Protocol 5+: a self-update rollout selected this cluster. An agent whose selfUpdate capability is on
   * patches its own Deployment's container image to `image` (once per image per process); the new pod
   * then heartbeats with `version`. Absent otherwise; older agents ignore it.
   */
  update: Type.Optional(
    Type.Object({
      image: Type.String({ minLength: 1, maxLength: LIMITS.image }),
      version: Type.String({ minLength: 1, maxLength: LIMITS.version }),
    }),
  ),
  /**
   * Protocol 6+: the pod inventory generation the server stored from this beat; the agent may send its
   * next beat as a delta on it. Absent while the pod list is truncated.
   */
  inventoryGeneration: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Protocol 6+: the server could not apply the delta (unknown base, bad usage vectors): the next beat carries every pod. */
  fullInventory: Type.Optional(Type.Boolean()),
  /** Protocol 7+: the workloads generation the server stored from this beat; the agent may send it as `workloadsBase`. */
  workloadsGeneration: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Protocol 8+: the server stored this beat's `managed` set; the agent sends it again only when it changes. */
  managedStored: Type.Optional(Type.Boolean()),
});
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;
