// The STATUS, READY and RESTARTS columns of `kubectl get pods`, ported from kubectl's printPod
// (kubernetes/pkg/printers/internalversion/printers.go) so the UI says exactly what kubectl would.
import type { Container, ContainerStatus, Pod } from '../kube-objects.ts';

export interface PodColumns {
  /** e.g. Running, CrashLoopBackOff, Init:0/2, Init:CrashLoopBackOff, Terminating, Completed, Evicted. */
  status: string;
  /** ready containers, counting app containers and started native sidecars. */
  readyContainers: number;
  /** app containers + native sidecars. */
  totalContainers: number;
  /** As kubectl counts: init containers while initializing, else app containers + native sidecars. */
  restarts: number;
}

/** A native sidecar: an init container that keeps running (restartPolicy Always). */
export function isSidecar(container: Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function hasCondition(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Computes what `kubectl get pods` prints for this pod. Order of checks follows kubectl; don't reorder. */
export function computePodColumns(pod: Pod): PodColumns {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const initContainers = spec.initContainers ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = spec.containers.length;
  let readyContainers = 0;

  const phase = status.phase ?? '';
  let reason = status.reason || phase;

  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initByName = new Map<string, Container>();
  for (const container of initContainers) {
    initByName.set(container.name, container);
    if (isSidecar(container)) totalContainers++;
  }

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i]!;
    restarts += container.restartCount ?? 0;
    const sidecar = isSidecar(initByName.get(container.name));
    if (sidecar) restartableInitRestarts += container.restartCount ?? 0;
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      // Initialization failed.
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = restartableInitRestarts;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // kubectl walks app containers last to first, so the first container's reason wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]!;
      restarts += container.restartCount ?? 0;
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (container.ready && container.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last-listed container completed but another still runs is not "Completed".
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp && !isTerminalPhase(phase)) {
    reason = 'Terminating';
  }

  return { status: reason, readyContainers, totalContainers, restarts };
}
