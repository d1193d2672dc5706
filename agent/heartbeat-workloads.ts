// Protocol 4's workloads in a heartbeat: read from the watch cache, with each pod template sent only while the
// control plane may lack it — the first beat that carries its hash in this process, and every beat after the
// server answered `resendTemplates: true` (it lost or never stored one).
import type { HeartbeatResponse, HeartbeatV2 } from '../src/contract/index.ts';
import { collectWorkloads, type WorkloadObjects } from './collect/workloads.ts';

export interface TemplateMemory {
  /** Hashes whose template reached the server in an accepted beat (only those still in use are kept). */
  sent: Set<string>;
  /** The server asked for every template: the next beat carries them all. */
  resendAll: boolean;
}

export function createTemplateMemory(): TemplateMemory {
  return { sent: new Set(), resendAll: false };
}

/** Adds `workloads` (and `workloadsTruncated`) to the body; without objects (forbidden, not listed yet) the fields stay absent. */
export function attachWorkloads(body: HeartbeatV2, objects: WorkloadObjects | null, memory: TemplateMemory): void {
  if (!objects) return;
  const { workloads, truncated } = collectWorkloads(objects);
  // One copy per hash and beat: the server files a template by its hash (two Deployments of one chart share it).
  const carried = new Set<string>();
  for (const workload of workloads) {
    if ((!memory.resendAll && memory.sent.has(workload.templateHash)) || carried.has(workload.templateHash)) delete workload.template;
    else carried.add(workload.templateHash);
  }
  body.workloads = workloads;
  body.workloadsTruncated = truncated;
}

/** After an accepted beat: every hash it named is known to the server now, unless the server says otherwise. */
export function rememberTemplates(memory: TemplateMemory, body: HeartbeatV2, response: HeartbeatResponse): void {
  if (!body.workloads) return;
  // Rebuilt from this beat alone, so hashes of deleted or rolled-out templates don't pile up for the process's life.
  memory.sent = new Set(body.workloads.map((w) => w.templateHash));
  memory.resendAll = response.resendTemplates === true;
}
