// The expiry job: open commands past their deadline become `expired` in the table. Reads never wait for
// it (effectiveStatus shows the same answer at once); it keeps the stored status, and so the history's
// status filter, truthful, and turns deployment targets waiting on an expired command failed. One replica per pass (advisory lock); idempotent, so a skipped pass loses nothing.
import type { Config } from '../config';
import { LOCKS } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import { expireCommands } from './store';
import { failExpiredDeploymentTargets } from '../deployments/results';

export function startCommandExpiryJob(deps: JobDeps & { config: Pick<Config, 'statusCheckSeconds'> }): Job {
  return startLockedJob(deps, {
    name: 'command expiry job',
    lock: LOCKS.commandsJob,
    intervalMs: deps.config.statusCheckSeconds * 1000,
    pass: async (tx) => {
      const now = new Date();
      const expired = await expireCommands(tx, now);
      if (expired) deps.log.info('commands expired', { count: expired });
      // A deployment waiting on an expired command shows it failed, with why.
      const targets = await failExpiredDeploymentTargets(tx, now);
      if (targets) deps.log.info('deployment targets failed by expiry', { count: targets });
    },
  });
}
