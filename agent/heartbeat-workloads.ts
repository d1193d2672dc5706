// Protocol 4's workloads in a heartbeat: read from the watch cache, with each pod template sent only while the
// control plane may lack it — the first beat that carries its hash in this process, and every beat after the
// server answered `resendTemplates: true` (it lost or never stored one). Protocol 7: while the watch cache holds
// the very objects of a beat the server acknowledged, the beat names that generation (`workloadsBase`) instead.
import type { HeartbeatResponse, HeartbeatV2 } from '../src/contract/index.ts';
import { collectWorkloads, type TemplateFactsMemo, type WorkloadObjects } from './collect/workloads.ts';
import { LIMITS } from '../src/contract/index.ts';

export interface TemplateMemory {
  /** Hashes whose template reached the server in an accepted beat (only those still in use are kept). */
  sent: Set<string>;
  /** The server asked for every template: the next beat carries them all. */
  resendAll: boolean;
  /** Each workload object's template facts, worked out once per object. */
  facts: TemplateFactsMemo;
  /** The workloads generation the server acknowledged, and the watch cache's generation its list was made from. */
  acked: { generation: string; source: number } | null;
}

export function createTemplateMemory(): TemplateMemory {
  return { sent: new Set(), resendAll: false, facts: new WeakMap(), acked: null };
}

/** Names the acknowledged generation instead of the list when the objects are still those it was made from. */
export function attachWorkloadsBase(body: HeartbeatV2, source: number, memory: TemplateMemory): boolean {
  if (!memory.acked || memory.acked.source !== source || memory.resendAll) return false;
  body.workloadsBase = memory.acked.generation;
  return true;
}

/** Adds `workloads` (and `workloadsTruncated`) to the body; without objects (forbidden, not listed yet) the fields stay absent. */
export function attachWorkloads(body: HeartbeatV2, objects: WorkloadObjects | null, memory: TemplateMemory): void {
  if (!objects) return;
  const { workloads, truncated } = collectWorkloads(objects, LIMITS.workloadsPerHeartbeat, memory.facts);
  // One copy per hash and beat: the server files a template by its hash (two Deployments of one chart share it).
  const carried = new Set<string>();
  for (const workload of workloads) {
    if ((!memory.resendAll && memory.sent.has(workload.templateHash)) || carried.has(workload.templateHash)) delete workload.template;
    else carried.add(workload.templateHash);
  }
  body.workloads = workloads;
  body.workloadsTruncated = truncated;
}

/**
 * After an accepted beat: every hash it named is known to the server now, and its workloads generation may be
 * named next time (`source`: the watch cache's generation the beat's workloads came from), unless the server says otherwise.
 */
export function rememberTemplates(memory: TemplateMemory, body: HeartbeatV2, response: HeartbeatResponse, source: number | null): void {
  if (!body.workloads && !body.workloadsBase) return;
  // Rebuilt from this beat alone, so hashes of deleted or rolled-out templates don't pile up for the process's life.
  if (body.workloads) memory.sent = new Set(body.workloads.map((w) => w.templateHash));
  memory.resendAll = response.resendTemplates === true;
  // A truncated list is no generation to build on: it travels whole.
  const generation = response.workloadsGeneration;
  memory.acked = generation && source !== null && !memory.resendAll && !body.workloadsTruncated ? { generation, source } : null;
}
