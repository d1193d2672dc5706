// Heartbeat ingest: writes only what changed. An unchanged inventory (the usual beat) is one
// statement writing two rows — the cluster row and one usage sample — whatever the pod count;
// anything else is one transaction that diffs and writes the difference.
import type { Db } from '../db/client';
import type { PodsHashHints } from '../deps';
import { LIMITS, type Capabilities, type CapabilityName } from '../contract';
import { detectBeatIncidents } from '../incidents/ingest';
import { changedAnything } from '../incidents/reconcile';
import { openSeverities } from '../incidents/store';
import { incidentTimeline } from '../incidents/timeline';
import { STATUS_LABEL, type ClusterStatus } from '../clusters/vocabulary';
import { lockClusterForBeat, recordBeat } from '../clusters/store';
import { readStoredInventory, rebuildInventory } from '../inventory/delta';
import { prepareEvents, prepareNodes, preparePods, takePodUsage, usageVectors, type PodInventory } from '../inventory/prepare';
import { clearPods, syncNodes, syncPods } from '../inventory/store';
import { recordUnchangedBeat, recordUsageSample, type BeatFacts, type SampleKeys } from '../inventory/usage';
import { clearWorkloads, listWorkloads, syncWorkloads, workloadSubject, workloadsSetHash, type WorkloadSync } from '../inventory/workloads';
import { replaceManagedObjects } from '../inventory/managed';
import { applyWorkloadPolicies } from '../policies/evaluate';
import { addTimeline, upsertEventEntries, type NewTimelineEntry } from '../clusters/timeline';
import { statusFromSeverities } from '../clusters/status-rules';
import type { Snapshot } from './heartbeat-parse';
import { beatAnswerColumns, toBeatAnswer, type BeatAnswer, type BeatAnswerRow } from './beat-answer';

/** Restart entries per beat on the timeline; a mass restart adds one summary line for the rest. */
const MAX_RESTART_ENTRIES = 20;

export type IngestResult =
  | {
      ok: true;
      status: ClusterStatus;
      podsStored: number;
      truncated: boolean;
      /** A workload's template hash arrived without its template and none is stored: the agent should send every template. */
      resendTemplates: boolean;
      /** The pod inventory generation now stored, which a delta beat may build on; null while truncated or without a list. */
      inventoryGeneration: string | null;
      /** A delta could not be applied (unknown base, mismatched usage): the agent must send every pod. */
      fullInventory: boolean;
      /** The workloads generation now stored, which `workloadsBase` may name; null without workloads or when unsure. */
      workloadsGeneration: string | null;
      /** The beat carried `managed` (protocol 8) and the set is stored. */
      managedStored?: boolean;
      /** Read in the statement that stored the beat (its one-statement path); absent after the full path. */
      answer?: BeatAnswer;
    }
  | { ok: false; reason: 'cluster_gone' };

/** Remembers the beat's pod-inventory digest in this replica's hints, which stay bounded. */
function rememberPodsHash(hints: PodsHashHints, clusterId: string, hash: string | null): void {
  if (hints.size >= 100_000) hints.clear();
  hints.set(clusterId, hash);
}

/** The generation a delta may build on: only a complete list is one. */
function generation(snap: Snapshot, podsHash: string | null): string | null {
  return snap.pods && !snap.podsTruncated ? podsHash : null;
}

const CAPABILITY_LABEL: Record<CapabilityName, string> = { pods: 'Pods', logs: 'Logs', apply: 'Apply', selfUpdate: 'Self-update', podMetrics: 'Pod metrics' };

/** Timeline lines for capabilities that appeared, turned on or turned off. */
export function capabilityChanges(previous: Capabilities | null, next: Capabilities | null): NewTimelineEntry[] {
  if (!next) return [];
  const out: NewTimelineEntry[] = [];
  for (const name of Object.keys(CAPABILITY_LABEL) as CapabilityName[]) {
    const was = previous?.[name]?.enabled ?? null;
    const now = next[name].enabled;
    if (was === now || (was === null && !now)) continue;
    out.push({
      kind: 'capability',
      message: `${CAPABILITY_LABEL[name]} ${now ? 'enabled' : 'disabled'} (${next[name].detectedBy})`,
      details: { capability: name, enabled: now, detectedBy: next[name].detectedBy },
    });
  }
  return out;
}

/**
 * Applies one validated heartbeat of `clusterId` at time `now` (the snapshot's pods lose their usage
 * fields on the way: they are moved into the usage sample). Usage and the inventory digest are
 * computed before the transaction opens; inside it, the cluster row is locked first so two beats of
 * the same cluster never diff against the same old state. Per-pod work happens only when the
 * digest says the inventory changed. `hints` are this replica's (see PodsHashHints); without them
 * every beat tries the one-statement path first.
 */
export async function ingestHeartbeat(db: Db, clusterId: string, snap: Snapshot, now: Date, hints?: PodsHashHints): Promise<IngestResult> {
  const result = await ingestInventory(db, clusterId, snap, now, hints);
  // The managed set travels only when it changed (first beat, drift, apply, prune): its own short transaction,
  // after the inventory, so the usual beat's one-statement path stays one statement.
  if (!result.ok || !snap.managed) return result;
  if (!(await replaceManagedObjects(db, clusterId, snap.managed, now))) return { ok: false, reason: 'cluster_gone' };
  return { ...result, managedStored: true };
}

async function ingestInventory(db: Db, clusterId: string, snap: Snapshot, now: Date, hints?: PodsHashHints): Promise<IngestResult> {
  if (!snap.inventory) return (await ingestSnapshot(db, clusterId, snap, now, hints, null, null))!;
  const delta = snap.inventory;
  // The usual delta changes no pod: its usage vectors follow the stored key set, which the one-statement
  // path checks (it holds the stored generation's keys), so that statement is all the beat needs.
  if (delta.changed.length === 0 && delta.removed.length === 0 && !snap.podsTruncated && delta.cpuMilli.length === delta.memBytes.length) {
    const inventory: PodInventory = { keys: [], cpu: delta.cpuMilli, mem: delta.memBytes, json: [], hashes: [], setHash: delta.base };
    const keys: SampleKeys = { kind: 'stored', pods: delta.cpuMilli.length };
    const fast = await ingestSnapshot(db, clusterId, { ...snap, inventory: null }, now, hints, inventory, keys);
    if (fast) return fast;
  }
  // Otherwise the delta is rebuilt into the full list from the stored rows, then ingested like a full
  // beat. On any doubt the beat's other facts are still stored, over the stored pods, and every pod is asked for.
  const stored = await readStoredInventory(db, clusterId);
  const applied =
    stored.podsHash === delta.base && !snap.podsTruncated ? rebuildInventory(stored, delta, { cpuMilli: delta.cpuMilli, memBytes: delta.memBytes }) : null;
  if (applied && applied.pods.length <= LIMITS.podsPerHeartbeat)
    return (await ingestSnapshot(db, clusterId, { ...snap, pods: applied.pods, inventory: null }, now, hints, applied.inventory, null))!;
  const kept = rebuildInventory(stored, { changed: [], removed: [] }, null)!;
  const result = (await ingestSnapshot(db, clusterId, { ...snap, pods: kept.pods, inventory: null }, now, hints, kept.inventory, null))!;
  return result.ok ? { ...result, inventoryGeneration: null, fullInventory: true } : result;
}

/**
 * Ingests a snapshot with its pod list; `inventory` is the list's usage and digests when already taken
 * out. With `storedKeys` (a delta without its keys), only the one-statement path is tried: null when the
 * beat needs more.
 */
async function ingestSnapshot(
  db: Db,
  clusterId: string,
  snap: Snapshot,
  now: Date,
  hints: PodsHashHints | undefined,
  inventory: PodInventory | null,
  storedKeys: SampleKeys | null,
): Promise<IngestResult | null> {
  const podUsage = inventory ?? (snap.pods ? takePodUsage(snap.pods) : null);
  const nodes = prepareNodes(snap.nodes);
  const usage = usageVectors(clusterId, podUsage, nodes);
  const events = prepareEvents(snap.events, now);
  let cpuUsage: number | null = null;
  let memUsage: number | null = null;
  for (const n of nodes.nodes) {
    if (n.cpu !== null) cpuUsage = (cpuUsage ?? 0) + n.cpu;
    if (n.mem !== null) memUsage = (memUsage ?? 0) + n.mem;
  }
  const facts: BeatFacts = {
    protocol: snap.protocol,
    k8sVersion: snap.k8sVersion,
    distribution: snap.distribution,
    platform: snap.platform,
    podsTotal: Math.max(snap.counts.pods, snap.podsTotal),
    podsRunning: snap.counts.podsRunning,
    podsFailed: snap.counts.podsFailed,
    namespaces: snap.counts.namespaces,
    cpuUsageMilli: cpuUsage,
    memUsageBytes: memUsage,
  };

  // A base names the stored workloads: the fast path holds only while it is the stored digest.
  const workloadsHash = snap.workloads ? workloadsSetHash(snap.workloads) : snap.workloadsBase;
  const expect = {
    podsHash: podUsage?.setHash ?? null,
    workloadsHash,
    nodesHash: nodes.setHash,
    eventsHash: events.setHash,
    agentVersion: snap.agentVersion,
    capabilitiesJson: snap.capabilities ? JSON.stringify(snap.capabilities) : null,
    podsTruncated: snap.podsTruncated,
  };
  // The one-statement path is tried unless this replica knows the pod inventory just changed
  // (then the attempt would be a wasted round trip). The hint only picks the order, never the outcome.
  const hint = hints?.get(clusterId);
  const unchanged =
    hint === undefined || hint === expect.podsHash
      ? await recordUnchangedBeat<BeatAnswerRow>(db, clusterId, expect, facts, usage, now, storedKeys ?? { kind: 'beat' }, beatAnswerColumns(clusterId, now))
      : null;
  if (hints) rememberPodsHash(hints, clusterId, expect.podsHash);
  if (unchanged)
    return {
      ok: true,
      status: unchanged.status as ClusterStatus,
      podsStored: podUsage ? podUsage.cpu.length : 0,
      truncated: snap.podsTruncated,
      resendTemplates: false,
      inventoryGeneration: generation(snap, expect.podsHash),
      fullInventory: false,
      workloadsGeneration: workloadsHash,
      answer: toBeatAnswer(unchanged),
    };
  if (storedKeys) return null;

  return db.transaction(async (tx) => {
    const prev = await lockClusterForBeat(tx, clusterId);
    if (!prev) return { ok: false as const, reason: 'cluster_gone' as const };
    const ctx = { orgId: prev.org_id, clusterId, environment: prev.environment };
    const timeline: NewTimelineEntry[] = [];
    const previousRestarts = new Map<string, number>();

    let podsStored = snap.pods ? prev.pods_listed : 0;
    if (snap.pods && podUsage && podUsage.setHash !== prev.pods_hash) {
      const prepared = preparePods(snap.pods, podUsage);
      podsStored = prepared.length;
      const sync = await syncPods(tx, clusterId, prepared, now);
      const climbed = sync.changed.filter((c) => c.previousRestarts !== null && c.pod.restarts > c.previousRestarts);
      for (const c of climbed.slice(0, MAX_RESTART_ENTRIES)) {
        const p = c.pod;
        timeline.push({
          kind: 'restart',
          message: `Pod ${p.namespace}/${p.name} restarted (${c.previousRestarts} → ${p.restarts})${p.lastTermination ? `, last exit ${p.lastTermination}` : ''}`,
          details: { namespace: p.namespace, pod: p.name, restarts: p.restarts, previous: c.previousRestarts, lastTermination: p.lastTermination },
        });
      }
      if (climbed.length > MAX_RESTART_ENTRIES)
        timeline.push({
          kind: 'restart',
          message: `…and ${climbed.length - MAX_RESTART_ENTRIES} more pods restarted`,
          details: { more: climbed.length - MAX_RESTART_ENTRIES },
        });
      for (const c of sync.changed) if (c.previousRestarts !== null) previousRestarts.set(`${c.pod.namespace}/${c.pod.name}`, c.previousRestarts);
    } else if (!snap.pods && prev.pods_hash !== null) {
      await clearPods(tx, clusterId);
    }

    if (nodes.setHash !== prev.nodes_hash) await syncNodes(tx, clusterId, nodes.nodes, now);

    // Workloads (protocol 4+): written only when their digest moved; a missing template leaves the
    // digest unset so the next beat, which carries every template, takes this path again.
    // A base (protocol 7) stands for the stored workloads, which detection then reads; a base the server does not
    // hold changes nothing stored and asks for every workload again.
    let workloads: WorkloadSync | null = null;
    let storedSince: Map<string, Date | null> | undefined;
    const baseUnknown = snap.workloadsBase !== null && snap.workloadsBase !== prev.workloads_hash;
    if (snap.workloadsBase !== null) {
      const stored = await listWorkloads(tx, clusterId);
      snap = { ...snap, workloads: stored.map(({ template, ...w }) => (template ? { ...w, template } : w)) };
      storedSince = new Map(stored.map((w) => [workloadSubject(w), w.notReadySince]));
    } else if (snap.workloads && workloadsHash !== prev.workloads_hash) workloads = await syncWorkloads(tx, clusterId, snap.workloads, now);
    else if (!snap.workloads && prev.workloads_hash !== null)
      workloads = { changed: [], policyChanged: [], removed: await clearWorkloads(tx, clusterId), missingTemplates: false };
    timeline.push(...(await applyWorkloadPolicies(tx, ctx, workloads, now)));

    await recordUsageSample(tx, clusterId, usage, now, prev.usage_keys_id);
    if (events.setHash !== prev.events_hash) await upsertEventEntries(tx, clusterId, events.events);

    // Every kind, the offline one included (the beat itself ends it); writes only what differs.
    const wasAway = prev.status === 'unknown' || prev.status === 'offline' || prev.status === 'pending';
    const notReadySince = workloads ? new Map(workloads.changed.map((w) => [workloadSubject(w), w.notReadySince])) : storedSince;
    const incidents = await detectBeatIncidents(tx, ctx, snap, { previousRestarts, notReadySince }, now);
    timeline.push(...incidentTimeline(incidents));
    timeline.push(...capabilityChanges(prev.capabilities, snap.capabilities));
    if (prev.agent_version && prev.agent_version !== snap.agentVersion) {
      timeline.push({
        kind: 'agent',
        message: `Agent ${prev.agent_version} → ${snap.agentVersion} (protocol ${snap.protocol})`,
        details: { from: prev.agent_version, to: snap.agentVersion, protocol: snap.protocol },
      });
    }
    if (snap.podsTruncated && !prev.pods_truncated) {
      timeline.push({
        kind: 'truncation',
        message: `Pod list truncated: ${podsStored} of ${snap.podsTotal} pods stored${snap.truncatedByServer ? ' (server cap)' : ' (agent cap)'}`,
        details: { stored: podsStored, total: snap.podsTotal, byServer: snap.truncatedByServer },
      });
    } else if (!snap.podsTruncated && prev.pods_truncated) {
      timeline.push({ kind: 'truncation', message: `Pod list complete again (${podsStored} pods)`, details: { stored: podsStored } });
    }

    let status = prev.status;
    if (wasAway || changedAnything(incidents)) status = statusFromSeverities(await openSeverities(tx, clusterId));
    if (status !== prev.status)
      timeline.push({ kind: 'status', message: `${STATUS_LABEL[prev.status]} → ${STATUS_LABEL[status]}`, details: { from: prev.status, to: status } });

    const sum = (f: (n: (typeof nodes.nodes)[number]) => number): number => nodes.nodes.reduce((a, n) => a + f(n), 0);
    await recordBeat(tx, clusterId, {
      lastHeartbeatAt: now,
      ...facts,
      agentVersion: snap.agentVersion,
      capabilities: snap.capabilities,
      nodeCount: nodes.nodes.length,
      nodesReady: nodes.nodes.filter((n) => n.status === 'Ready').length,
      podsListed: podsStored,
      podsTruncated: snap.podsTruncated,
      cpuCapacityMilli: sum((n) => n.row.cpuCapacityMilli),
      memCapacityBytes: sum((n) => n.row.memCapacityBytes),
      cpuAllocatableMilli: sum((n) => n.row.cpuAllocatableMilli),
      memAllocatableBytes: sum((n) => n.row.memAllocatableBytes),
      podsHash: podUsage?.setHash ?? null,
      nodesHash: nodes.setHash,
      eventsHash: events.setHash,
      workloadsHash: baseUnknown ? prev.workloads_hash : workloads?.missingTemplates ? null : workloadsHash,
      usageKeysId: usage.keysId,
      ...(status !== prev.status ? { status, statusSince: now } : {}),
    });
    await addTimeline(tx, clusterId, timeline, now);
    return {
      ok: true as const,
      status,
      podsStored,
      truncated: snap.podsTruncated,
      resendTemplates: baseUnknown || (workloads?.missingTemplates ?? false),
      inventoryGeneration: generation(snap, podUsage?.setHash ?? null),
      fullInventory: false,
      workloadsGeneration: baseUnknown || workloads?.missingTemplates ? null : workloadsHash,
    };
  });
}
