// Runtime evaluation: keeps a cluster's stored findings equal to what the rules say about its stored
// workloads. Ingest calls it for the workloads whose policy facts changed; settings changes (environment,
// rule toggles, exempt namespaces) re-evaluate whole clusters. Waivers are applied when findings are read
// (store.ts), so adding one or its expiry needs no evaluation.
import type { Db } from '../db/client';
import type { NewTimelineEntry } from '../clusters/timeline';
import { addTimeline } from '../clusters/timeline';
import { lockClusterForBeat } from '../clusters/store';
import type { Environment } from '../clusters/vocabulary';
import { listWorkloads, type StoredWorkload, type WorkloadRef } from '../inventory/workloads';
import { evaluatePolicies } from './engine';
import { policyInputFromWorkload } from './manifest';
import type { PolicyFindingRow, Resolution } from './schema';
import {
  insertFindings,
  listOpenFindings,
  loadEffectiveSettings,
  refreshFindings,
  resolveFindings,
  touchFindings,
  type EffectivePolicySettings,
  type NewFinding,
  type WorkloadKey,
} from './store';
import { workloadSubject, type PolicyFinding } from './vocabulary';

/** Workload entries per evaluation on the timeline; the rest is one summary line. */
export const MAX_POLICY_ENTRIES = 10;

export type PolicyCluster = { orgId: string; clusterId: string; environment: Environment };

/** What an evaluation does to stored findings. */
export type FindingsDiff = {
  insert: NewFinding[];
  refresh: { id: string; finding: PolicyFinding }[];
  touch: string[];
  resolve: { id: string; resolution: Resolution }[];
  /** Per workload subject: how many findings opened and resolved (for the timeline). */
  changes: Map<string, { opened: number; resolved: number }>;
};

/** One evaluated workload: what the rules now say, and why a finding no longer said stopped. */
export type Evaluated = { key: WorkloadKey; findings: PolicyFinding[]; why: (f: PolicyFindingRow) => Resolution };

const keyOf = (w: WorkloadKey): string => workloadSubject(w);
const rowKey = (r: PolicyFindingRow): string => workloadSubject({ namespace: r.namespace, kind: r.workloadKind, name: r.workloadName });

/** The findings the rules give one stored workload under the org's settings; [] when exempt or without template. */
export function desiredFindings(w: StoredWorkload, environment: Environment, settings: EffectivePolicySettings): PolicyFinding[] {
  if (settings.exemptNamespaces.includes(w.namespace)) return [];
  const input = policyInputFromWorkload(w, environment);
  return input ? evaluatePolicies(input, settings.disabled) : [];
}

/**
 * Pure: open rows of the evaluated workloads against what the rules now say. `desired` holds every
 * evaluated workload (an empty list resolves all its findings); `why` says why a finding that is no
 * longer desired stopped (fixed, its rule disabled, its namespace exempt, its workload removed).
 */
export function diffFindings(open: readonly PolicyFindingRow[], desired: ReadonlyMap<string, Evaluated>): FindingsDiff {
  const diff: FindingsDiff = { insert: [], refresh: [], touch: [], resolve: [], changes: new Map() };
  const bump = (subject: string, field: 'opened' | 'resolved'): void => {
    const c = diff.changes.get(subject) ?? { opened: 0, resolved: 0 };
    c[field]++;
    diff.changes.set(subject, c);
  };
  const openBySubject = new Map<string, PolicyFindingRow[]>();
  for (const r of open) {
    const list = openBySubject.get(rowKey(r));
    if (list) list.push(r);
    else openBySubject.set(rowKey(r), [r]);
  }
  for (const [subject, d] of desired) {
    const rows = openBySubject.get(subject) ?? [];
    const wanted = new Set<string>();
    for (const f of d.findings) {
      wanted.add(f.ruleId);
      const row = rows.find((r) => r.ruleId === f.ruleId);
      if (!row) {
        diff.insert.push({ ...d.key, finding: f });
        bump(subject, 'opened');
      } else if (row.severity !== f.severity || row.message !== f.message || JSON.stringify(row.containers) !== JSON.stringify(f.containers)) {
        diff.refresh.push({ id: row.id, finding: f });
      } else diff.touch.push(row.id);
    }
    for (const r of rows)
      if (!wanted.has(r.ruleId)) {
        diff.resolve.push({ id: r.id, resolution: d.why(r) });
        bump(subject, 'resolved');
      }
  }
  return diff;
}

async function writeDiff(tx: Db, clusterId: string, diff: FindingsDiff, now: Date): Promise<void> {
  await insertFindings(tx, clusterId, diff.insert, now);
  await refreshFindings(tx, diff.refresh, now);
  await touchFindings(tx, diff.touch, now);
  const byResolution = new Map<Resolution, string[]>();
  for (const r of diff.resolve) byResolution.set(r.resolution, [...(byResolution.get(r.resolution) ?? []), r.id]);
  for (const [resolution, ids] of byResolution) await resolveFindings(tx, ids, resolution, now);
}

/** Timeline lines: "3 new policy findings on ns/Deployment/web", "2 policy findings resolved on …", bounded. */
export function timelineOf(diff: FindingsDiff): NewTimelineEntry[] {
  const lines: NewTimelineEntry[] = [];
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  const entries = [...diff.changes].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [subject, c] of entries.slice(0, MAX_POLICY_ENTRIES)) {
    const parts = [c.opened ? `${plural(c.opened, 'new policy finding')}` : '', c.resolved ? `${plural(c.resolved, 'policy finding')} resolved` : ''].filter(
      Boolean,
    );
    lines.push({ kind: 'policy', message: `${parts.join(', ')} on ${subject}`, details: { workload: subject, opened: c.opened, resolved: c.resolved } });
  }
  if (entries.length > MAX_POLICY_ENTRIES) {
    const rest = entries.slice(MAX_POLICY_ENTRIES);
    const opened = rest.reduce((a, [, c]) => a + c.opened, 0);
    const resolved = rest.reduce((a, [, c]) => a + c.resolved, 0);
    lines.push({
      kind: 'policy',
      message: `…and ${rest.length} more workloads (${opened} new, ${resolved} resolved policy findings)`,
      details: { moreWorkloads: rest.length, opened, resolved },
    });
  }
  return lines;
}

function whyGone(settings: EffectivePolicySettings, namespace: string): (f: PolicyFindingRow) => Resolution {
  return (f) => (settings.exemptNamespaces.includes(namespace) ? 'exempt' : settings.disabled.has(f.ruleId) ? 'rule_disabled' : 'fixed');
}

/**
 * Ingest's one call (inside the heartbeat's transaction, cluster row locked): evaluates the workloads
 * whose policy facts changed and resolves the findings of removed ones. Returns the timeline lines,
 * which the heartbeat writes with its own. Nothing to do (no workload changes, or an agent before
 * protocol 4) costs nothing.
 */
export async function applyWorkloadPolicies(
  tx: Db,
  cluster: PolicyCluster,
  sync: { policyChanged: readonly StoredWorkload[]; removed: readonly WorkloadRef[] } | null,
  now: Date,
): Promise<NewTimelineEntry[]> {
  if (!sync || (sync.policyChanged.length === 0 && sync.removed.length === 0)) return [];
  const settings = await loadEffectiveSettings(tx, cluster.orgId);
  const desired = new Map<string, Evaluated>();
  // A workload whose template has not arrived yet (the agent is asked to resend) keeps its findings as they are.
  for (const w of sync.policyChanged.filter((x) => x.template !== null))
    desired.set(keyOf(w), { key: w, findings: desiredFindings(w, cluster.environment, settings), why: whyGone(settings, w.namespace) });
  for (const r of sync.removed) desired.set(keyOf(r), { key: r, findings: [], why: () => 'workload_removed' });
  const open = await listOpenFindings(
    tx,
    cluster.clusterId,
    [...desired.values()].map((d) => d.key),
  );
  const diff = diffFindings(open, desired);
  await writeDiff(tx, cluster.clusterId, diff, now);
  return timelineOf(diff);
}

/**
 * Every stored workload of one cluster against the current settings and environment (after a change
 * of environment, rule toggles or exempt namespaces), in its own transaction with the cluster row
 * locked as a heartbeat locks it, so the two never interleave. Writes its timeline lines.
 */
export async function reevaluateClusterPolicies(db: Db, clusterId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await lockClusterForBeat(tx, clusterId);
    if (!row) return;
    const settings = await loadEffectiveSettings(tx, row.org_id);
    const workloads = await listWorkloads(tx, clusterId);
    const desired = new Map<string, Evaluated>();
    for (const w of workloads.filter((x) => x.template !== null))
      desired.set(keyOf(w), { key: w, findings: desiredFindings(w, row.environment, settings), why: whyGone(settings, w.namespace) });
    const open = await listOpenFindings(tx, clusterId);
    // Findings of workloads no longer stored (the agent stopped sending workloads) go too.
    const stored = new Set(workloads.map(keyOf));
    for (const r of open) {
      const key = rowKey(r);
      if (!stored.has(key))
        desired.set(key, { key: { namespace: r.namespace, kind: r.workloadKind, name: r.workloadName }, findings: [], why: () => 'workload_removed' });
    }
    const diff = diffFindings(open, desired);
    await writeDiff(tx, clusterId, diff, now);
    await addTimeline(tx, clusterId, timelineOf(diff), now);
  });
}
