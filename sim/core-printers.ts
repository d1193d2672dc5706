// The printers of the core API group (pods, nodes, namespaces, events, secrets, configmaps, services), with kubectl's
// pod STATUS / READY / RESTARTS logic.
import type { JsonObject } from './objects.ts';
import { AGE, age, col, humanDuration, NAME, num, type Printer, since } from './printing.ts';
import type { KubeObject } from './store.ts';

type ContainerStatus = {
  name: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  state: Record<string, JsonObject | undefined>;
  lastState?: Record<string, JsonObject | undefined>;
};

/** kubectl's pod STATUS / READY / RESTARTS (printPod in pkg/printers/internalversion). */
export function describePod(pod: KubeObject, now: number): { ready: string; status: string; restarts: string } {
  const spec = (pod.spec ?? {}) as { containers?: JsonObject[]; initContainers?: JsonObject[] };
  const status = (pod.status ?? {}) as {
    phase?: string;
    reason?: string;
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
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

export const CORE_PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [
      NAME,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'IP address allocated to the pod.', 1),
      col('Node', 'Name of the node where the pod is scheduled.', 1),
      col('Nominated Node', 'Name of the node where the pod is nominated.', 1),
      col('Readiness Gates', 'Readiness gates of the pod.', 1),
    ],
    row: (pod, now) => {
      const d = describePod(pod, now);
      const status = (pod.status ?? {}) as JsonObject;
      const spec = (pod.spec ?? {}) as JsonObject;
      return [
        pod.metadata.name,
        d.ready,
        d.status,
        d.restarts,
        age(pod, now),
        status.podIP ?? '<none>',
        spec.nodeName ?? '<none>',
        status.nominatedNodeName ?? '<none>',
        '<none>',
      ];
    },
  },
  nodes: {
    columns: [
      NAME,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of internal IPs in the node.', 1),
      col('External-IP', 'List of external IPs in the node.', 1),
      col('OS-Image', 'OS Image reported by the node.', 1),
      col('Kernel-Version', 'Kernel Version reported by the node.', 1),
      col('Container-Runtime', 'Container Runtime Version reported by the node.', 1),
    ],
    row: (node, now) => {
      const status = (node.status ?? {}) as {
        conditions?: { type: string; status: string }[];
        nodeInfo?: JsonObject;
        addresses?: { type: string; address: string }[];
      };
      const readyCondition = (status.conditions ?? []).find((c) => c.type === 'Ready');
      const states = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
      if ((node.spec as JsonObject | undefined)?.unschedulable) states.push('SchedulingDisabled');
      const roles = Object.keys(node.metadata.labels ?? {})
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l) => l.slice('node-role.kubernetes.io/'.length))
        .sort();
      const address = (type: string): string => status.addresses?.find((a) => a.type === type)?.address ?? '<none>';
      const info = status.nodeInfo ?? {};
      return [
        node.metadata.name,
        states.join(','),
        roles.join(',') || '<none>',
        age(node, now),
        info.kubeletVersion ?? '',
        address('InternalIP'),
        address('ExternalIP'),
        info.osImage ?? '',
        info.kernelVersion ?? '',
        info.containerRuntimeVersion ?? '',
      ];
    },
  },
  namespaces: {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    row: (ns, now) => [ns.metadata.name, (ns.status as JsonObject | undefined)?.phase ?? 'Active', age(ns, now)],
  },
  events: {
    columns: [
      col('Last Seen', 'Time when last event from this group was observed.'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'Reason is why the action was taken.'),
      col('Object', 'The object that this event is about.'),
      col('Subobject', 'The subobject that this event is about.', 1),
      col('Source', 'The component reporting this event.', 1),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'The first time this event was observed.', 1),
      col('Count', 'The number of times this event has occurred.', 1),
      col('Name', 'The name of this event.', 1),
    ],
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
  secrets: {
    columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'The number of entries in the secret'), AGE],
    row: (s, now) => [s.metadata.name, s.type ?? 'Opaque', Object.keys((s.data ?? {}) as object).length, age(s, now)],
  },
  configmaps: {
    columns: [NAME, col('Data', 'Number of data in configmap'), AGE],
    row: (c, now) => [c.metadata.name, Object.keys((c.data ?? {}) as object).length + Object.keys((c.binaryData ?? {}) as object).length, age(c, now)],
  },
  services: {
    columns: [
      NAME,
      col('Type', 'The type of the service'),
      col('Cluster-IP', 'The cluster IP of the service'),
      col('External-IP', 'The external IP of the service'),
      col('Port(s)', 'The ports of the service'),
      AGE,
      col('Selector', 'The selector of the service', 1),
    ],
    row: (s, now) => {
      const spec = (s.spec ?? {}) as {
        type?: string;
        clusterIP?: string;
        ports?: { port: number; protocol?: string; nodePort?: number }[];
        selector?: Record<string, string>;
      };
      const ingress = ((s.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? [])
        .map((i) => i.ip)
        .filter(Boolean);
      const external = ingress.length > 0 ? ingress.join(',') : spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
      const ports = (spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
      return [
        s.metadata.name,
        spec.type ?? 'ClusterIP',
        spec.clusterIP ?? '<none>',
        external,
        ports || '<none>',
        age(s, now),
        Object.entries(spec.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>',
      ];
    },
  },
  'policy/poddisruptionbudgets': {
    columns: [
      NAME,
      col('Min Available', 'The minimum number of pods that must be available'),
      col('Max Unavailable', 'The maximum number of pods that may be unavailable'),
      col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time'),
      AGE,
    ],
    row: (p, now) => {
      const spec = (p.spec ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
      const status = (p.status ?? {}) as { disruptionsAllowed?: number };
      return [p.metadata.name, String(spec.minAvailable ?? 'N/A'), String(spec.maxUnavailable ?? 'N/A'), num(status.disruptionsAllowed), age(p, now)];
    },
  },
};
