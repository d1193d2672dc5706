// The deployments' background job: advances rollouts in waves and heals drift where self-heal is on. Every
// replica runs it; one at a time does the pass (advisory lock), so waves advance whichever replica the
// agents' heartbeats and command results land on.
import { LOCKS } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import type { CommandSignals } from '../commands/signals';
import { DEFAULT_PROGRESS_DEADLINE_MS } from './health';
import { advanceDeploymentRollouts, type EngineOptions } from './waves-engine';
import { applyOneVia, applyWaveVia, wakeClusters } from './waves-apply';
import { healDrift } from './self-heal';
import type { ApplyWave } from './waves-engine';

/** A workload of a freshly applied revision may be absent from the heartbeat this long (a few beats). */
export const MISSING_GRACE_MS = 120_000;

export function engineOptions(apply: ApplyWave): EngineOptions {
  return { apply, progressDeadlineMs: DEFAULT_PROGRESS_DEADLINE_MS, missingGraceMs: MISSING_GRACE_MS };
}

export function startDeploymentJob(deps: JobDeps & { signals: CommandSignals; intervalMs: number }): Job {
  // Clusters queued by the pass in flight; woken after its transaction commits, then forgotten.
  let queued: string[] = [];
  return startLockedJob(deps, {
    name: 'deployment rollouts',
    lock: LOCKS.deploymentRolloutJob,
    intervalMs: deps.intervalMs,
    pass: async (tx) => {
      queued = [];
      const now = new Date();
      await advanceDeploymentRollouts(tx, now, engineOptions(applyWaveVia(deps.signals, queued)));
      const heals = await healDrift(tx, now, applyOneVia(deps.signals, queued));
      for (const h of heals) deps.log.info('self-heal', h);
    },
    afterCommit: async () => {
      const woken = queued;
      queued = [];
      await wakeClusters(deps.signals, woken);
    },
  });
}
