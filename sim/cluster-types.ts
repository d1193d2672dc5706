// The simulated cluster's state, shared by the modules that evolve it (pods, workloads, events, metrics).
import type { LogHub } from './logs.ts';
import type { NodeModel, PodBehaviour, PodModel } from './objects.ts';
import type { Random } from './random.ts';
import type { KubeObject, Store } from './store.ts';

/** How the pods of one workload behave; kept beside the store so objects carry no simulator-only fields. */
export type WorkloadHints = {
  /** Behaviour of the pod at replica index i (default steady). */
  behaviours?: PodBehaviour[];
  /** Extra pods kept beside the replicas (an Evicted leftover, a pod stuck Terminating). */
  extras?: PodBehaviour[];
  /** Excluded from spontaneous rollouts (system components, broken apps). */
  pinned?: boolean;
};

export type Cluster = {
  name: string;
  store: Store;
  logs: LogHub;
  random: Random;
  nodes: NodeModel[];
  /** Pod models by "namespace/name"; the store holds their rendered JSON. */
  pods: Map<string, PodModel>;
  /** Hints by workload uid. */
  hints: Map<string, WorkloadHints>;
  /** Aggregated events by "involved uid|reason|message" (the kubelet's event correlation). */
  events: Map<string, KubeObject>;
  tickCount: number;
  metricsEnabled: boolean;
  /** Next pod IP host part per node index. */
  nextIp: number[];
};

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function containerLogKey(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}
