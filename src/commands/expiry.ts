// The expiry job: open commands past their deadline become `expired` in the table. Reads never wait for
// it (effectiveStatus shows the same answer at once); it keeps the stored status, and so the history's
// status filter, truthful. One replica per pass (advisory lock); idempotent, so a skipped pass loses nothing.
import type { Config } from '../config';
import { LOCKS, runExclusive, type Db } from '../db/client';
import type { Logger } from '../log';
import { expireCommands } from './store';

export type Job = { stop(): Promise<void> };

export function startCommandExpiryJob(deps: { db: Db; config: Pick<Config, 'statusCheckSeconds'>; log: Logger }): Job {
  let running: Promise<void> | null = null;
  const pass = async (): Promise<void> => {
    try {
      await runExclusive(deps.db, LOCKS.commandsJob, async (tx) => {
        const expired = await expireCommands(tx, new Date());
        if (expired) deps.log.info('commands expired', { count: expired });
      });
    } catch (e) {
      deps.log.error('command expiry job failed', { error: String((e as Error)?.stack ?? e) });
    }
  };
  const timer = setInterval(() => {
    if (!running) running = pass().finally(() => (running = null));
  }, deps.config.statusCheckSeconds * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
