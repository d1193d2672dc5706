// The control plane's own Prometheus metrics (GET /metrics, src/http/metrics.ts): one registry per replica,
// created with the replica's state (server.ts) and handed to what records into it through deps — never
// prom-client's global registry, so two apps in one process (tests, simulated replicas) count apart.
//
// Counters and histograms are recorded where things happen; gauges of what a replica holds right now (log
// streams, viewers, database connections) are read when Prometheus scrapes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Metrics = {
  registry: Registry;
  /** Heartbeats taken (`accepted`) or refused, with the error code a refusal answered. */
  heartbeats: Counter<'result' | 'reason'>;
  /** From an accepted heartbeat's arrival to its answer: the agent key checked, the body read, parsed and stored. */
  heartbeatIngestSeconds: Histogram;
  /**
   * An accepted heartbeat's stages: `agent` (key checked, body read and gunzipped), `parse` (JSON and contract),
   * `wait` (for a turn among the beats the replica stores at once), `store` (the ingest's statements), `answer`
   * (pending commands and updates read for the response, when the ingest's statement did not read them).
   */
  heartbeatStageSeconds: Histogram<'stage'>;
  /** From the owner replica packing log entries to this replica receiving them over the bus (crosses replicas' clocks). */
  relayLagSeconds: Histogram;
  /** Passes of the once-per-fleet jobs: `ran` (this replica held the lock), `skipped` (another did), `failed`. */
  jobRuns: Counter<'job' | 'result'>;
  /** Duration of the passes that ran here. */
  jobSeconds: Histogram<'job'>;
};

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process CPU, memory, open files, event-loop delay: what an operator looks at first.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    heartbeats: new Counter({
      name: 'niro_heartbeats_total',
      help: 'Agent heartbeats accepted or refused (reason: the error code answered).',
      labelNames: ['result', 'reason'],
      registers,
    }),
    heartbeatIngestSeconds: new Histogram({
      name: 'niro_heartbeat_ingest_seconds',
      help: 'Time to take an accepted heartbeat in: check its key, read, parse and store it, answer.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    heartbeatStageSeconds: new Histogram({
      name: 'niro_heartbeat_stage_seconds',
      help: 'Time an accepted heartbeat spent in each stage: agent (key check), parse (read the body and parse it), wait (for a turn to store; before parse when every turn was held), store, answer.',
      labelNames: ['stage'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    relayLagSeconds: new Histogram({
      name: 'niro_log_relay_lag_seconds',
      help: 'Delay of log lines relayed from the replica holding the agent to this one (viewers here).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    jobRuns: new Counter({
      name: 'niro_job_runs_total',
      help: 'Passes of periodic jobs: ran here, skipped (another replica held the lock) or failed.',
      labelNames: ['job', 'result'],
      registers,
    }),
    jobSeconds: new Histogram({
      name: 'niro_job_duration_seconds',
      help: 'Duration of the periodic job passes that ran on this replica.',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}

/** What a replica's stream hub holds at a moment (src/streams/hub.ts's stats). */
export type StreamCounts = { owned: number; mirrors: number; viewers: number; agents: number };

/** Gauges of live log streams, read from `counts` at each scrape. */
export function watchStreams(metrics: Metrics, counts: () => StreamCounts): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'niro_log_streams_open',
    help: 'Live log streams on this replica: owned (its agent is connected here) or mirrored (viewed here, owned elsewhere).',
    labelNames: ['role'],
    registers,
    collect() {
      const c = counts();
      this.set({ role: 'owned' }, c.owned);
      this.set({ role: 'mirrored' }, c.mirrors);
    },
  });
  new Gauge({
    name: 'niro_log_stream_viewers',
    help: 'Browser and curl connections following a log stream on this replica.',
    registers,
    collect() {
      this.set(counts().viewers);
    },
  });
  new Gauge({
    name: 'niro_agent_stream_connections',
    help: 'Agents holding their stream WebSocket on this replica.',
    registers,
    collect() {
      this.set(counts().agents);
    },
  });
}

/** This replica's database pool: its size, and its open connections by Postgres state (a query, run at scrape). */
export type PoolWatch = { max: number; connections(): Promise<{ state: string; count: number }[]> };

/** Gauges of the database pool; a failed query leaves the connection gauge empty for that scrape. */
export function watchDatabase(metrics: Metrics, pool: PoolWatch): void {
  const registers = [metrics.registry];
  new Gauge({ name: 'niro_db_pool_max_connections', help: 'Connections this replica may open to the database.', registers }).set(pool.max);
  new Gauge({
    name: 'niro_db_connections',
    help: "This replica's open database connections by state (pg_stat_activity: active, idle, idle in transaction…).",
    labelNames: ['state'],
    registers,
    async collect() {
      const rows = await pool.connections().catch(() => []);
      this.reset();
      for (const row of rows) this.set({ state: row.state }, row.count);
    },
  });
}
