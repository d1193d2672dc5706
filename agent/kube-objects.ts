// Kubernetes objects as the API server sends them (JSON), reduced to the fields the agent reads.
// Plain JSON, not client-node's model classes: timestamps are RFC 3339 strings, quantities are strings,
// so collectors can be tested with object JSON copied from a real cluster.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  resourceVersion?: string;
}

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export type ResourceList = Record<string, string | number>;

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  securityContext?: { privileged?: boolean };
  /** "Always" on an init container makes it a native sidecar. */
  restartPolicy?: string;
}

export interface ContainerStateRunning {
  startedAt?: string;
}
export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}
export interface ContainerStateObject {
  running?: ContainerStateRunning;
  waiting?: ContainerStateWaiting;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state?: ContainerStateObject;
  lastState?: ContainerStateObject;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: {
    nodeName?: string;
    containers: Container[];
    initContainers?: Container[];
    /** Debug containers (`kubectl debug`): not in containerDetails, but they count for `privileged`. */
    ephemeralContainers?: { name: string; securityContext?: { privileged?: boolean } }[];
    imagePullSecrets?: { name?: string }[];
    overhead?: ResourceList;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    qosClass?: string;
    startTime?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Node {
  metadata: ObjectMeta;
  spec?: { unschedulable?: boolean };
  status?: {
    capacity?: ResourceList;
    allocatable?: ResourceList;
    conditions?: Condition[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: {
      kubeletVersion?: string;
      osImage?: string;
      architecture?: string;
      containerRuntimeVersion?: string;
    };
  };
}

/** core/v1 Event. Newer fields (eventTime, series, reportingComponent) are set by events.k8s.io writers. */
export interface Event {
  metadata: ObjectMeta;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject: { kind?: string; name?: string; namespace?: string };
  source?: { component?: string };
  reportingComponent?: string;
}

/** Any object whose owners we follow (ReplicaSet, Job). */
export interface OwnedObject {
  metadata: ObjectMeta;
}

export interface PodMetrics {
  metadata: { name: string; namespace: string };
  containers: { name: string; usage: ResourceList }[];
}

export interface NodeMetrics {
  metadata: { name: string };
  usage: ResourceList;
}

export interface Secret {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}

/** Any object of a manifest, as parsed from YAML. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** A pod template as apps/v1 workloads carry it: the PodSpec is kept as JSON (the policy rules read it). */
export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** apps/v1 Deployment, StatefulSet or DaemonSet: the fields the workload collector reads. */
export interface AppsWorkload {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { generation?: number };
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplateSpec };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    updatedNumberScheduled?: number;
  };
}

/** policy/v1 PodDisruptionBudget. A null selector selects nothing; an empty one every pod of its namespace. */
export interface PodDisruptionBudget {
  metadata: ObjectMeta;
  spec?: { selector?: LabelSelector | null; minAvailable?: number | string; maxUnavailable?: number | string };
}

/** One line of a watch stream. BOOKMARK objects carry only metadata.resourceVersion; ERROR objects are a Status. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}
