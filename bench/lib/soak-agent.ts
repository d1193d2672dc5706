// The soak benchmark's agents (bench/soak.ts): each cluster's beats as its agent builds them, given what the
// control plane acknowledged so far (agent/heartbeat-delta.ts, agent/heartbeat-workloads.ts).
import { makeWorkloadsFor } from '../../src/testing/heartbeats';
import { makeFleetPods } from '../../src/testing/pod-fleet';
import type { HeartbeatV2, PodDetail, WorkloadKind } from '../../src/contract';
import { describePods, makeDelta, type DescribedPods, type InventoryMemory } from '../../agent/heartbeat-delta';
import { attachWorkloadsBase, type TemplateMemory } from '../../agent/heartbeat-workloads';
import { fleetHeartbeat, podsOf } from './fleet';

export const INTERVAL_S = 15;
/** Every CHURN_EVERY-th cluster replaces a pod every beat and rolls its workloads out every ROLLOUT_BEATS beats. */
export const CHURN_EVERY = 10;
export const ROLLOUT_BEATS = 40;
const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** One agent's memory between beats, as the agent keeps it: the acknowledged inventory and workloads. */
export type AgentMemory = { inventory: InventoryMemory | null; templates: TemplateMemory };

/** Cluster `c`'s pods at beat `b`: in churning clusters one pod (a different one each beat) was replaced. */
function podsAt(c: number, b: number): PodDetail[] {
  const pods = makeFleetPods(c, podsOf(c), b);
  if (c % CHURN_EVERY !== 0) return pods;
  const k = b % pods.length;
  const p = pods[k]!;
  if (p.ownerKind !== 'Deployment') return pods;
  const suffix = Bun.hash(`${c}/${b}`).toString(36).slice(0, 5).padEnd(5, 'x');
  pods[k] = { ...p, name: `${p.name.slice(0, -5)}${suffix}`, uid: crypto.randomUUID(), startedUnix: p.startedUnix + b * INTERVAL_S };
  return pods;
}

/** The workloads the pods belong to, as the agent reports them (template tags move with `rollout`). */
function workloadsAt(pods: readonly PodDetail[], rollout: number): NonNullable<HeartbeatV2['workloads']> {
  const owned = pods.filter((p) => WORKLOAD_KINDS.includes(p.ownerKind));
  const kindOf = new Map(owned.map((p) => [`${p.namespace}/${p.ownerName}`, p.ownerKind as WorkloadKind]));
  return makeWorkloadsFor(owned, rollout).map((w) => ({ ...w, kind: kindOf.get(`${w.namespace}/${w.name}`) ?? 'Deployment' }));
}

/** Cluster `c`'s beat `b` as its agent would send it given what the server acknowledged so far. */
export function agentBeat(c: number, b: number, memory: AgentMemory): { body: HeartbeatV2; described: DescribedPods | null; rollout: number } {
  const pods = podsAt(c, b);
  const body = fleetHeartbeat(c, b, pods);
  const rollout = c % CHURN_EVERY === 0 ? Math.floor(b / ROLLOUT_BEATS) : 0;
  if (!attachWorkloadsBase(body, rollout, memory.templates)) {
    // Each template only while the server may lack it (agent/heartbeat-workloads.ts attachWorkloads).
    const workloads = workloadsAt(pods, rollout);
    const carried = new Set<string>();
    for (const w of workloads) {
      if ((!memory.templates.resendAll && memory.templates.sent.has(w.templateHash)) || carried.has(w.templateHash)) delete w.template;
      else carried.add(w.templateHash);
    }
    body.workloads = workloads;
    body.workloadsTruncated = false;
  }
  const described = describePods(body);
  if (described && memory.inventory) makeDelta(body, described, memory.inventory);
  return { body, described, rollout };
}
