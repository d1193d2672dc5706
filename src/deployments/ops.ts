// What a deployment's page and API show of it live: each cluster's apply status, health and drift, and its
// rollout in waves. Reads only; the engine and the actions write.
import type { Db } from '../db/client';
import { listWorkloads } from '../inventory/workloads';
import { listManagedObjects, type ManagedObjectRow } from '../inventory/managed';
import { findRevision, listClusterDeployments } from './store';
import { deploymentHealth, DEFAULT_PROGRESS_DEADLINE_MS, type Health } from './health';
import {
  findActiveDeploymentRollout,
  listDeploymentRollouts,
  listOpsTargets,
  listRolloutClusters,
  type OpsTarget,
  type RolloutClusterView,
} from './waves-store';
import type { DeploymentRollout } from './waves-schema';
import type { ObjectRef } from './vocabulary';

/** A deployment is never shown on more clusters than this at once (the fleet a rollout may take). */
export const MAX_OPS_CLUSTERS = 1000;

export type DriftedObject = { apiVersion: string; kind: string; namespace: string; name: string; fields: string[]; observedAt: Date };

export type ClusterOps = OpsTarget & { health: Health; healthMessage: string; drift: DriftedObject[] };

/** Revisions' object lists, each read once per request. */
function revisionObjects(db: Db, deploymentId: string): (n: number | null) => Promise<readonly ObjectRef[]> {
  const cache = new Map<number, Promise<readonly ObjectRef[]>>();
  return (n) => {
    if (n === null) return Promise.resolve([]);
    let p = cache.get(n);
    if (!p) {
      p = findRevision(db, deploymentId, n).then((r) => r?.objects ?? []);
      cache.set(n, p);
    }
    return p;
  };
}

/**
 * Each cluster of the deployment with its health (read against the revision applied there, else the one on
 * its way) and its drifted objects (`drift` by cluster id, from the agents' managed-object reports).
 */
export async function listClusterOps(db: Db, deploymentId: string, drift: ReadonlyMap<string, DriftedObject[]>, now: Date): Promise<ClusterOps[]> {
  const targets = await listOpsTargets(db, deploymentId, MAX_OPS_CLUSTERS);
  const objectsOf = revisionObjects(db, deploymentId);
  const out: ClusterOps[] = [];
  for (const t of targets) {
    const expected = await objectsOf(t.appliedRevision ?? t.desiredRevision);
    const h = deploymentHealth({
      clusterStatus: t.clusterStatus,
      expected,
      workloads: await listWorkloads(db, t.clusterId),
      now,
      deadlineMs: DEFAULT_PROGRESS_DEADLINE_MS,
    });
    out.push({ ...t, health: h.health, healthMessage: h.message, drift: drift.get(t.clusterId) ?? [] });
  }
  return out;
}

/** The active rollout, else the newest finished one, with its clusters; null when the deployment never had one. */
export async function currentRollout(db: Db, deploymentId: string): Promise<{ rollout: DeploymentRollout; clusters: RolloutClusterView[] } | null> {
  const rollout = (await findActiveDeploymentRollout(db, deploymentId)) ?? (await listDeploymentRollouts(db, deploymentId, 1))[0] ?? null;
  if (!rollout) return null;
  return { rollout, clusters: await listRolloutClusters(db, rollout) };
}

/** Drifted objects (in-sync ones left out) grouped by `keyOf` each managed row, from the agents' reports. */
async function groupDrift(
  db: Db,
  filter: { clusterId?: string; deploymentId?: string },
  keyOf: (m: ManagedObjectRow) => string,
): Promise<Map<string, DriftedObject[]>> {
  const out = new Map<string, DriftedObject[]>();
  for (const m of await listManagedObjects(db, filter)) {
    if (m.drift.length === 0) continue;
    const list = out.get(keyOf(m)) ?? [];
    list.push({ apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name, fields: m.drift, observedAt: m.observedAt });
    out.set(keyOf(m), list);
  }
  return out;
}

/** The deployment's drifted objects by cluster id. */
export function driftOfDeployment(db: Db, deploymentId: string): Promise<Map<string, DriftedObject[]>> {
  return groupDrift(db, { deploymentId }, (m) => m.clusterId);
}

/** One cluster's drifted objects by deployment id. */
export function driftOnCluster(db: Db, clusterId: string): Promise<Map<string, DriftedObject[]>> {
  return groupDrift(db, { clusterId }, (m) => m.deploymentId);
}

export type ClusterDriftRow = { deploymentId: string; deploymentName: string; revision: number | null; drift: DriftedObject[] };

/** Deployments (of `orgIds`) on the cluster whose objects drifted there, by deployment name; bounded. */
export async function clusterDriftRows(db: Db, clusterId: string, orgIds: readonly string[]): Promise<ClusterDriftRow[]> {
  const drift = await driftOnCluster(db, clusterId);
  if (drift.size === 0) return [];
  const rows = await listClusterDeployments(db, clusterId, MAX_OPS_CLUSTERS);
  return rows
    .filter((r) => drift.has(r.deploymentId) && orgIds.includes(r.deployment.orgId))
    .map((r) => ({
      deploymentId: r.deploymentId,
      deploymentName: r.deployment.name,
      revision: r.appliedRevision ?? r.desiredRevision,
      drift: drift.get(r.deploymentId)!,
    }));
}
