import type { Config } from './config';
import type { Logger } from './log';
import { openDatabase, type Database, type Db } from './db/client';
import { tolerateDriverWriteAfterClose } from './db/driver-guard';
import type { Bus } from './db/bus';
import { createApp, type App } from './app';
import type { ReplicaState } from './deps';
import { startStatusJob } from './clusters/status';
import { startCommandExpiryJob } from './commands/expiry';
import { StreamHub } from './streams/hub';
import { createCommandSignals } from './commands/signals';
import { startPodIndexJob } from './inventory/fleet-index';
import { startRetentionJob } from './inventory/retention';
import { startHousekeepingJob } from './housekeeping';
import { startNotificationJobs } from './notifications/jobs';
import { startRolloutJob } from './rollouts/engine';
import { startGitSyncJob } from './gitops/sync';
import { gitopsDeps } from './gitops/api';
import { startDeploymentJob } from './deployments/waves-job';
import { createHeartbeatAdmission, podIndexShare } from './agents/admission';
import { startFleetLine } from './agents/fleet-line';
import { databaseSettingWarnings } from './db/settings';
import { createAgentKeyCache, subscribeRetiredKeys } from './agents/auth';
import { createPasswordHashing } from './accounts/hashing';
import { createInflateBudget } from './http/body';
import { createMetrics, watchDatabase, watchStreams } from './metrics';

export type RunningServer = { app: App; database: Database; replica: ReplicaState; url: string; stop(): Promise<void> };

/**
 * The state one replica keeps in memory, fresh: one per process (tests make one per simulated replica).
 * Nothing here listens yet: the hub subscribes when its first agent or stream needs it, the signals when
 * something first waits on them.
 */
export function createReplicaState(deps: { db: Db; bus: Bus; config: Config; log: Logger }): ReplicaState {
  const metrics = createMetrics();
  const streamHub = new StreamHub({ db: deps.db, bus: deps.bus, limits: deps.config.streams, log: deps.log, metrics });
  watchStreams(metrics, () => streamHub.stats());
  return {
    agentKeys: createAgentKeyCache(),
    podsHashes: new Map(),
    streamHub,
    commandSignals: createCommandSignals(deps.bus),
    passwordHashing: createPasswordHashing(),
    metrics,
    inflating: createInflateBudget(deps.config.inflateBudgetBytes),
    heartbeatAdmission: createHeartbeatAdmission(deps.config.heartbeatsAtOnce, deps.config.heartbeatQueue, deps.config.heartbeatMaxWaitMs),
  };
}

/**
 * Opens the database, applies migrations (under the advisory lock), and serves the app.
 * `stop` is graceful: the listener closes first, in-flight requests finish, then the database closes.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  // A database restart must not end the process through the driver's write-after-close fault.
  if (config.databaseUrl) tolerateDriverWriteAfterClose();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let ready = false;
  // Per-replica state lives here, created once and handed to the app; nothing is found through a module.
  const replica = createReplicaState({ db: database.db, bus: database.bus, config, log });
  watchDatabase(replica.metrics, { max: database.maxConnections, connections: () => database.connections() });
  const app = createApp({ db: database.db, bus: database.bus, config, log, isReady: () => ready, ...replica });
  await database.migrate();
  // An embedded database has no autovacuum to check; a server's settings are the operator's to fix.
  if (config.databaseUrl) for (const warning of await databaseSettingWarnings(database.db)) log.warn('database setting', { warning });
  // Cluster deletions on any replica evict the agent key from this one's cache at once.
  const unsubscribeRetiredKeys = await subscribeRetiredKeys(database.bus, replica.agentKeys);
  ready = true;
  // Bun refuses bodies far over the limit on its own; bodies just over it get our JSON 413 from the app.
  app.listen({ port: config.port, maxRequestBodySize: config.maxBodyBytes * 2, idleTimeout: 60 });
  const url = `http://localhost:${app.server!.port}`;
  log.info('listening', { url, publicUrl: config.publicUrl, database: database.driver });
  const jobDeps = { db: database.db, log, metrics: replica.metrics };
  const statusJob = startStatusJob({ ...jobDeps, config });
  const expiryJob = startCommandExpiryJob({ ...jobDeps, config });
  // A backlog of the pod index takes most of one connection's time while heartbeats get their turns at once and gives
  // way as a line builds on any replica (podIndexShare, src/agents/fleet-line.ts): catching up fast, never at ingest's cost.
  const fleetLine = await startFleetLine({ bus: database.bus, admission: replica.heartbeatAdmission, replicaId: replica.streamHub.replicaId });
  const podIndexJob = startPodIndexJob({ ...jobDeps, share: () => podIndexShare({ waiting: fleetLine.longest() }, config.heartbeatsAtOnce) });
  const retentionJob = startRetentionJob(jobDeps);
  const housekeepingJob = startHousekeepingJob(jobDeps);
  const notificationJobs = startNotificationJobs({ ...jobDeps, config });
  const gitSyncJob = startGitSyncJob({
    ...gitopsDeps({ db: database.db, bus: database.bus, config, log, ...replica }),
    pollMs: config.gitops.pollSeconds * 1000,
    concurrency: config.gitops.concurrency,
  });
  const rolloutJob = startRolloutJob({ ...jobDeps, intervalMs: config.statusCheckSeconds * 1000, timeoutMs: config.rolloutTimeoutSeconds * 1000 });
  const deploymentJob = startDeploymentJob({ ...jobDeps, signals: replica.commandSignals, intervalMs: config.statusCheckSeconds * 1000 });
  return {
    app,
    database,
    replica,
    url,
    async stop() {
      // Log streams first: viewers' responses end (they reconnect elsewhere) so the listener can drain.
      await replica.streamHub.shutdown();
      await app.server?.stop(false);
      await statusJob.stop();
      await expiryJob.stop();
      await podIndexJob.stop();
      await fleetLine.stop();
      await retentionJob.stop();
      await housekeepingJob.stop();
      await notificationJobs.stop();
      await rolloutJob.stop();
      await gitSyncJob.stop();
      await deploymentJob.stop();
      await unsubscribeRetiredKeys().catch(() => undefined);
      await database.close();
    },
  };
}

/** Stops on SIGTERM/SIGINT once, then exits. */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    stop()
      .catch((e) => log.error('shutdown failed', { error: String(e) }))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
