// Workload inventory (protocol 4+): diffs a heartbeat's workloads against the stored ones and writes
// only what changed. Templates arrive once per hash (the agent omits a template it already sent), so
// a stored template is kept while its hash stays, and a hash with no template anywhere is reported
// so the server can ask the agent to send every template again.
import { createHash } from 'node:crypto';
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { PodTemplateFacts, WorkloadInfo, WorkloadKind } from '../contract';
import { clusterWorkloads, type ClusterWorkload } from './schema';

export type WorkloadRef = { kind: WorkloadKind; namespace: string; name: string };

export type StoredWorkload = WorkloadRef & {
  desired: number;
  ready: number;
  available: number;
  updated: number;
  progressing: boolean;
  labels: Record<string, string>;
  templateHash: string;
  /** null until the agent sent it. */
  template: PodTemplateFacts | null;
  hasPdb: boolean;
  /** First beat that saw ready < desired; null when ready >= desired. */
  notReadySince: Date | null;
  firstSeenAt: Date;
  updatedAt: Date;
};

export type WorkloadSync = {
  /** New, or any field changed (as written). */
  changed: StoredWorkload[];
  /** New, or template/labels/desired/PDB coverage changed: what policy rules read. */
  policyChanged: StoredWorkload[];
  removed: WorkloadRef[];
  /** A hash arrived without its template and none is stored: ask the agent for every template. */
  missingTemplates: boolean;
};

/** `${namespace}/${kind}/${name}`: how a workload is named in subjects, links and findings. */
export function workloadSubject(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

function digest(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 32);
}

/** Labels as sorted entries, so key order never changes a digest. */
function sortedLabels(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function contentHash(w: WorkloadInfo): string {
  return digest([w.desired, w.ready, w.available, w.updated, w.progressing, sortedLabels(w.labels), w.templateHash, w.hasPdb]);
}

function policyHash(w: WorkloadInfo): string {
  return digest([w.templateHash, sortedLabels(w.labels), w.desired, w.hasPdb]);
}

/**
 * Digest of a heartbeat's workloads without their templates (their hashes stand for them): equal to
 * the stored `clusters.workloads_hash` means nothing to diff. Order-independent.
 */
export function workloadsSetHash(list: readonly WorkloadInfo[]): string {
  const parts = list.map((w) => `${workloadSubject(w)}#${contentHash(w)}`).sort();
  return digest(parts);
}

function toStored(r: ClusterWorkload): StoredWorkload {
  return {
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    desired: r.desired,
    ready: r.ready,
    available: r.available,
    updated: r.updated,
    progressing: r.progressing,
    labels: r.labels,
    templateHash: r.templateHash,
    template: r.template,
    hasPdb: r.hasPdb,
    notReadySince: r.notReadySince,
    firstSeenAt: r.firstSeenAt,
    updatedAt: r.updatedAt,
  };
}

/**
 * Replaces the cluster's stored workloads with `list` (the caller holds the cluster's beat lock).
 * Reads the stored digests once, then writes only new and changed rows and deletes the gone ones.
 */
export async function syncWorkloads(db: Db, clusterId: string, list: readonly WorkloadInfo[], now: Date): Promise<WorkloadSync> {
  const stored = await db.select().from(clusterWorkloads).where(eq(clusterWorkloads.clusterId, clusterId));
  const byKey = new Map(stored.map((r) => [workloadSubject(r), r]));
  // A template of a hash may come with any workload of that hash (two Deployments of one chart).
  const templates = new Map<string, PodTemplateFacts>();
  for (const r of stored) if (r.template) templates.set(r.templateHash, r.template);
  for (const w of list) if (w.template) templates.set(w.templateHash, w.template);

  const writes: (typeof clusterWorkloads.$inferInsert)[] = [];
  const policyKeys = new Set<string>();
  let missingTemplates = false;
  const seen = new Set<string>();
  for (const w of list) {
    const key = workloadSubject(w);
    if (seen.has(key)) continue;
    seen.add(key);
    const old = byKey.get(key);
    const template = templates.get(w.templateHash) ?? null;
    if (!template) missingTemplates = true;
    const content = contentHash(w);
    const policy = policyHash(w);
    const templateArrived = old !== undefined && old.template === null && template !== null;
    if (old && old.contentHash === content && !templateArrived) continue;
    if (!old || old.policyHash !== policy || templateArrived) policyKeys.add(key);
    const notReady = w.ready < w.desired;
    writes.push({
      clusterId,
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
      desired: w.desired,
      ready: w.ready,
      available: w.available,
      updated: w.updated,
      progressing: w.progressing,
      labels: w.labels,
      templateHash: w.templateHash,
      template,
      hasPdb: w.hasPdb,
      notReadySince: notReady ? (old?.notReadySince ?? now) : null,
      contentHash: content,
      policyHash: policy,
      firstSeenAt: old?.firstSeenAt ?? now,
      updatedAt: now,
    });
  }
  const removed: WorkloadRef[] = stored.filter((r) => !seen.has(workloadSubject(r))).map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name }));

  const written: ClusterWorkload[] = [];
  // Bounded statements: a 5000-workload first beat is a few inserts, not one huge one.
  for (let i = 0; i < writes.length; i += 500) {
    const rows = await db
      .insert(clusterWorkloads)
      .values(writes.slice(i, i + 500))
      .onConflictDoUpdate({
        target: [clusterWorkloads.clusterId, clusterWorkloads.namespace, clusterWorkloads.kind, clusterWorkloads.name],
        set: {
          desired: sql`excluded.desired`,
          ready: sql`excluded.ready`,
          available: sql`excluded.available`,
          updated: sql`excluded.updated`,
          progressing: sql`excluded.progressing`,
          labels: sql`excluded.labels`,
          templateHash: sql`excluded.template_hash`,
          template: sql`excluded.template`,
          hasPdb: sql`excluded.has_pdb`,
          notReadySince: sql`excluded.not_ready_since`,
          contentHash: sql`excluded.content_hash`,
          policyHash: sql`excluded.policy_hash`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning();
    written.push(...rows);
  }
  // One statement for every gone workload (a deleted namespace takes many at once).
  if (removed.length) await db.delete(clusterWorkloads).where(or(...removed.map((r) => refWhere(clusterId, r))));
  const changed = written.map(toStored);
  return { changed, policyChanged: changed.filter((w) => policyKeys.has(workloadSubject(w))), removed, missingTemplates };
}

/** Deletes every stored workload of the cluster (its agent stopped sending them); returns what was there. */
export async function clearWorkloads(db: Db, clusterId: string): Promise<WorkloadRef[]> {
  return db
    .delete(clusterWorkloads)
    .where(eq(clusterWorkloads.clusterId, clusterId))
    .returning({ kind: clusterWorkloads.kind, namespace: clusterWorkloads.namespace, name: clusterWorkloads.name });
}

/** The cluster's stored workloads, by namespace, kind and name. */
export async function listWorkloads(db: Db, clusterId: string): Promise<StoredWorkload[]> {
  const rows = await db
    .select()
    .from(clusterWorkloads)
    .where(eq(clusterWorkloads.clusterId, clusterId))
    .orderBy(clusterWorkloads.namespace, clusterWorkloads.kind, clusterWorkloads.name);
  return rows.map(toStored);
}

export async function findWorkload(db: Db, clusterId: string, ref: WorkloadRef): Promise<StoredWorkload | null> {
  const [row] = await db.select().from(clusterWorkloads).where(refWhere(clusterId, ref));
  return row ? toStored(row) : null;
}

/** The row of one workload of a cluster (its primary key). */
function refWhere(clusterId: string, ref: WorkloadRef): SQL | undefined {
  return and(
    eq(clusterWorkloads.clusterId, clusterId),
    eq(clusterWorkloads.namespace, ref.namespace),
    eq(clusterWorkloads.kind, ref.kind),
    eq(clusterWorkloads.name, ref.name),
  );
}
