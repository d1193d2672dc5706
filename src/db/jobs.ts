// Periodic background work shared by every replica: each pass runs under a Postgres advisory lock,
// so exactly one replica does it and the others skip that beat. Passes never overlap on a replica,
// and a failed pass is logged and retried at the next tick — every job here is idempotent.
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { runExclusive, type Db } from './client';
import { isDatabaseUnavailable } from './errors';

export type Job = { stop(): Promise<void> };

export type LockedJob = {
  /** Named in the log line of a failed pass, and the `job` label of its metrics. */
  name: string;
  /** One of LOCKS. */
  lock: number;
  intervalMs: number;
  /** One pass, inside the lock's transaction. */
  pass: (tx: Db) => Promise<void>;
  /** After a pass's transaction committed: wake-ups that must not arrive before the rows they announce. */
  afterCommit?: () => Promise<void>;
};

/** What every job is started with. */
export type JobDeps = { db: Db; log: Logger; metrics: Metrics };

/**
 * A pass that failed because the database is away (restarting, failing over) is no bug in the job: logged as one
 * warning line without a stack, and the job tries again at its next tick. False for any other error.
 */
export function logDatabaseAway(log: Logger, job: string, e: unknown): boolean {
  if (!isDatabaseUnavailable(e)) return false;
  log.warn(`${job} skipped: database unavailable`, { error: String((e as Error)?.message ?? e) });
  return true;
}

export function startLockedJob(deps: JobDeps, job: LockedJob): Job {
  let running: Promise<void> | null = null;
  const pass = async (): Promise<void> => {
    const started = performance.now();
    try {
      const ran = await runExclusive(deps.db, job.lock, job.pass);
      if (ran) await job.afterCommit?.();
      deps.metrics.jobRuns.inc({ job: job.name, result: ran ? 'ran' : 'skipped' });
      if (ran) deps.metrics.jobSeconds.observe({ job: job.name }, (performance.now() - started) / 1000);
    } catch (e) {
      deps.metrics.jobRuns.inc({ job: job.name, result: 'failed' });
      if (!logDatabaseAway(deps.log, job.name, e)) deps.log.error(`${job.name} failed`, { error: String((e as Error)?.stack ?? e) });
    }
  };
  const timer = setInterval(() => {
    if (!running) running = pass().finally(() => (running = null));
  }, job.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
