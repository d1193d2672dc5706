// The fleet-scale benchmark's reboot night (bench/fleet-scale.ts): every store's node reboots at once. Each cluster
// is offline (as the status job leaves a cluster silent past the offline threshold), each agent starts again knowing
// nothing (it persists nothing) and sends its full inventory, every container restarted once, within the first
// REBOOT_SPREAD_S seconds. A beat refused with 503 `overloaded` is sent again after its Retry-After, as the agent
// does; once taken, the agent beats on its interval with deltas. The phase ends when every cluster is taken and
// heartbeating normally again, or gives up after `maxS`.
import { sql } from 'drizzle-orm';
import { AGENT_PATHS } from '../../src/contract';
import { queryRows } from '../../src/db/client';
import { summarize, type Summary } from './report';
import { beatOnce, isOverloaded, newTally, type Agent, type Bodies } from './scale-agents';
import type { SpawnedPlane } from './spawned-plane';
import { watchDatabase } from './pg-statements';
import { diffHeartbeatHistograms, readServerSide, type HeartbeatHistograms } from './server-stages';

/** The agents come up within this many seconds of each other. */
const REBOOT_SPREAD_S = 10;

export type RebootFigures = {
  replicas: number;
  /** Seconds until every cluster was taken and healthy again; null when it had not after maxS. */
  settleS: number | null;
  /** Clusters back when the phase ended. */
  back: number;
  accepted: number;
  /** Beats refused with 503 overloaded (the answer that spreads the returns: not an error). */
  refused: number;
  errors: number;
  errorKinds: Map<string, number>;
  /** Accepted beats' round trips. */
  latency: Summary;
  /** The longest an agent went from its first try to its first accepted beat, in seconds. */
  longestWaitS: number;
  /** The most beats the generator had in flight at once. */
  maxInFlight: number;
  /** The replicas' own histograms of the night's beats (bench/lib/server-stages.ts). */
  serverSide: HeartbeatHistograms;
  /** Where Postgres's time went over the night (bench/lib/pg-statements.ts), lines to print. */
  database: string[];
};

export async function runReboot(
  p: SpawnedPlane,
  agents: Agent[],
  bodies: Bodies,
  opts: { replicas: number; intervalMs: number; maxS: number; statements: number },
): Promise<RebootFigures> {
  const urls = p.replicas.slice(0, opts.replicas).map((r) => `${r.url}${AGENT_PATHS.heartbeat}`);
  const server0 = await readServerSide(p, opts.replicas);
  await queryRows(
    p.adminDb,
    sql`update clusters set status = 'offline', status_since = now(), last_heartbeat_at = now() - interval '10 minutes' where status <> 'pending'`,
  );
  for (const a of agents) {
    a.base = null;
    a.workloadsBase = null;
  }
  const database = await watchDatabase(p.admin, 'postgres reboot ×3', opts.statements);
  const tally = newTally();
  const accepted: number[] = [];
  let refused = 0;
  let sent = 0;
  let stopped = false;
  let longestWaitMs = 0;
  const start = performance.now();
  const loops = agents.map(async (a) => {
    await Bun.sleep(Math.random() * REBOOT_SPREAD_S * 1000);
    const firstTry = performance.now();
    let taken = false;
    for (let beat = 0; !stopped; beat++) {
      const t0 = performance.now();
      const outcome = await beatOnce(urls[sent++ % urls.length]!, a, beat, bodies, tally, { full: bodies.rebooted, refusalIsAnswer: isOverloaded });
      if (stopped) return;
      let waitMs: number;
      if (outcome.status === 200) {
        accepted.push(performance.now() - t0);
        if (!taken) longestWaitMs = Math.max(longestWaitMs, performance.now() - firstTry);
        taken = true;
        waitMs = opts.intervalMs - (performance.now() - t0);
      } else if (outcome.status === 503 && outcome.retryAfterS !== null) {
        if (outcome.code === 'overloaded') refused++;
        // The agent's wait: the Retry-After, plus its jitter, within one interval.
        waitMs = Math.min(opts.intervalMs, outcome.retryAfterS * 1000 + Math.random() * 1000);
      } else {
        waitMs = Math.random() * opts.intervalMs;
      }
      if (waitMs > 0) await Bun.sleep(waitMs);
    }
  });
  let settleS: number | null = null;
  let back = 0;
  for (;;) {
    await Bun.sleep(1000);
    const elapsed = (performance.now() - start) / 1000;
    const [row] = await queryRows<{ n: number }>(p.adminDb, sql`select count(*)::int as n from clusters where status in ('healthy', 'warning', 'critical')`);
    back = Number(row?.n);
    if (back >= agents.length && agents.every((a) => a.base)) {
      settleS = elapsed;
      break;
    }
    if (elapsed >= opts.maxS) break;
  }
  const server1 = await readServerSide(p, opts.replicas);
  stopped = true;
  await Promise.all(loops);
  const databaseLines = await database.stop((performance.now() - start) / 1000);
  return {
    replicas: opts.replicas,
    settleS,
    back,
    accepted: accepted.length,
    refused,
    errors: tally.errors,
    errorKinds: tally.errorKinds,
    latency: summarize(accepted),
    longestWaitS: longestWaitMs / 1000,
    maxInFlight: tally.maxInFlight,
    serverSide: diffHeartbeatHistograms(server0, server1),
    database: databaseLines,
  };
}
