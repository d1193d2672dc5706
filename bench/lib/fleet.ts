// The fleet the page benchmarks show: an MSP's clusters spread over its customers' orgs, named as operators
// name edge clusters, with sizes that vary by cluster (1–5 nodes, 10–59 pods of src/testing/pod-fleet.ts) and
// the heartbeats their agents send. Deterministic: cluster `c` at beat `b` is always the same.
import { ALL_CAPABILITIES_OFF, makeHeartbeat, makeNode } from '../../src/testing/heartbeats';
import { makeFleetPods } from '../../src/testing/pod-fleet';
import type { HeartbeatV2, PodDetail } from '../../src/contract';

/** Customers of the MSP that owns the fleet: each cluster belongs to one (the page shows its name). */
export const CUSTOMERS = [
  'Northwind Retail',
  'Contoso Logistics',
  'Fabrikam Clinics',
  'Tailspin Air',
  'Wingtip Energy',
  'Adatum Farms',
  'Litware Labs',
  'Proseware Media',
  'Fourth Coffee',
  'Alpine Ski House',
];
const SITES = ['berlin', 'lisbon', 'oslo', 'lyon', 'porto', 'gdansk', 'malmo', 'graz', 'turin', 'ghent', 'cork', 'brno', 'tartu', 'split', 'basel', 'bilbao'];
const ROLES = ['store', 'edge', 'plant', 'clinic', 'depot'];
const ENVIRONMENTS = ['production', 'production', 'staging', 'dev', 'production'];

/** The capabilities most enrolled clusters run with: pods and logs on, metrics reachable. */
export const FLEET_CAPABILITIES = { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'SelfSubjectAccessReview get pods/log' } };

/** Cluster `c`'s name: a role, a site and a number, as operators name edge clusters. */
export function clusterName(c: number): string {
  const n = Math.floor(c / (ROLES.length * SITES.length)) + 1;
  return `${ROLES[c % ROLES.length]}-${SITES[Math.floor(c / ROLES.length) % SITES.length]}-${String(n).padStart(2, '0')}`;
}

/** What `POST /v1/clusters` gets for cluster `c`, in the customer org `customers[c % customers.length]`. */
export function clusterInput(c: number, customers: readonly string[]): { name: string; environment: string; orgId: string } {
  return { name: clusterName(c), environment: ENVIRONMENTS[c % ENVIRONMENTS.length]!, orgId: customers[c % customers.length]! };
}

/** The nodes and pods cluster `c` has: sizes vary by cluster (1–5 nodes, 10–59 pods). */
export const nodesOf = (c: number): number => 1 + (c % 5);
export const podsOf = (c: number): number => 10 + ((c * 7) % 50);

/** Creates the customer orgs under `parentId` through the API; returns their ids. */
export async function createCustomers(api: { call(method: string, path: string, body?: unknown): Promise<Response> }, parentId: string): Promise<string[]> {
  const customers: string[] = [];
  for (const name of CUSTOMERS) {
    const res = await api.call('POST', '/v1/orgs', { parentId, name });
    if (res.status !== 201) throw new Error(`customer org: ${res.status} ${await res.text()}`);
    customers.push(((await res.json()) as { id: string }).id);
  }
  return customers;
}

/** Cluster `c`'s heartbeat at beat `b` (usage moves with `b`); `pods` replaces its inventory when given. */
export function fleetHeartbeat(c: number, b: number, pods: PodDetail[] = makeFleetPods(c, podsOf(c), b)): HeartbeatV2 {
  const nodes = Array.from({ length: nodesOf(c) }, (_, i) =>
    makeNode(i, { cpuUsageMilli: 300 + ((c * 37 + b * 113 + i * 71) % 3400), memUsageBytes: Math.round((1.5 + ((c * 3 + b * 7 + i) % 50) / 10) * 1024 ** 3) }),
  );
  const agentVersion = ['0.4.0', '0.4.0', '0.4.0', '0.3.9', '0.4.1-rc.1'][c % 5];
  return makeHeartbeat({ pods, nodes, capabilities: FLEET_CAPABILITIES, agentVersion });
}
