// The long names real fleets carry (an MSP's customer clusters, cloud node names, CronJob pods, deep registry
// paths), for tests that check pages still fit a laptop screen. Every name is within what Kubernetes accepts.
import type { PodDetail } from '../contract';
import { makePod } from './heartbeats';

export const LONG = {
  orgName: 'Northwind Manufacturing GmbH — Frankfurt Operations',
  userLocalPart: 'platform-operations-oncall-frankfurt',
  clusterNames: ['northwind-manufacturing-frankfurt-production-edge-01', 'northwind-manufacturing-frankfurt-staging-edge-02'],
  nodeNames: ['ip-10-0-143-201.eu-central-1.compute.internal', 'ip-10-0-151-17.eu-central-1.compute.internal', 'ip-10-0-162-244.eu-central-1.compute.internal'],
  namespace: 'customer-northwind-payments-production',
  podNames: [
    'customer-invoice-export-nightly-report-generator-28934520-x7k2p',
    'payments-reconciliation-worker-eu-central-7d9f8b6c5d-x8k2p',
    'elasticsearch-master-data-hot-eu-central-1a-0',
  ],
  ownerName: 'payments-reconciliation-worker-eu-central',
  image: 'registry.gitlab.example.com/northwind/platform/payments/reconciliation-worker:2024.11.3-rc.2',
} as const;

/** `n` pods in the long namespace, on the long nodes, with long names and images; the first one crash-loops, the second restarted once. */
export function longPods(n: number): PodDetail[] {
  return Array.from({ length: n }, (_, i) => {
    const base = makePod(i);
    const name = i < LONG.podNames.length ? LONG.podNames[i] : `${LONG.ownerName}-7d9f8b6c5d-${String(i).padStart(5, '0')}`;
    const crash = i === 0;
    return {
      ...base,
      namespace: LONG.namespace,
      name,
      nodeName: LONG.nodeNames[i % LONG.nodeNames.length],
      ownerName: LONG.ownerName,
      status: crash ? 'CrashLoopBackOff' : base.status,
      restarts: crash ? 14 : i === 1 ? 1 : base.restarts,
      ready: crash ? '1/2' : base.ready,
      containerDetails: base.containerDetails.map((c, j) => ({
        ...c,
        name: j === 0 ? 'reconciliation-worker-main-application-container' : c.name,
        image: j === 0 ? LONG.image : c.image,
        ...(crash && j === 0
          ? {
              ready: false,
              restarts: 14,
              state: 'waiting' as const,
              stateReason: 'CrashLoopBackOff',
              lastTerminationReason: 'Error',
              lastTerminationExitCode: 1,
              lastTerminatedAt: 1_780_000_050,
            }
          : {}),
      })),
      ownerChain: [
        { kind: 'ReplicaSet', name: `${LONG.ownerName}-7d9f8b6c5d` },
        { kind: 'Deployment', name: LONG.ownerName },
      ],
      labels: {
        ...base.labels,
        'app.kubernetes.io/name': LONG.ownerName,
        'app.kubernetes.io/part-of': 'northwind-payments-platform',
        'topology.kubernetes.io/zone': 'eu-central-1a',
      },
    };
  });
}
