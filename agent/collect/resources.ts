// Effective pod requests and limits, as the scheduler and `kubectl describe node` count them.
import type { Container, ResourceList } from '../kube-objects.ts';
import { parseBytes, parseCpuMilli } from '../quantity.ts';
import { isSidecar } from './pod-status.ts';

export interface PodResources {
  cpuRequestMilli: number;
  cpuLimitMilli: number;
  memRequestBytes: number;
  memLimitBytes: number;
}

/** Requests and limits of one container, parsed once. */
export function readContainerResources(container: Container): PodResources {
  return {
    cpuRequestMilli: parseCpuMilli(container.resources?.requests?.cpu),
    cpuLimitMilli: parseCpuMilli(container.resources?.limits?.cpu),
    memRequestBytes: parseBytes(container.resources?.requests?.memory),
    memLimitBytes: parseBytes(container.resources?.limits?.memory),
  };
}

/**
 * Port of k8s resourcehelper.PodRequests/PodLimits: app containers and native sidecars add up; a
 * regular init container runs alone (next to the sidecars started before it), so the pod needs the
 * larger of the two; pod overhead is added on top. A missing limit counts as 0, so a pod limit of 0
 * means "no container sets one" (a partial sum when only some do, as kubectl describe shows it).
 * `read` lets a caller pass containers' already-parsed amounts.
 */
export function computePodResources(
  containers: Container[],
  initContainers: Container[] = [],
  overhead?: ResourceList,
  read: (container: Container) => PodResources = readContainerResources,
): PodResources {
  const total: PodResources = { cpuRequestMilli: 0, cpuLimitMilli: 0, memRequestBytes: 0, memLimitBytes: 0 };
  for (const container of containers) {
    const own = read(container);
    total.cpuRequestMilli += own.cpuRequestMilli;
    total.cpuLimitMilli += own.cpuLimitMilli;
    total.memRequestBytes += own.memRequestBytes;
    total.memLimitBytes += own.memLimitBytes;
  }
  const sidecars: PodResources = { cpuRequestMilli: 0, cpuLimitMilli: 0, memRequestBytes: 0, memLimitBytes: 0 };
  const peak: PodResources = { cpuRequestMilli: 0, cpuLimitMilli: 0, memRequestBytes: 0, memLimitBytes: 0 };
  for (const container of initContainers) {
    const own = read(container);
    const sidecar = isSidecar(container);
    for (const key of RESOURCE_KEYS) {
      let needed: number;
      if (sidecar) {
        total[key] += own[key];
        sidecars[key] += own[key];
        needed = sidecars[key];
      } else {
        needed = own[key] + sidecars[key];
      }
      if (needed > peak[key]) peak[key] = needed;
    }
  }
  for (const key of RESOURCE_KEYS) if (peak[key] > total[key]) total[key] = peak[key];
  if (overhead) {
    const cpu = parseCpuMilli(overhead.cpu);
    const mem = parseBytes(overhead.memory);
    total.cpuRequestMilli += cpu;
    total.memRequestBytes += mem;
    // Overhead raises every request, but only limits that exist (k8s PodLimits: "non-zero limits").
    if (total.cpuLimitMilli > 0) total.cpuLimitMilli += cpu;
    if (total.memLimitBytes > 0) total.memLimitBytes += mem;
  }
  return total;
}

const RESOURCE_KEYS = ['cpuRequestMilli', 'cpuLimitMilli', 'memRequestBytes', 'memLimitBytes'] as const;
