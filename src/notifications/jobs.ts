// The notification jobs a replica runs: the router (one replica at a time, under an advisory lock) and the
// delivery worker (every replica; messages are claimed with skip locked). Neither runs inside a request: a
// slow or failing endpoint holds no heartbeat, detection pass or database connection while it is awaited.
import type { Config } from '../config';
import { LOCKS } from '../db/client';
import { logDatabaseAway, startLockedJob, type Job, type JobDeps } from '../db/jobs';
import { createSecretBox } from '../security/encryption';
import { deliverDue } from './delivery';
import { groupDueItems, owedReminders, routeTransitions } from './router';

export function startNotificationJobs(deps: JobDeps & { config: Config }): Job {
  const intervalMs = deps.config.notifyIntervalSeconds * 1000;
  const router = startLockedJob(deps, {
    name: 'notification router',
    lock: LOCKS.notificationRouter,
    intervalMs,
    pass: async (tx) => {
      const now = new Date();
      const routed = await routeTransitions(tx, now);
      const reminders = await owedReminders(tx, now);
      const messages = await groupDueItems(tx, now);
      if (routed.owed || reminders || messages) deps.log.info('notifications routed', { ...routed, reminders, messages });
    },
  });
  const delivery = {
    db: deps.db,
    box: createSecretBox(deps.config.secret),
    publicUrl: deps.config.publicUrl,
    timeoutMs: deps.config.notifyTimeoutSeconds * 1000,
  };
  let running: Promise<void> | null = null;
  const pass = async (): Promise<void> => {
    try {
      const r = await deliverDue(delivery, new Date());
      deps.metrics.jobRuns.inc({ job: 'notification delivery', result: 'ran' });
      // Ids and counts only: error texts stay in the delivery log.
      if (r.sent || r.failed) deps.log.info('notifications sent', r);
    } catch (e) {
      deps.metrics.jobRuns.inc({ job: 'notification delivery', result: 'failed' });
      if (!logDatabaseAway(deps.log, 'notification delivery', e)) deps.log.error('notification delivery failed', { error: String((e as Error)?.message ?? e) });
    }
  };
  const timer = setInterval(() => {
    if (!running) running = pass().finally(() => (running = null));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await router.stop();
    },
  };
}
