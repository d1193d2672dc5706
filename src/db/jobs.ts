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
  /**
   * One pass, inside the lock's transaction. A pass that did one bounded batch of a larger backlog answers
   * `{ more: true }`: the next batch follows in a transaction of its own (so no transaction grows with the
   * backlog), after a pause that keeps the job within `share` of the time.
   */
  pass: (tx: Db) => Promise<void | { more: boolean }>;
  /**
   * The most of its time a job catching up on a backlog spends in passes (default 0.5); a function is asked again
   * after every batch (the pod index job takes more while heartbeats are not waiting for their turn).
   */
  share?: number | (() => number);
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
  let stopped = false;
  const shareNow = (): number => {
    const share = typeof job.share === 'function' ? job.share() : (job.share ?? 0.5);
    return Math.min(1, Math.max(0.05, share));
  };
  /** One pass; true when it ran here and said more work waits. */
  const pass = async (): Promise<boolean> => {
    const started = performance.now();
    try {
      let more = false;
      const ran = await runExclusive(deps.db, job.lock, async (tx) => {
        more = (await job.pass(tx))?.more === true;
      });
      if (ran) await job.afterCommit?.();
      deps.metrics.jobRuns.inc({ job: job.name, result: ran ? 'ran' : 'skipped' });
      if (ran) deps.metrics.jobSeconds.observe({ job: job.name }, (performance.now() - started) / 1000);
      return ran && more;
    } catch (e) {
      deps.metrics.jobRuns.inc({ job: job.name, result: 'failed' });
      if (!logDatabaseAway(deps.log, job.name, e)) deps.log.error(`${job.name} failed`, { error: String((e as Error)?.stack ?? e) });
      return false;
    }
  };
  const catchUp = async (): Promise<void> => {
    for (;;) {
      const started = performance.now();
      if (!(await pass()) || stopped) return;
      const busy = performance.now() - started;
      const share = shareNow();
      await new Promise((resolve) => setTimeout(resolve, (busy * (1 - share)) / share));
      if (stopped) return;
    }
  };
  const timer = setInterval(() => {
    if (!running) running = catchUp().finally(() => (running = null));
  }, job.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
