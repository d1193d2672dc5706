// The expiry job: open commands past their deadline become `expired` in the table. Reads never wait for
// it (effectiveStatus shows the same answer at once); it keeps the stored status, and so the history's
// status filter, truthful. One replica per pass (advisory lock); idempotent, so a skipped pass loses nothing.
import type { Config } from '../config';
import { LOCKS } from '../db/client';
import { startLockedJob, type Job, type JobDeps } from '../db/jobs';
import { expireCommands } from './store';

export function startCommandExpiryJob(deps: JobDeps & { config: Pick<Config, 'statusCheckSeconds'> }): Job {
  return startLockedJob(deps, {
    name: 'command expiry job',
    lock: LOCKS.commandsJob,
    intervalMs: deps.config.statusCheckSeconds * 1000,
    pass: async (tx) => {
      const expired = await expireCommands(tx, new Date());
      if (expired) deps.log.info('commands expired', { count: expired });
    },
  });
}
