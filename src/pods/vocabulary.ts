// The words of the pod table and drawer that the API, the pages and the views share. Pure (no db, no
// config), so views import it too.

/**
 * Orders of the fleet pod table: name ascending, the others largest (or newest) first. `cpu` and `memory`
 * order by usage; `*_of_request` and `*_of_limit` by usage as a share of the pod's request or limit (pods
 * without one come last, like pods without metrics).
 */
export const POD_SORTS = ['name', 'restarts', 'age', 'cpu', 'memory', 'cpu_of_request', 'cpu_of_limit', 'memory_of_request', 'memory_of_limit'] as const;
export type PodSort = (typeof POD_SORTS)[number];

/** The sorts that order by usage (they read the usage rows first). */
export const USAGE_SORTS: readonly PodSort[] = ['cpu', 'memory', 'cpu_of_request', 'cpu_of_limit', 'memory_of_request', 'memory_of_limit'];

/** Why a pod is a problem pod (see the fleet pod index's flags and podProblems for one pod). */
export const POD_PROBLEMS = ['failing', 'crash_loop', 'restarting', 'not_ready', 'pending', 'oom_risk'] as const;
export type PodProblem = (typeof POD_PROBLEMS)[number];

/** The usage chart's windows, shortest first; a plan offers those within its retention. */
export const CHART_WINDOWS = [
  { key: '1h', seconds: 3600, label: '1 h' },
  { key: '6h', seconds: 6 * 3600, label: '6 h' },
  { key: '24h', seconds: 24 * 3600, label: '24 h' },
  { key: '7d', seconds: 7 * 86400, label: '7 d' },
  { key: '30d', seconds: 30 * 86400, label: '30 d' },
] as const;
export type ChartWindow = (typeof CHART_WINDOWS)[number]['key'];

/** One row of the fleet pod table, as the index query returns it and the view shows it. */
export type PodRow = {
  clusterId: string;
  namespace: string;
  name: string;
  status: string;
  phase: string;
  ready: string;
  restarts: number;
  nodeName: string;
  ownerKind: string;
  ownerName: string;
  /** Unix seconds; 0 = unknown. */
  createdUnix: number;
  images: string[];
  cpuRequestMilli: number;
  cpuLimitMilli: number;
  memRequestBytes: number;
  memLimitBytes: number;
  /** Null when the cluster has no metrics for the pod. */
  cpuMilli: number | null;
  memBytes: number | null;
  usageAt: Date | null;
  /** Why this is a problem pod (empty when it is not): failing, not_ready, crash_loop, restarting, pending, oom_risk. */
  problems: PodProblem[];
};

/** One workload in one cluster. */
export type WorkloadCluster = {
  clusterId: string;
  pods: number;
  /** Containers ready / containers, summed over the pods ("ready" column of each pod). */
  readyContainers: number;
  containers: number;
  restarts: number;
  images: string[];
  /** Pods per kubectl STATUS. */
  statuses: Record<string, number>;
};

/**
 * One workload: a namespace, a top owner kind and name, as Kubernetes identifies it. The same name in two
 * namespaces is two workloads (two teams' "api" share nothing); the same one in several clusters is one.
 */
export type WorkloadGroup = { namespace: string; ownerKind: string; ownerName: string; pods: number; clusters: WorkloadCluster[] };
