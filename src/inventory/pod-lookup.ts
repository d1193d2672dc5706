// Reads of the pod inventory other domains need by name: one pod with its containers (log streams pick a
// container), a bounded searchable list of a cluster's pods, the pods of one workload across clusters, and the
// pods that replaced one that is gone.
import { and, asc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import { isUuid, type Db } from '../db/client';
import type { ContainerDetail } from '../contract';
import { clusters } from '../clusters/schema';
import { clusterPods } from './schema';

export type PodContainer = Pick<ContainerDetail, 'name' | 'kind' | 'restarts' | 'state' | 'stateReason' | 'lastTerminationReason' | 'lastTerminatedAt'>;

export type PodBrief = {
  clusterId: string;
  namespace: string;
  name: string;
  status: string;
  phase: string;
  restarts: number;
  ready: string;
  ownerKind: string;
  ownerName: string;
  /** Every container of the pod, init containers and native sidecars included (`kind` says which). */
  containers: PodContainer[];
};

const columns = {
  clusterId: clusterPods.clusterId,
  namespace: clusterPods.namespace,
  name: clusterPods.name,
  status: clusterPods.status,
  phase: clusterPods.phase,
  restarts: clusterPods.restarts,
  ready: clusterPods.ready,
  ownerKind: clusterPods.ownerKind,
  ownerName: clusterPods.ownerName,
  names: clusterPods.containers,
  details: sql<ContainerDetail[] | null>`${clusterPods.detail}->'containerDetails'`,
};

type Raw = {
  [K in keyof typeof columns]: K extends 'details' ? ContainerDetail[] | null : K extends 'restarts' ? number : K extends 'names' ? string[] : string;
};

function toBrief(r: Raw): PodBrief {
  const details = Array.isArray(r.details) ? r.details : [];
  const containers: PodContainer[] = details.length
    ? details.map((c) => ({
        name: c.name,
        kind: c.kind,
        restarts: c.restarts,
        state: c.state,
        stateReason: c.stateReason,
        lastTerminationReason: c.lastTerminationReason,
        lastTerminatedAt: c.lastTerminatedAt,
      }))
    : r.names.map((name) => ({ name, kind: 'app' as const, restarts: 0, state: 'running' as const }));
  return {
    clusterId: r.clusterId,
    namespace: r.namespace,
    name: r.name,
    status: r.status,
    phase: r.phase,
    restarts: r.restarts,
    ready: r.ready,
    ownerKind: r.ownerKind,
    ownerName: r.ownerName,
    containers,
  };
}

/** The pod as of the latest heartbeat; null when the cluster did not report it. */
export async function findPodBrief(db: Db, clusterId: string, namespace: string, name: string): Promise<PodBrief | null> {
  const [row] = await db
    .select(columns)
    .from(clusterPods)
    .where(and(eq(clusterPods.clusterId, clusterId), eq(clusterPods.namespace, namespace), eq(clusterPods.name, name)));
  return row ? toBrief(row as Raw) : null;
}

/** A cluster's pods by namespace and name, optionally matching `q` (pod, namespace or owner), at most `limit`. */
export async function listPodBriefs(db: Db, clusterId: string, opts: { q?: string; limit: number }): Promise<PodBrief[]> {
  const conds = [eq(clusterPods.clusterId, clusterId)];
  if (opts.q) {
    const like = `%${opts.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    conds.push(or(ilike(clusterPods.name, like), ilike(clusterPods.namespace, like), ilike(clusterPods.ownerName, like))!);
  }
  const rows = await db
    .select(columns)
    .from(clusterPods)
    .where(and(...conds))
    .orderBy(asc(clusterPods.namespace), asc(clusterPods.name))
    .limit(opts.limit);
  return (rows as Raw[]).map(toBrief);
}

/**
 * Pods of one workload (top owner kind/name, optionally one namespace) in clusters of `orgIds`, limited to
 * `clusterIds` when given; with each pod's cluster name.
 */
export async function listWorkloadPods(
  db: Db,
  scope: { orgIds: readonly string[]; clusterIds?: readonly string[] },
  owner: { kind: string; name: string; namespace?: string | null },
  limit: number,
): Promise<(PodBrief & { clusterName: string })[]> {
  if (scope.orgIds.length === 0) return [];
  const conds = [inArray(clusters.orgId, [...scope.orgIds]), eq(clusterPods.ownerKind, owner.kind), eq(clusterPods.ownerName, owner.name)];
  if (scope.clusterIds) {
    // An id that is not a uuid names no cluster (and would fail the uuid cast).
    const ids = scope.clusterIds.filter(isUuid);
    conds.push(inArray(clusterPods.clusterId, ids.length ? ids : ['00000000-0000-0000-0000-000000000000']));
  }
  if (owner.namespace) conds.push(eq(clusterPods.namespace, owner.namespace));
  const rows = await db
    .select({ ...columns, clusterName: clusters.name })
    .from(clusterPods)
    .innerJoin(clusters, eq(clusters.id, clusterPods.clusterId))
    .where(and(...conds))
    .orderBy(asc(clusters.name), asc(clusterPods.namespace), asc(clusterPods.name))
    .limit(limit);
  return rows.map((r) => ({ ...toBrief(r as unknown as Raw), clusterName: r.clusterName }));
}

/**
 * The pods that took the place of a pod the cluster no longer reports (a rollout replaced it, its node was
 * drained): the pods of the workload whose name the gone pod's name starts with ("web-7d9f-x2k4q" → the
 * Deployment "web"), the longest such name winning, as Kubernetes names a workload's pods after it. Null when
 * no workload of that namespace matches.
 */
export async function listReplacementPods(
  db: Db,
  clusterId: string,
  namespace: string,
  goneName: string,
  limit: number,
): Promise<{ ownerKind: string; ownerName: string; pods: PodBrief[] } | null> {
  const [owner] = await db
    .select({ kind: clusterPods.ownerKind, name: clusterPods.ownerName })
    .from(clusterPods)
    .where(
      and(
        eq(clusterPods.clusterId, clusterId),
        eq(clusterPods.namespace, namespace),
        sql`${clusterPods.ownerName} <> '' and starts_with(${goneName}, ${clusterPods.ownerName} || '-')`,
      ),
    )
    .orderBy(sql`length(${clusterPods.ownerName}) desc`)
    .limit(1);
  if (!owner) return null;
  const rows = await db
    .select(columns)
    .from(clusterPods)
    .where(
      and(
        eq(clusterPods.clusterId, clusterId),
        eq(clusterPods.namespace, namespace),
        eq(clusterPods.ownerKind, owner.kind),
        eq(clusterPods.ownerName, owner.name),
      ),
    )
    .orderBy(asc(clusterPods.name))
    .limit(limit);
  return { ownerKind: owner.kind, ownerName: owner.name, pods: (rows as Raw[]).map(toBrief) };
}
