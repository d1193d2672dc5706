// Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): the columns `kubectl get` shows,
// computed the way the API server's printers compute them (pod STATUS and RESTARTS logic included).
import type { JsonObject } from './objects.ts';
import type { KubeObject } from './store.ts';

type Column = { name: string; type: string; format: string; description: string; priority: number };
type Printer = { columns: Column[]; row: (object: KubeObject, now: number) => unknown[] };

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function wantsTable(accept: string | null): boolean {
  return accept !== null && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function col(name: string, description = '', priority = 0, type = 'string', format = ''): Column {
  return { name, type, format, description, priority };
}

/** apimachinery's HumanDuration: 45s, 3m10s, 5h, 2d4h, 90d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

function age(object: KubeObject, now: number): string {
  return since(object.metadata.creationTimestamp, now);
}

type ContainerStatus = { name: string; ready: boolean; restartCount: number; started?: boolean; state: Record<string, JsonObject | undefined>; lastState?: Record<string, JsonObject | undefined> };

/** kubectl's pod STATUS / READY / RESTARTS (printPod in pkg/printers/internalversion). */
export function describePod(pod: KubeObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = (pod.spec ?? {}) as { containers?: JsonObject[]; initContainers?: JsonObject[] };
  const status = (pod.status ?? {}) as { phase?: string; reason?: string; conditions?: { type: string; status: string }[]; initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
  const sidecars = new Set((spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => String(c.name)));
  let restarts = 0;
  let sidecarRestarts = 0;
  let total = (spec.containers ?? []).length + sidecars.size;
  let ready = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let reason = status.reason || status.phase || '';
  const finishedAt = (c: ContainerStatus): number => {
    const t = c.lastState?.terminated?.finishedAt;
    return typeof t === 'string' ? Date.parse(t) : 0;
  };
  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    restarts += c.restartCount;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    const sidecar = sidecars.has(c.name);
    if (sidecar) {
      sidecarRestarts += c.restartCount;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c));
    }
    const terminated = c.state.terminated;
    const waiting = c.state.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) reason = terminated.reason ? `Init:${String(terminated.reason)}` : `Init:ExitCode:${String(terminated.exitCode)}`;
    else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') reason = `Init:${String(waiting.reason)}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  const initializedCondition = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedCondition) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const containers = status.containerStatuses ?? [];
    for (let i = containers.length - 1; i >= 0; i--) {
      const c = containers[i];
      restarts += c.restartCount;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const waiting = c.state.waiting;
      const terminated = c.state.terminated;
      if (waiting && waiting.reason) reason = String(waiting.reason);
      else if (terminated && terminated.reason) reason = String(terminated.reason);
      else if (terminated) reason = `ExitCode:${String(terminated.exitCode)}`;
      else if (c.ready && c.state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  total = Math.max(total, 0);
  const restartText = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

function containersAndImages(template: unknown): [string, string] {
  const spec = ((template as { spec?: { containers?: JsonObject[] } } | undefined)?.spec ?? {}) as { containers?: JsonObject[] };
  const containers = spec.containers ?? [];
  return [containers.map((c) => String(c.name)).join(','), containers.map((c) => String(c.image)).join(',')];
}

function selectorText(selector: unknown): string {
  const labels = (selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
  const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  return text || '<none>';
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
const AGE = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

const PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [NAME, col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'), col('Status', 'The aggregate status of the containers in this pod.'), col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), AGE, col('IP', 'IP address allocated to the pod.', 1), col('Node', 'Name of the node where the pod is scheduled.', 1), col('Nominated Node', 'Name of the node where the pod is nominated.', 1), col('Readiness Gates', 'Readiness gates of the pod.', 1)],
    row: (pod, now) => {
      const d = describePod(pod, now);
      const status = (pod.status ?? {}) as JsonObject;
      const spec = (pod.spec ?? {}) as JsonObject;
      return [pod.metadata.name, d.ready, d.status, d.restarts, age(pod, now), status.podIP ?? '<none>', spec.nodeName ?? '<none>', status.nominatedNodeName ?? '<none>', '<none>'];
    },
  },
  nodes: {
    columns: [NAME, col('Status', 'The status of the node'), col('Roles', 'The roles of the node'), AGE, col('Version', 'Kubelet Version reported by the node.'), col('Internal-IP', 'List of internal IPs in the node.', 1), col('External-IP', 'List of external IPs in the node.', 1), col('OS-Image', 'OS Image reported by the node.', 1), col('Kernel-Version', 'Kernel Version reported by the node.', 1), col('Container-Runtime', 'Container Runtime Version reported by the node.', 1)],
    row: (node, now) => {
      const status = (node.status ?? {}) as { conditions?: { type: string; status: string }[]; nodeInfo?: JsonObject; addresses?: { type: string; address: string }[] };
      const readyCondition = (status.conditions ?? []).find((c) => c.type === 'Ready');
      const states = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
      if ((node.spec as JsonObject | undefined)?.unschedulable) states.push('SchedulingDisabled');
      const roles = Object.keys(node.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice('node-role.kubernetes.io/'.length)).sort();
      const address = (type: string): string => status.addresses?.find((a) => a.type === type)?.address ?? '<none>';
      const info = status.nodeInfo ?? {};
      return [node.metadata.name, states.join(','), roles.join(',') || '<none>', age(node, now), info.kubeletVersion ?? '', address('InternalIP'), address('ExternalIP'), info.osImage ?? '', info.kernelVersion ?? '', info.containerRuntimeVersion ?? ''];
    },
  },
  namespaces: {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    row: (ns, now) => [ns.metadata.name, (ns.status as JsonObject | undefined)?.phase ?? 'Active', age(ns, now)],
  },
  events: {
    columns: [col('Last Seen', 'Time when last event from this group was observed.'), col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'), col('Reason', 'Reason is why the action was taken.'), col('Object', 'The object that this event is about.'), col('Subobject', 'The subobject that this event is about.', 1), col('Source', 'The component reporting this event.', 1), col('Message', 'A human-readable description of the status of this operation.'), col('First Seen', 'The first time this event was observed.', 1), col('Count', 'The number of times this event has occurred.', 1), col('Name', 'The name of this event.', 1)],
    row: (event, now) => {
      const involved = (event.involvedObject ?? {}) as JsonObject;
      const source = (event.source ?? {}) as JsonObject;
      const count = num(event.count);
      const last = since(event.lastTimestamp, now);
      return [
        count > 1 ? `${last} (x${count} over ${since(event.firstTimestamp, now)})` : last,
        event.type ?? '',
        event.reason ?? '',
        `${String(involved.kind ?? '').toLowerCase()}/${String(involved.name ?? '')}`,
        involved.fieldPath ?? '',
        [source.component, source.host].filter(Boolean).join(', '),
        String(event.message ?? '').trim(),
        since(event.firstTimestamp, now),
        count,
        event.metadata.name,
      ];
    },
  },
  'apps/deployments': {
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'), col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1)],
    row: (d, now) => {
      const spec = (d.spec ?? {}) as JsonObject;
      const status = (d.status ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      return [d.metadata.name, `${num(status.readyReplicas)}/${num(spec.replicas)}`, num(status.updatedReplicas), num(status.availableReplicas), age(d, now), containers, images, selectorText(spec.selector)];
    },
  },
  'apps/replicasets': {
    columns: [NAME, col('Desired', 'Number of desired pods.'), col('Current', 'Number of actual replicas.'), col('Ready', 'The number of ready replicas for this replica set.'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    row: (rs, now) => {
      const spec = (rs.spec ?? {}) as JsonObject;
      const status = (rs.status ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      return [rs.metadata.name, num(spec.replicas), num(status.replicas), num(status.readyReplicas), age(rs, now), containers, images, selectorText(spec.selector)];
    },
  },
  'apps/statefulsets': {
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1)],
    row: (s, now) => {
      const spec = (s.spec ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      return [s.metadata.name, `${num((s.status as JsonObject | undefined)?.readyReplicas)}/${num(spec.replicas)}`, age(s, now), containers, images];
    },
  },
  'apps/daemonsets': {
    columns: [NAME, col('Desired', 'The number of nodes that should be running the daemon pod.'), col('Current', 'The number of nodes running at least one daemon pod.'), col('Ready', 'The number of nodes that should be running the daemon pod and have one or more running and ready.'), col('Up-to-date', 'The total number of nodes that are running updated daemon pod'), col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'), col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'A label query over pods that are managed by the daemon set.', 1)],
    row: (ds, now) => {
      const spec = (ds.spec ?? {}) as JsonObject;
      const status = (ds.status ?? {}) as JsonObject;
      const [containers, images] = containersAndImages(spec.template);
      const nodeSelector = ((spec.template as { spec?: { nodeSelector?: Record<string, string> } } | undefined)?.spec?.nodeSelector) ?? {};
      return [ds.metadata.name, num(status.desiredNumberScheduled), num(status.currentNumberScheduled), num(status.numberReady), num(status.updatedNumberScheduled), num(status.numberAvailable), Object.entries(nodeSelector).map(([k, v]) => `${k}=${v}`).join(',') || '<none>', age(ds, now), containers, images, selectorText(spec.selector)];
    },
  },
  'batch/jobs': {
    columns: [NAME, col('Status', 'Status of the job.'), col('Completions', 'The completion status of the job.'), col('Duration', 'Time required to complete the job.'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    row: (job, now) => {
      const spec = (job.spec ?? {}) as JsonObject;
      const status = (job.status ?? {}) as { conditions?: { type: string; status: string }[]; succeeded?: number; startTime?: string; completionTime?: string };
      const has = (type: string): boolean => (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
      const state = has('Failed') ? 'Failed' : has('Complete') ? 'Complete' : has('Suspended') ? 'Suspended' : has('FailureTarget') ? 'FailureTarget' : 'Running';
      const start = status.startTime ? Date.parse(status.startTime) : null;
      const end = status.completionTime ? Date.parse(status.completionTime) : now;
      const [containers, images] = containersAndImages(spec.template);
      return [job.metadata.name, state, `${status.succeeded ?? 0}/${num(spec.completions) || 1}`, start === null ? '' : humanDuration(end - start), age(job, now), containers, images, selectorText(spec.selector)];
    },
  },
  'batch/cronjobs': {
    columns: [NAME, col('Schedule', 'The schedule in Cron format.'), col('Timezone', 'The timezone of the schedule.'), col('Suspend', 'Whether the cron job is suspended.'), col('Active', 'The number of currently running jobs.'), col('Last Schedule', 'When the last job was successfully scheduled.'), AGE, col('Containers', 'Names of each container in the template.', 1), col('Images', 'Images referenced by each container in the template.', 1), col('Selector', 'Label selector for pods.', 1)],
    row: (cj, now) => {
      const spec = (cj.spec ?? {}) as JsonObject;
      const status = (cj.status ?? {}) as { active?: unknown[]; lastScheduleTime?: string };
      const template = ((spec.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template);
      const [containers, images] = containersAndImages(template);
      return [cj.metadata.name, spec.schedule ?? '', spec.timeZone ?? '<none>', String(spec.suspend ?? false) === 'true' ? 'True' : 'False', (status.active ?? []).length, status.lastScheduleTime ? since(status.lastScheduleTime, now) : '<none>', age(cj, now), containers, images, '<none>'];
    },
  },
  secrets: {
    columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'The number of entries in the secret'), AGE],
    row: (s, now) => [s.metadata.name, s.type ?? 'Opaque', Object.keys((s.data ?? {}) as object).length, age(s, now)],
  },
  configmaps: {
    columns: [NAME, col('Data', 'Number of data in configmap'), AGE],
    row: (c, now) => [c.metadata.name, Object.keys((c.data ?? {}) as object).length + Object.keys((c.binaryData ?? {}) as object).length, age(c, now)],
  },
  services: {
    columns: [NAME, col('Type', 'The type of the service'), col('Cluster-IP', 'The cluster IP of the service'), col('External-IP', 'The external IP of the service'), col('Port(s)', 'The ports of the service'), AGE, col('Selector', 'The selector of the service', 1)],
    row: (s, now) => {
      const spec = (s.spec ?? {}) as { type?: string; clusterIP?: string; ports?: { port: number; protocol?: string; nodePort?: number }[]; selector?: Record<string, string> };
      const ingress = ((s.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(Boolean);
      const external = ingress.length > 0 ? ingress.join(',') : spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
      const ports = (spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
      return [s.metadata.name, spec.type ?? 'ClusterIP', spec.clusterIP ?? '<none>', external, ports || '<none>', age(s, now), Object.entries(spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'];
    },
  },
  'policy/poddisruptionbudgets': {
    columns: [NAME, col('Min Available', 'The minimum number of pods that must be available'), col('Max Unavailable', 'The maximum number of pods that may be unavailable'), col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time'), AGE],
    row: (p, now) => {
      const spec = (p.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
      const status = (p.status ?? {}) as { disruptionsAllowed?: number };
      return [p.metadata.name, String(spec.minAvailable ?? 'N/A'), String(spec.maxUnavailable ?? 'N/A'), num(status.disruptionsAllowed), age(p, now)];
    },
  },
};

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], row: (o, now) => [o.metadata.name, age(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function buildTable(storeKey: string, objects: KubeObject[], include: IncludeObject, resourceVersion: string, continueToken?: string, remaining?: number): object {
  const printer = PRINTERS[storeKey] ?? DEFAULT_PRINTER;
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}), ...(remaining ? { remainingItemCount: remaining } : {}) },
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({
      cells: printer.row(object, now),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? object : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata } }),
    })),
  };
}
