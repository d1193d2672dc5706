// Tables that only ever grow are trimmed here, by one replica at a time: expired sessions and old
// login-failure windows, records of log viewers that ended (never log contents: Niro stores none),
// cluster timelines and finished commands past their keeping time. Usage history has its own
// plan-based retention (inventory/retention.ts); the audit log is kept. Notification deliveries that
// finished (delivered or given up) are kept for the delivery log's 30 days; agent self-update rollouts
// that finished (completed or aborted) and their targets for 90 days, running or paused ones always; deployment
// rollouts the same; self-heal history a day after its last wait ended.
import { pruneAccounts } from './accounts/store';
import { pruneTimeline } from './clusters/timeline';
import { pruneCommands } from './commands/store';
import { LOCKS, type Db } from './db/client';
import { startLockedJob, type Job, type JobDeps } from './db/jobs';
import { pruneEndedStreams } from './streams/store';
import { pruneMessages } from './notifications/store';
import { pruneRollouts } from './rollouts/store';
import { pruneDeploymentRollouts, pruneHeals } from './deployments/waves-store';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long each kind of record is kept, in days. */
export const KEEP_DAYS = { loginFailures: 1, endedLogStreams: 7, timeline: 90, commands: 90, deliveries: 30, rollouts: 90 } as const;

export type HousekeepingResult = {
  sessions: number;
  loginFailures: number;
  logStreams: number;
  timeline: number;
  commands: number;
  deliveries: number;
  rollouts: number;
  deploymentRollouts: number;
  heals: number;
};

export async function runHousekeeping(db: Db, now: Date): Promise<HousekeepingResult> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const accounts = await pruneAccounts(db, now, ago(KEEP_DAYS.loginFailures));
  return {
    ...accounts,
    logStreams: await pruneEndedStreams(db, ago(KEEP_DAYS.endedLogStreams)),
    timeline: await pruneTimeline(db, ago(KEEP_DAYS.timeline)),
    commands: await pruneCommands(db, ago(KEEP_DAYS.commands)),
    deliveries: await pruneMessages(db, ago(KEEP_DAYS.deliveries)),
    rollouts: await pruneRollouts(db, ago(KEEP_DAYS.rollouts)),
    deploymentRollouts: await pruneDeploymentRollouts(db, ago(KEEP_DAYS.rollouts)),
    // A heal whose wait ended a day ago is history: the next drift starts a fresh streak anyway.
    heals: await pruneHeals(db, ago(1)),
  };
}

export function startHousekeepingJob(deps: JobDeps & { intervalMs?: number }): Job {
  return startLockedJob(deps, {
    name: 'housekeeping job',
    lock: LOCKS.housekeepingJob,
    intervalMs: deps.intervalMs ?? 15 * 60_000,
    pass: async (tx) => {
      const r = await runHousekeeping(tx, new Date());
      if (Object.values(r).some((n) => n > 0)) deps.log.info('housekeeping', r);
    },
  });
}
