// The simulator's compact models (containers, pods, nodes) and the builders of real Kubernetes JSON shared by
// every kind: metadata, owner references, quantities, timestamps; nodes and events rendered as the API server
// returns them. The models hold what changes; a pod's JSON is rendered in pod-objects.ts.
import type { CrashBackOff } from './backoff.ts';
import type { JsonObject, KubeObject, ObjectMeta, OwnerReference } from './store.ts';

export type { JsonObject };

export type ContainerState =
  | { running: { startedAt: string } }
  | { waiting: { reason: string; message?: string } }
  | { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID?: string; message?: string } };

export type ContainerRole = 'app' | 'init' | 'sidecar';

export type ContainerModel = {
  name: string;
  role: ContainerRole;
  image: string;
  state: ContainerState;
  lastState: ContainerState | null;
  restartCount: number;
  /** The kubelet's crash back-off for this container (backoff.ts); null until it first restarted it. */
  backOff: CrashBackOff | null;
  ready: boolean;
  started: boolean;
  containerId: string;
  imageId: string;
  /** Log generator profile (see log-profiles.ts). */
  profile: string;
  /** Usage now, random-walked on every tick; base is where the walk is pulled back to. */
  cpuMilli: number;
  memBytes: number;
  cpuBaseMilli: number;
  memBaseBytes: number;
  memLimitBytes: number | null;
};

/**
 * What a pod is doing; the tick moves pods between these.
 * steady: running and ready · creating: ContainerCreating, running next tick · crashloop: one container fails seconds
 * after each start, restarted on the kubelet's back-off · imagepull: ImagePullBackOff forever · oom: runs for hours,
 * OOMKilled, restarted at once (it ran long enough for the back-off to reset) · oomloop: OOM-killed seconds after each
 * start (a limit below the working set), restarted on the back-off · unready: running, its readiness probe failing ·
 * mountfail: scheduled but stuck in ContainerCreating (a volume's Secret is missing) ·
 * pending: unschedulable ·
 * evicted: Failed/Evicted · stuck: Terminating forever (a finalizer never clears) · terminating: deleted, gone next tick ·
 * running-job: a Job pod that completes next tick · completed / failed: terminal Job pods.
 */
export type PodBehaviour =
  | 'steady'
  | 'creating'
  | 'crashloop'
  | 'imagepull'
  | 'oom'
  | 'oomloop'
  | 'unready'
  | 'mountfail'
  | 'pending'
  | 'evicted'
  | 'stuck'
  | 'terminating'
  | 'running-job'
  | 'completed'
  | 'failed';

export type PodModel = {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  owner: OwnerReference | null;
  /** The pod spec as stored (defaults applied); containers here, status in `containers`/`initContainers`. */
  spec: JsonObject;
  nodeName: string | null;
  hostIP: string | null;
  podIP: string | null;
  createdAt: number;
  startedAt: number | null;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  reason: string | null;
  message: string | null;
  behaviour: PodBehaviour;
  deletedAt: number | null;
  finalizers: string[];
  containers: ContainerModel[];
  initContainers: ContainerModel[];
  /** Tick at which the behaviour acts next (pull retry, job completion, a created pod running). */
  nextActionTick: number;
  /**
   * When (ms) its troubled container next crashes (crashloop, oom) or is started again after an exit; far in the
   * future otherwise. Time, not ticks: restarts follow the kubelet's back-off however often the cluster ticks.
   */
  troubleAt: number;
  /** Conditions' transition time: when the pod last became (un)ready. */
  readySince: number;
};

export type NodeModel = {
  name: string;
  uid: string;
  index: number;
  controlPlane: boolean;
  internalIp: string;
  podCidr: string;
  cpuCores: number;
  memKi: number;
  createdAt: number;
  ready: boolean;
  readyChangedAt: number;
  /** While NotReady: the tick it recovers at. */
  recoverAtTick: number;
  /** While NotReady: "Unknown" (the kubelet stopped posting, the node-controller's verdict) or "False" (the kubelet says so). */
  notReadyStatus: 'False' | 'Unknown';
  /** Pressure conditions that are True (MemoryPressure, DiskPressure, PIDPressure), with when each began. */
  pressures: Record<string, number>;
  /** When the last pressure condition went back to False (its lastTransitionTime). */
  pressureClearedAt?: number;
  machineId: string;
  bootId: string;
  kernel: string;
  osImage: string;
};

export const K3S_VERSION = 'v1.31.4+k3s1';

export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metrics-server reports CPU in nanocores. */
export function formatNanoCpu(milli: number): string {
  return `${Math.max(0, Math.round(milli * 1_000_000))}n`;
}

export function formatKi(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1024))}Ki`;
}

/** Parse a Kubernetes quantity ("250m", "1", "512Mi", "1G") to a number: millicores for cpu, bytes otherwise. */
export function parseQuantity(value: unknown, cpu: boolean): number | null {
  if (typeof value === 'number') return cpu ? value * 1000 : value;
  if (typeof value !== 'string') return null;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const units: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    '': 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  const factor = units[m[2]];
  if (factor === undefined) return null;
  return cpu ? n * factor * 1000 : n * factor;
}

export function buildMeta(fields: {
  name: string;
  namespace?: string;
  uid: string;
  createdAt: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: OwnerReference | null;
  generation?: number;
  generateName?: string;
}): ObjectMeta {
  const meta: ObjectMeta = {
    name: fields.name,
    ...(fields.generateName ? { generateName: fields.generateName } : {}),
    ...(fields.namespace ? { namespace: fields.namespace } : {}),
    uid: fields.uid,
    resourceVersion: '0',
    ...(fields.generation !== undefined ? { generation: fields.generation } : {}),
    creationTimestamp: iso(fields.createdAt),
  };
  if (fields.labels && Object.keys(fields.labels).length > 0) meta.labels = fields.labels;
  if (fields.annotations && Object.keys(fields.annotations).length > 0) meta.annotations = fields.annotations;
  if (fields.owner) meta.ownerReferences = [fields.owner];
  return meta;
}

export function ownerRef(object: KubeObject): OwnerReference {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    uid: object.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

const PRESSURE_TAINTS: [string, string][] = [
  ['MemoryPressure', 'node.kubernetes.io/memory-pressure'],
  ['DiskPressure', 'node.kubernetes.io/disk-pressure'],
  ['PIDPressure', 'node.kubernetes.io/pid-pressure'],
];

export function renderNode(node: NodeModel): KubeObject {
  const cpu = String(node.cpuCores);
  // k3s reserves nothing by default: allocatable equals capacity.
  const resources = { cpu, 'ephemeral-storage': '102626232Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${node.memKi}Ki`, pods: '110' };
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': 'k3s',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'k3s',
  };
  if (node.controlPlane) {
    labels['node-role.kubernetes.io/control-plane'] = 'true';
    labels['node-role.kubernetes.io/master'] = 'true';
  }
  // A node the kubelet still reports for (Ready False) keeps a fresh heartbeat; an unreachable one (Unknown) does not.
  const reporting = node.ready || node.notReadyStatus === 'False';
  const heartbeat = reporting ? Date.now() - 20_000 : node.readyChangedAt - 40_000;
  const pressure = (type: string, [reason, message]: [string, string], [onReason, onMessage]: [string, string]): JsonObject => {
    const since = node.pressures[type];
    const on = since !== undefined;
    return {
      lastHeartbeatTime: iso(heartbeat),
      lastTransitionTime: iso(on ? since : Math.max(node.createdAt + 10_000, node.pressureClearedAt ?? 0)),
      message: reporting ? (on ? onMessage : message) : 'Kubelet stopped posting node status.',
      reason: reporting ? (on ? onReason : reason) : 'NodeStatusUnknown',
      status: reporting ? (on ? 'True' : 'False') : 'Unknown',
      type,
    };
  };
  const spec: JsonObject = { podCIDR: node.podCidr, podCIDRs: [node.podCidr], providerID: `k3s://${node.name}` };
  const taints: JsonObject[] = [];
  if (!node.ready && node.notReadyStatus === 'Unknown') {
    taints.push(
      { effect: 'NoSchedule', key: 'node.kubernetes.io/unreachable', timeAdded: iso(node.readyChangedAt) },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', timeAdded: iso(node.readyChangedAt + 5000) },
    );
  } else if (!node.ready) {
    taints.push(
      { effect: 'NoSchedule', key: 'node.kubernetes.io/not-ready', timeAdded: iso(node.readyChangedAt) },
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', timeAdded: iso(node.readyChangedAt + 5000) },
    );
  }
  // The node lifecycle controller taints a node under pressure so no new pod lands there.
  for (const [type, key] of PRESSURE_TAINTS)
    if (node.pressures[type] !== undefined) taints.push({ effect: 'NoSchedule', key, timeAdded: iso(node.pressures[type]) });
  if (taints.length > 0) spec.taints = taints;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...buildMeta({
        name: node.name,
        uid: node.uid,
        createdAt: node.createdAt,
        labels,
        annotations: {
          'alpha.kubernetes.io/provided-node-ip': node.internalIp,
          'flannel.alpha.coreos.com/backend-type': 'vxlan',
          'flannel.alpha.coreos.com/public-ip': node.internalIp,
          'k3s.io/hostname': node.name,
          'k3s.io/internal-ip': node.internalIp,
          'k3s.io/node-args': node.controlPlane ? '["server"]' : '["agent"]',
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
      }),
    },
    spec,
    status: {
      addresses: [
        { address: node.internalIp, type: 'InternalIP' },
        { address: node.name, type: 'Hostname' },
      ],
      allocatable: resources,
      capacity: resources,
      conditions: [
        pressure(
          'MemoryPressure',
          ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
          ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
        ),
        pressure('DiskPressure', ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'], ['KubeletHasDiskPressure', 'kubelet has disk pressure']),
        pressure(
          'PIDPressure',
          ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
          ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
        ),
        {
          lastHeartbeatTime: iso(heartbeat),
          lastTransitionTime: iso(node.readyChangedAt),
          message: node.ready
            ? 'kubelet is posting ready status'
            : reporting
              ? 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized'
              : 'Kubelet stopped posting node status.',
          reason: node.ready ? 'KubeletReady' : reporting ? 'KubeletNotReady' : 'NodeStatusUnknown',
          status: node.ready ? 'True' : node.notReadyStatus,
          type: 'Ready',
        },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: node.bootId,
        containerRuntimeVersion: 'containerd://1.7.23-k3s2',
        kernelVersion: node.kernel,
        kubeProxyVersion: K3S_VERSION,
        kubeletVersion: K3S_VERSION,
        machineID: node.machineId,
        operatingSystem: 'linux',
        osImage: node.osImage,
        systemUUID: node.machineId,
      },
    },
  };
}

export type EventInput = {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  involved: { kind: string; namespace?: string; name: string; uid: string; apiVersion: string; fieldPath?: string };
  component: string;
  host?: string;
};

export function renderEvent(input: EventInput, name: string, uid: string, first: number, last: number, count: number): KubeObject {
  const namespace = input.involved.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: buildMeta({ name, namespace, uid, createdAt: first }),
    involvedObject: {
      apiVersion: input.involved.apiVersion,
      ...(input.involved.fieldPath ? { fieldPath: input.involved.fieldPath } : {}),
      kind: input.involved.kind,
      name: input.involved.name,
      ...(input.involved.namespace ? { namespace: input.involved.namespace } : {}),
      uid: input.involved.uid,
    },
    reason: input.reason,
    message: input.message,
    source: { component: input.component, ...(input.host ? { host: input.host } : {}) },
    firstTimestamp: iso(first),
    lastTimestamp: iso(last),
    count,
    type: input.type,
    eventTime: null,
    reportingComponent: input.component,
    reportingInstance: input.host ?? '',
  };
}
