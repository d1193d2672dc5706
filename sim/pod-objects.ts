// A pod as the API server returns it, rendered from its model: the spec with the defaults admission adds
// (container defaults, the service-account token volume, tolerations), the QoS class, conditions and container
// statuses, and the managed fields k3s or kubectl would have recorded.
import { podManagedFields } from './managed-fields.ts';
import { buildMeta, type ContainerModel, iso, type JsonObject, type PodModel } from './objects.ts';
import type { KubeObject } from './store.ts';

/** Fill the defaults the API server adds to a container, so stored specs look like `kubectl get -o yaml`. */
export function defaultContainer(container: JsonObject): JsonObject {
  const image = String(container.image ?? '');
  const tag = image.includes('@') ? 'digest' : image.split('/').pop()?.split(':')[1];
  return {
    ...container,
    imagePullPolicy: container.imagePullPolicy ?? (tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent'),
    resources: container.resources ?? {},
    terminationMessagePath: container.terminationMessagePath ?? '/dev/termination-log',
    terminationMessagePolicy: container.terminationMessagePolicy ?? 'File',
  };
}

/** A pod spec as stored: template spec plus the defaults and the service-account token volume admission adds. */
export function defaultPodSpec(template: JsonObject, nodeName: string | null, volumeSuffix: string): JsonObject {
  const tokenVolume = `kube-api-access-${volumeSuffix}`;
  const mount = { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: tokenVolume, readOnly: true };
  const withMount = (c: JsonObject): JsonObject => {
    const defaulted = defaultContainer(c);
    const mounts = Array.isArray(c.volumeMounts) ? (c.volumeMounts as JsonObject[]) : [];
    return { ...defaulted, volumeMounts: [...mounts, mount] };
  };
  const containers = ((template.containers as JsonObject[] | undefined) ?? []).map(withMount);
  const initContainers = ((template.initContainers as JsonObject[] | undefined) ?? []).map(withMount);
  const volumes = Array.isArray(template.volumes) ? (template.volumes as JsonObject[]) : [];
  return {
    ...template,
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers,
    dnsPolicy: template.dnsPolicy ?? 'ClusterFirst',
    enableServiceLinks: template.enableServiceLinks ?? true,
    ...(nodeName ? { nodeName } : {}),
    preemptionPolicy: template.preemptionPolicy ?? 'PreemptLowerPriority',
    priority:
      template.priority ??
      (template.priorityClassName === 'system-cluster-critical' ? 2000000000 : template.priorityClassName === 'system-node-critical' ? 2000001000 : 0),
    restartPolicy: template.restartPolicy ?? 'Always',
    schedulerName: template.schedulerName ?? 'default-scheduler',
    securityContext: template.securityContext ?? {},
    serviceAccount: template.serviceAccountName ?? 'default',
    serviceAccountName: template.serviceAccountName ?? 'default',
    terminationGracePeriodSeconds: template.terminationGracePeriodSeconds ?? 30,
    tolerations: [
      ...((template.tolerations as JsonObject[] | undefined) ?? []),
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    ],
    volumes: [
      ...volumes,
      {
        name: tokenVolume,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
            { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
          ],
        },
      },
    ],
  };
}

/** Guaranteed / Burstable / BestEffort from requests and limits, as the API server computes qosClass. */
export function qosClassOf(spec: JsonObject): string {
  const containers = [...((spec.containers as JsonObject[]) ?? []), ...((spec.initContainers as JsonObject[]) ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const resources = (c.resources ?? {}) as { requests?: JsonObject; limits?: JsonObject };
    const requests = resources.requests ?? {};
    const limits = resources.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || (requests[r] !== undefined && requests[r] !== limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function renderContainerStatus(c: ContainerModel): JsonObject {
  const running = 'running' in c.state;
  const terminated = 'terminated' in c.state;
  return {
    ...(running || terminated ? { containerID: c.containerId } : {}),
    image: c.image,
    imageID: running || terminated || c.restartCount > 0 ? c.imageId : '',
    lastState: c.lastState ?? {},
    name: c.name,
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.started,
    state: c.state,
  };
}

function condition(type: string, ok: boolean, at: number, reason?: string, message?: string): JsonObject {
  return {
    lastProbeTime: null,
    lastTransitionTime: iso(at),
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    status: ok ? 'True' : 'False',
    type,
  };
}

export function renderPod(pod: PodModel): KubeObject {
  const meta = buildMeta({
    name: pod.name,
    namespace: pod.namespace,
    uid: pod.uid,
    createdAt: pod.createdAt,
    labels: pod.labels,
    annotations: pod.annotations,
    owner: pod.owner,
    generateName: pod.owner && pod.owner.kind !== 'StatefulSet' ? pod.name.slice(0, pod.name.lastIndexOf('-') + 1) : undefined,
  });
  if (pod.deletedAt !== null) {
    meta.deletionTimestamp = iso(pod.deletedAt);
    meta.deletionGracePeriodSeconds = 30;
  }
  if (pod.finalizers.length > 0) meta.finalizers = pod.finalizers;

  const status: JsonObject = { phase: pod.phase };
  const notReady = [...pod.initContainers.filter((c) => c.role === 'sidecar'), ...pod.containers].filter((c) => !c.ready).map((c) => c.name);
  const scheduledAt = pod.createdAt + 1000;
  if (pod.nodeName === null) {
    status.conditions = [condition('PodScheduled', false, pod.createdAt, 'Unschedulable', pod.message ?? undefined)];
    status.qosClass = qosClassOf(pod.spec);
  } else {
    const initialized = pod.initContainers.every((c) => (c.role === 'sidecar' ? c.started : 'terminated' in c.state && c.state.terminated.exitCode === 0));
    const terminal = pod.phase === 'Succeeded' || pod.phase === 'Failed';
    const sandboxReady = !terminal && pod.behaviour !== 'creating' && pod.behaviour !== 'mountfail';
    const ready = !terminal && notReady.length === 0 && pod.phase === 'Running';
    const containersReason = terminal && pod.phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady';
    const unreadyMessage = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
    const conditions = [
      condition('PodReadyToStartContainers', sandboxReady, scheduledAt + 2000),
      condition(
        'Initialized',
        initialized,
        scheduledAt + 3000,
        initialized ? (terminal && pod.phase === 'Succeeded' ? 'PodCompleted' : undefined) : 'ContainersNotInitialized',
        initialized ? undefined : `containers with incomplete status: [${pod.initContainers.map((c) => c.name).join(' ')}]`,
      ),
      condition('Ready', ready, pod.readySince, ready ? undefined : containersReason, ready ? undefined : unreadyMessage),
      condition('ContainersReady', ready, pod.readySince, ready ? undefined : containersReason, ready ? undefined : unreadyMessage),
      condition('PodScheduled', true, scheduledAt),
    ];
    if (pod.reason === 'Evicted') conditions.unshift(condition('DisruptionTarget', true, pod.readySince, 'TerminationByKubelet', pod.message ?? undefined));
    status.conditions = conditions;
    if (pod.reason) status.reason = pod.reason;
    if (pod.message) status.message = pod.message;
    status.hostIP = pod.hostIP;
    status.hostIPs = [{ ip: pod.hostIP }];
    if (pod.podIP && !terminal) {
      status.podIP = pod.podIP;
      status.podIPs = [{ ip: pod.podIP }];
    }
    // Evicted pods keep no container statuses: the kubelet that knew them has let go.
    if (pod.reason !== 'Evicted') {
      if (pod.initContainers.length > 0) status.initContainerStatuses = pod.initContainers.map(renderContainerStatus);
      status.containerStatuses = pod.containers.map(renderContainerStatus);
    }
    status.qosClass = qosClassOf(pod.spec);
    if (pod.startedAt !== null) status.startTime = iso(pod.startedAt);
  }
  // Pods of controllers are written by k3s (its embedded controller manager and kubelet); bare ones by kubectl.
  meta.managedFields = podManagedFields(
    { metadata: meta, spec: pod.spec, status },
    pod.owner ? 'k3s' : 'kubectl-create',
    iso(pod.createdAt),
    iso(pod.startedAt ?? pod.createdAt),
  );
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: pod.spec, status };
}
