// Versioning, endpoints and bounds shared by the control plane and the agent.
import { Type, type Static } from '@sinclair/typebox';

/**
 * Bumped on every additive change to a wire shape. History:
 * 1 — heartbeat with aggregate counts only (`pods` is a number, no pod list).
 * 2 — full heartbeat: `pods` is a PodDetail[], plus `counts`, events, capabilities; commands; log streams.
 * 3 — log streams resume exactly where Kubernetes timestamps tie: data frames carry `lastTimestampLines`,
 *     start-log carries `resumeAfterLines` (heartbeats are unchanged: protocol 3 sends HeartbeatV2).
 * 4 — heartbeats carry `workloads` (rollout counts, PDB coverage, pod templates only when they change);
 *     the response may ask for every template again (`resendTemplates`).
 * 5 — the heartbeat response may carry `update` (the image this agent should roll its own Deployment to,
 *     during a self-update rollout); heartbeats are unchanged. Older agents ignore the field.
 * 6 — delta heartbeats: the response acknowledges `inventoryGeneration`; the agent may then send `pods: []`
 *     with `inventory` (pods changed/removed since that generation, usage of every pod as two arrays).
 *     The response's `fullInventory` asks for every pod again.
 * 7 — unchanged workloads stay home: the response acknowledges `workloadsGeneration`; while the agent's
 *     workloads are those of that beat it sends `workloadsBase` (the generation) instead of `workloads`.
 *     A base the server does not hold gets `resendTemplates`: the next beat carries every workload again.
 * 8 — deployments: apply carries `deployment` (labels + revision annotation) and `prune`; delete accepts
 *     `{deployment, objects}`; heartbeats may carry `managed` (the objects Niro applied, with drift), and
 *     the response's `managedStored` acknowledges it. Protocol 1..7 heartbeats are unchanged.
 */
export const PROTOCOL = 8;
/** The oldest agent protocol the control plane still accepts. */
export const MIN_SUPPORTED_PROTOCOL = 1;

/** Header carrying the agent key on every agent endpoint (HTTP and the WebSocket upgrade). */
export const AGENT_KEY_HEADER = 'X-Niro-Agent-Key';

/**
 * Agent-facing endpoints, relative to NIRO_URL. `:id` is a command id (Elysia path syntax, so the
 * server can mount these strings as is; the agent substitutes the id).
 */
export const AGENT_PATHS = {
  enroll: '/v1/agent/enroll',
  heartbeat: '/v1/agent/heartbeat',
  commands: '/v1/agent/commands',
  commandResult: '/v1/agent/commands/:id/result',
  stream: '/v1/agent/stream',
} as const;

/** The long-poll for commands is held by the server at most this long before answering `{commands: []}`. */
export const COMMANDS_LONG_POLL_SECONDS = 30;

/** Default heartbeat cadence; the server may steer it with `nextIntervalSeconds`. */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 15;

/**
 * Upper bounds written into the schemas so no wire shape is unbounded. The server may cap lower by
 * configuration (e.g. pods per heartbeat); the agent truncates to these before sending.
 */
export const LIMITS = {
  /** DNS-1123 subdomain: names of namespaces, pods, nodes, owners, secrets… */
  name: 253,
  /** Label keys: optional DNS prefix (253) + '/' + name (63). */
  labelKey: 317,
  labelValue: 63,
  labelsPerPod: 64,
  /** Event and status messages; longer ones are cut by the agent. */
  message: 1024,
  /** Short machine words: phase, status reason, QoS class, kind, distribution. */
  word: 128,
  image: 512,
  version: 128,
  podsPerHeartbeat: 5000,
  workloadsPerHeartbeat: 5000,
  nodesPerHeartbeat: 1000,
  eventsPerHeartbeat: 500,
  containersPerPod: 64,
  rolesPerNode: 16,
  imagePullSecretsPerPod: 32,
  ownerChainDepth: 8,
  commandsPerPoll: 100,
  /** Multi-document YAML of one apply command, in characters. */
  manifests: 1_048_576,
  /** One log data frame, in characters (a frame holds whole lines; one over-long line travels alone). */
  frameData: 2_097_152,
  token: 512,
  /** Objects named by one command (prune list, multi-object delete) and object results of one command. */
  objectsPerCommand: 1000,
  /** Managed objects in one heartbeat. */
  managedPerHeartbeat: 2000,
  /** Drift paths reported for one managed object (the agent cuts longer lists and says so with a last "…" path). */
  driftPathsPerObject: 32,
  /** One drift path, e.g. `spec.template.spec.containers[name=web].image`. */
  driftPath: 512,
} as const;

/** Labels and annotations the agent sets on every object it applies for a deployment; the control plane relies on them. */
export const NIRO_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  managedByValue: 'niro',
  deployment: 'niro.dev/deployment',
  /** Annotation: the revision number, as a decimal string. */
  revision: 'niro.dev/revision',
  /**
   * Annotation: the field set of the applied configuration (paths only, never values), as compact JSON;
   * drift detection reads it against metadata.managedFields.
   */
  appliedFields: 'niro.dev/applied-fields',
} as const;

/** Server-side apply field manager of every object Niro applies. */
export const FIELD_MANAGER = 'niro';

/**
 * The kinds the agent watches for managed objects (labelled managed-by=niro), so drift is seen. A
 * deployment may contain other kinds; they are applied and pruned but not watched for drift.
 */
export const MANAGED_KINDS = [
  { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
  { group: '', version: 'v1', kind: 'Secret', resource: 'secrets' },
  { group: '', version: 'v1', kind: 'Service', resource: 'services' },
  { group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts' },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets' },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets' },
  { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs' },
  { group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs' },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', resource: 'ingresses' },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets' },
] as const;

/** Error body of every control-plane error response (`{ "error": { "code", "message" } }`). */
export const ApiError = Type.Object({
  error: Type.Object({
    code: Type.String({ maxLength: LIMITS.word }),
    message: Type.String({ maxLength: 4096 }),
  }),
});
export type ApiError = Static<typeof ApiError>;
