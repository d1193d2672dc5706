// Nodes → contract NodeInfo, as pure functions.
import type { NodeInfo, NodeStatus } from '../../src/contract/index.ts';
import { LIMITS } from '../../src/contract/index.ts';
import type { Node, NodeMetrics } from '../kube-objects.ts';
import { parseBytes, parseCpuMilli } from '../quantity.ts';
import type { Usage } from './pods.ts';
import { clampText, toUnixSeconds } from './text.ts';

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** Node roles as kubectl's ROLES column finds them: node-role.kubernetes.io/<role> labels and kubernetes.io/role. */
export function findNodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === 'kubernetes.io/role' && value) roles.add(value);
  }
  return [...roles]
    .sort()
    .slice(0, LIMITS.rolesPerNode)
    .map((r) => clampText(r, LIMITS.word));
}

/** Node usage from metrics.k8s.io keyed by node name. */
export function indexNodeUsage(metrics: NodeMetrics[]): Map<string, Usage> {
  return new Map(metrics.map((m) => [m.metadata.name, { cpuMilli: parseCpuMilli(m.usage?.cpu), memBytes: parseBytes(m.usage?.memory) }]));
}

function readNodeStatus(node: Node): NodeStatus {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return 'Ready';
  if (ready?.status === 'False') return 'NotReady';
  return 'Unknown';
}

/** Maps one node. `usage` is undefined when metrics are unavailable (fields then absent, not 0). */
export function mapNode(node: Node, usage: Usage | undefined, podCount: number): NodeInfo {
  const info = node.status?.nodeInfo;
  const pressures = (node.status?.conditions ?? [])
    .filter((c) => c.type !== 'Ready' && c.status === 'True')
    .map((c) => clampText(c.type, LIMITS.word))
    .slice(0, 16);
  const internalIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const mapped: NodeInfo = {
    name: clampText(node.metadata.name, LIMITS.name),
    status: readNodeStatus(node),
    roles: findNodeRoles(node.metadata.labels),
    kubeletVersion: clampText(info?.kubeletVersion, LIMITS.version),
    cpuCapacityMilli: parseCpuMilli(node.status?.capacity?.cpu),
    memCapacityBytes: parseBytes(node.status?.capacity?.memory),
    cpuAllocatableMilli: parseCpuMilli(node.status?.allocatable?.cpu),
    memAllocatableBytes: parseBytes(node.status?.allocatable?.memory),
    podCount,
    unschedulable: node.spec?.unschedulable === true,
    pressures,
    createdUnix: toUnixSeconds(node.metadata.creationTimestamp),
  };
  if (usage) {
    mapped.cpuUsageMilli = usage.cpuMilli;
    mapped.memUsageBytes = usage.memBytes;
  }
  if (internalIP) mapped.internalIP = clampText(internalIP, LIMITS.word);
  if (info?.osImage) mapped.osImage = clampText(info.osImage, LIMITS.word);
  if (info?.architecture) mapped.architecture = clampText(info.architecture, LIMITS.word);
  if (info?.containerRuntimeVersion) mapped.containerRuntimeVersion = clampText(info.containerRuntimeVersion, LIMITS.word);
  return mapped;
}
