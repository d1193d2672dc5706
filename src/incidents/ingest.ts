// Incident detection on a heartbeat's slow path: the snapshot's facts → detect() → reconcile with the
// cluster's incidents, in the ingest transaction. Unchanged beats never get here (nothing changed, so
// nothing to detect); what happens only because time passes is advanceIncidents' job.
import type { Snapshot } from '../agents/heartbeat-parse';
import type { Environment } from '../clusters/vocabulary';
import { VERSION } from '../config';
import { PROTOCOL } from '../contract';
import type { Db } from '../db/client';
import { detect, type Condition, type DetectFacts } from './detection';
import { reconcileIncidents, type ReconcileResult } from './reconcile';
import { thresholdsFor } from './store';
import { INCIDENT_KINDS, type IncidentThresholds } from './vocabulary';

/** What ingest learned while writing the inventory, which the snapshot alone does not say. */
export type BeatExtras = {
  /** Restarts at the previous beat of pods that changed ("ns/name" → count). */
  previousRestarts?: ReadonlyMap<string, number>;
  /** notReadySince of workloads written this beat ("ns/Kind/name" → time). */
  notReadySince?: ReadonlyMap<string, Date | null>;
};

export function factsOfSnapshot(snap: Snapshot, extras: BeatExtras = {}): DetectFacts {
  const since = extras.notReadySince;
  return {
    protocol: snap.protocol,
    agentVersion: snap.agentVersion,
    pods: snap.pods,
    nodes: snap.nodes,
    workloads: snap.workloads ? snap.workloads.map((w) => ({ ...w, notReadySince: since?.get(`${w.namespace}/${w.kind}/${w.name}`) ?? null })) : null,
    podsTruncated: snap.podsTruncated,
    workloadsTruncated: snap.workloadsTruncated,
    previousRestarts: extras.previousRestarts,
  };
}

/**
 * The pure detection of one heartbeat, as ingest runs it (the entry point `bench/heartbeat` times for
 * detect_vs_ingest): no database, no clock.
 */
export function detectSnapshot(snap: Snapshot, environment: Environment, thresholds: IncidentThresholds, now: Date, extras: BeatExtras = {}): Condition[] {
  return detect(factsOfSnapshot(snap, extras), { environment, serverProtocol: PROTOCOL, serverAgentVersion: VERSION }, thresholds, now);
}

/**
 * Detects and reconciles every kind for the cluster (cluster_offline included: a beat arriving means
 * it is not offline). Called once per slow-path beat, inside the transaction holding the cluster row.
 */
export async function detectBeatIncidents(
  tx: Db,
  cluster: { orgId: string; clusterId: string; environment: Environment },
  snap: Snapshot,
  extras: BeatExtras,
  now: Date,
): Promise<ReconcileResult> {
  const thresholds = await thresholdsFor(tx, cluster.orgId);
  const conditions = detectSnapshot(snap, cluster.environment, thresholds, now, extras);
  return reconcileIncidents(tx, cluster, INCIDENT_KINDS, conditions, now);
}
