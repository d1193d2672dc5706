// A whole fleet on one small box: N enrolled clusters of 30 pods (default 10,000; --quick 1,000) beating
// every 15 s at an open-loop constant rate (N / 15 beats per second, whatever the server's latency)
// against control planes running as separate processes (bench/lib/spawned-plane.ts) on one Postgres, the
// load generator, the control planes and Postgres all on this machine. Agents behave as the current
// protocol's do: a full inventory (pods and workloads) first, then delta beats on the generation the
// control plane acknowledged, every pod's usage moving a little each beat.
//
// Loading (not timed per beat): every cluster sends its first, full beat, 8 at a time.
// Then per replica count (1, then 3 behind a plain client-side round-robin), two phases:
//   cold — the fleet pod index emptied (as after a restore that does not carry it, or a first enrollment
//          wave it has not caught up with): the index job rebuilds 10,000 clusters' pods while the fleet
//          beats. The phase lasts until every cluster is indexed (`cold_index_s`, from the phase's start)
//          and at least two intervals.
//   warm — the index caught up, the same load for a fixed window. On one replica the pod table is read
//          meanwhile: the /pods first page unfiltered, by status and by search, each interleaved with its bare
//          SQL (bench/lib/sql-replay.ts) — `pods_p99_ms` and `pods_vs_sql` are the worst of the three.
// Then the reboot night on the 3 replicas (bench/lib/scale-reboot.ts): every cluster offline, every agent starting
// again at once with its full inventory (every container restarted), a beat refused with 503 overloaded sent again
// after its Retry-After; `reboot_settle_s` is how long until every cluster is back.
// Each phase prints its sustained rate, p50/p99/max, errors, CPU of the control plane(s), Postgres and this
// load generator (share of one core), rows written per beat, and how far behind schedule beats were sent; and the
// replicas' own view of the same beats (their heartbeat histograms, bench/lib/server-stages.ts), so a tail can be told
// apart from the generator's; the share of the clusters row updates that were HOT (wrote no index); and where Postgres's
// time went (bench/lib/pg-statements.ts): the costliest statements in cores, and what its busy backends waited on. The generator lifts Bun's cap of 256 fetches in flight (bench/lib/fetch-limit.ts): every
// agent has its own connection, as in life.
// With 3 replicas, the once-per-fleet jobs' passes (niro_job_runs_total{result="ran"}) are summed over the
// replicas and checked against what one replica runs.
// With --tuned-postgres the run is against a Postgres of its own started with the README's production settings
// (bench/lib/tuned-postgres.ts) instead of the machine's server as installed.
// Usage: bun bench/fleet-scale.ts [--quick] [--clusters N] [--tuned-postgres]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import { sql } from 'drizzle-orm';
import { createApp } from '../src/app';
import { createLogger } from '../src/log';
import { AGENT_PATHS } from '../src/contract';
import { PODS, beatOnce, describeErrorKinds, isOverloaded, makeBodies, newTally, type Agent, type Bodies } from './lib/scale-agents';
import { runReboot } from './lib/scale-reboot';
import { TEST_ORIGIN, testConfig } from '../src/testing/app';
import { createReplicaState } from '../src/server';
import type { Bus } from '../src/db/bus';
import { queryRows } from '../src/db/client';
import { startReport, summarize, printTable, ms, type Summary } from './lib/report';
import { describePostgres, diffWrites, readHotUpdates, readWrites } from './lib/postgres';
import { watchDatabase } from './lib/pg-statements';
import { startSpawnedPlane, spawnedReplicaConfig, processCpuSeconds, postgresCpuSeconds, processRssMiB, type SpawnedPlane } from './lib/spawned-plane';
import { createStatementRecorder, type Step } from './lib/sql-replay';
import { parallel, type EnrolledCluster } from './lib/control-plane';
import { ensureAgentFetchLimit } from './lib/fetch-limit';
import { ensureTunedPostgres, onTunedPostgres } from './lib/tuned-postgres';
import { bucketQuantileMs, describeServerSide, diffHeartbeatHistograms, readServerSide, type HeartbeatHistograms } from './lib/server-stages';

await ensureTunedPostgres();
await ensureAgentFetchLimit();
const report = startReport('fleet_scale');
const quick = report.quick;
const argClusters = process.argv.indexOf('--clusters');
const CLUSTERS = argClusters > 0 ? Number(process.argv[argClusters + 1]) : quick ? 1000 : 10_000;
const INTERVAL_MS = 15_000;
/** The warm window per replica count. */
const WARM_S = quick ? 20 : 90;
/** A cold phase ends once indexed and this long passed; it gives up (and says so) after COLD_MAX_S. */
const COLD_MIN_S = (2 * INTERVAL_MS) / 1000;
const COLD_MAX_S = quick ? 120 : 300;
/** Statements shown per phase, the costliest first (bench/lib/pg-statements.ts). */
const STATEMENTS_SHOWN = 6;
const GOALS = { p99Ms: 250, coldIndexS: 60, podsP99Ms: 50, podsVsSql: 3 };
/** The reboot night gives up after this long (bench/lib/scale-reboot.ts). */
const REBOOT_MAX_S = quick ? 120 : 300;

type Phase = 'settle' | 'cold' | 'warm';
type PodCase = { slug: string; app: Summary; sql: Summary };
type PhaseFigures = {
  replicas: number;
  phase: Phase;
  seconds: number;
  beats: number;
  rate: number;
  latency: Summary;
  errors: number;
  errorKinds: Map<string, number>;
  lateMs: number;
  cpu: { plane: number; postgres: number; generator: number };
  rowsPerBeat: number;
  /** Share of the phase's `clusters` updates that were HOT (no index written); null when there were none. */
  clustersHot: number | null;
  indexS: number | null;
  /** The replicas' own histograms of the phase's beats (bench/lib/server-stages.ts). */
  serverSide: HeartbeatHistograms;
};

const plane = await startSpawnedPlane();
const pageRecorder = createStatementRecorder(plane.testDb.url);
try {
  console.log(
    await describePostgres(plane.admin, onTunedPostgres() ? "on this machine, the benchmark's own with the README's production settings" : undefined),
  );
  const replicaConfig = spawnedReplicaConfig();
  console.log(
    `each replica: ${replicaConfig.heartbeatsAtOnce} beats stored at once, a line of ${replicaConfig.heartbeatQueue}, longest wait ${replicaConfig.heartbeatMaxWaitMs ? `${replicaConfig.heartbeatMaxWaitMs} ms` : 'none'} (NIRO_HEARTBEATS_AT_ONCE, NIRO_HEARTBEAT_QUEUE, NIRO_HEARTBEAT_MAX_WAIT_MS)`,
  );
  const tEnroll = performance.now();
  const enrolled = await plane.enroll(CLUSTERS, 'store', 16);
  const enrollS = (performance.now() - tEnroll) / 1000;
  console.log(
    `fleet: ${CLUSTERS.toLocaleString('en-US')} clusters × ${PODS} pods = ${(CLUSTERS * PODS).toLocaleString('en-US')} pods, each beating every ${INTERVAL_MS / 1000} s (${(CLUSTERS / (INTERVAL_MS / 1000)).toFixed(0)} beats/s); enrolled through the API in ${enrollS.toFixed(1)} s`,
  );
  const agents: Agent[] = enrolled.map((c: EnrolledCluster) => ({ key: c.agentKey, base: null, workloadsBase: null }));
  const figures: PhaseFigures[] = [];
  const pods: { cases: PodCase[] } = { cases: [] };
  let jobCheck = '';

  const bodies = makeBodies();
  // Loading: every cluster's first, full beat, 8 at a time (first beats are the expensive ones: pods, workloads,
  // policies, incidents), while every cluster already loaded beats at the fleet's pace, as it would, so none goes quiet
  // meanwhile. Not measured; it ends once every cluster is loaded and live.
  const tLoad = performance.now();
  const loading = newTally();
  const settle = runPhase(plane, agents, { replicas: 1, phase: 'settle', bodies, onlyLoaded: true });
  // A first beat refused because the replica's line is full is sent again after its Retry-After, as the agent does.
  let loadingRefused = 0;
  await parallel(8, agents.length, async (i) => {
    for (;;) {
      const outcome = await beatOnce(`${plane.replicas[0]!.url}${AGENT_PATHS.heartbeat}`, agents[i]!, 0, bodies, loading, { refusalIsAnswer: isOverloaded });
      if (!isOverloaded(outcome.status, outcome.code)) return;
      loadingRefused++;
      await Bun.sleep((outcome.retryAfterS ?? 1) * 1000);
    }
  });
  if (loading.errors) throw new Error(`loading: ${loading.errors} beats failed: ${describeErrorKinds(loading.errorKinds)}`);
  const unloaded = agents.filter((a) => !a.base).length;
  if (unloaded) throw new Error(`${unloaded} clusters' first beats were not acknowledged`);
  const settled = await settle;
  console.log(
    `loading: every cluster's first, full beat in ${((performance.now() - tLoad) / 1000).toFixed(1)} s (8 at a time, the loaded ones beating meanwhile: p99 ${ms(settled.latency.p99)} ms, ${settled.errors} errors${settled.errorKinds.size ? ` (${describeErrorKinds(settled.errorKinds)})` : ''}; ${loadingRefused} first beats refused with 503 overloaded and sent again; not a measured phase)`,
  );

  for (const replicas of [1, 3]) {
    while (plane.replicas.length < replicas) await plane.addReplica();
    await emptyPodIndex(plane);
    const cold = await runPhase(plane, agents, { replicas, phase: 'cold', bodies });
    figures.push(cold);
    const jobsBefore = replicas > 1 ? await jobPasses(plane) : null;
    const warm = await runPhase(plane, agents, {
      replicas,
      phase: 'warm',
      bodies,
      during: replicas === 1 ? () => measurePods(plane) : undefined,
      onDuring: (r) => (pods.cases = (r as { cases: PodCase[] }).cases),
    });
    figures.push(warm);
    if (jobsBefore) jobCheck = describeJobPasses(jobsBefore, await jobPasses(plane), warm.seconds);
  }
  // The reboot night, on the 3 replicas.
  const reboot = await runReboot(plane, agents, bodies, { replicas: 3, intervalMs: INTERVAL_MS, maxS: REBOOT_MAX_S, statements: STATEMENTS_SHOWN });
  console.log(
    `reboot ×3: ${reboot.settleS === null ? `not settled after ${REBOOT_MAX_S} s (${reboot.back} of ${agents.length} back)` : `every cluster back in ${reboot.settleS.toFixed(1)} s`}; ${reboot.accepted} beats taken (p50 ${ms(reboot.latency.p50)} p99 ${ms(reboot.latency.p99)} max ${ms(reboot.latency.max)} ms), ${reboot.refused} refused with 503 overloaded and sent again after their Retry-After, ${reboot.errors} errors${reboot.errors ? ` (${describeErrorKinds(reboot.errorKinds)})` : ''}; the longest an agent waited to be taken: ${reboot.longestWaitS.toFixed(1)} s; at most ${reboot.maxInFlight} beats in flight; ${describeServerSide(reboot.serverSide)}`,
  );
  for (const line of reboot.database) console.log(line);

  // --- Report.
  const table: string[][] = [
    ['phase', 'replicas', 's', 'beats/s', 'p50', 'p99', 'max', 'errors', 'late ms', 'CPU plane', 'CPU pg', 'CPU gen', 'rows/beat', 'HOT', 'index s'],
  ];
  for (const f of figures) {
    report.addCase(`${f.phase}_${f.replicas}`, f.latency);
    table.push([
      f.phase,
      String(f.replicas),
      f.seconds.toFixed(0),
      f.rate.toFixed(1),
      ms(f.latency.p50),
      ms(f.latency.p99),
      ms(f.latency.max),
      String(f.errors),
      f.lateMs.toFixed(0),
      pct(f.cpu.plane),
      pct(f.cpu.postgres),
      pct(f.cpu.generator),
      f.rowsPerBeat.toFixed(1),
      f.clustersHot === null ? '' : pct(f.clustersHot),
      f.indexS === null ? '' : f.indexS.toFixed(1),
    ]);
  }
  printTable(table);
  console.log(
    'ms; CPU = share of one core over the phase (control planes summed; Postgres = every postgres process); late = most a beat was sent after its due time; HOT = share of the clusters row updates that wrote no index',
  );
  for (const f of figures) if (f.errorKinds.size) console.log(`errors ${f.phase} ×${f.replicas}: ${describeErrorKinds(f.errorKinds)}`);
  if (jobCheck) console.log(jobCheck);
  const podCases = pods.cases;
  if (reboot.accepted) report.addCase('reboot_3', reboot.latency);
  for (const c of podCases) {
    report.addCase(`pods_${c.slug}`, c.app);
    console.log(`pods ${c.slug}: p50 ${ms(c.app.p50)} p99 ${ms(c.app.p99)} ms; bare SQL p99 ${ms(c.sql.p99)} ms (${(c.app.p99 / c.sql.p99).toFixed(2)}×)`);
  }
  for (const r of plane.replicas)
    console.log(
      `replica pid ${r.pid}: RSS ${processRssMiB(r.pid).toFixed(0)} MiB; ${r.stderr.length} warning/error lines${r.stderr.length ? `, first: ${r.stderr[0]!.slice(0, 300)}` : ''}`,
    );

  const of = (replicas: number, phase: Phase) => figures.find((f) => f.replicas === replicas && f.phase === phase)!;
  const worstPods = podCases.reduce((w, c) => (c.app.p99 > w.app.p99 ? c : w), podCases[0]!);
  const worstRatio = podCases.reduce((w, c) => (c.app.p99 / c.sql.p99 > w.app.p99 / w.sql.p99 ? c : w), podCases[0]!);
  const coldIndex = Math.max(...figures.filter((f) => f.indexS !== null).map((f) => f.indexS!));
  const errors = figures.reduce((s, f) => s + f.errors, 0) + reboot.errors;
  const keys = {
    clusters: CLUSTERS,
    pods: CLUSTERS * PODS,
    warm_p99_ms: ms(of(1, 'warm').latency.p99),
    cold_p99_ms: ms(of(1, 'cold').latency.p99),
    cold_index_s: coldIndex.toFixed(1),
    replicas3_p99_ms: ms(Math.max(of(3, 'warm').latency.p99, of(3, 'cold').latency.p99)),
    errors,
    pods_p99_ms: ms(worstPods.app.p99),
    pods_vs_sql: (worstRatio.app.p99 / worstRatio.sql.p99).toFixed(2),
    warm_rate: of(1, 'warm').rate.toFixed(1),
    rows_per_beat: of(1, 'warm').rowsPerBeat.toFixed(1),
    clusters_hot_pct: (Math.min(...figures.map((f) => f.clustersHot ?? 1)) * 100).toFixed(0),
    plane_cpu_pct: (of(1, 'warm').cpu.plane * 100).toFixed(0),
    postgres_cpu_pct: (of(1, 'warm').cpu.postgres * 100).toFixed(0),
    reboot_settle_s: reboot.settleS === null ? 'none' : reboot.settleS.toFixed(1),
    reboot_refused: reboot.refused,
    reboot_longest_wait_s: reboot.longestWaitS.toFixed(1),
    server_ingest_p99_le_ms: Math.max(...figures.map((f) => bucketQuantileMs(f.serverSide.get('ingest'), 0.99) ?? 0)),
    postgres: onTunedPostgres() ? 'tuned' : 'as_installed',
    at_once: replicaConfig.heartbeatsAtOnce,
    max_wait_ms: replicaConfig.heartbeatMaxWaitMs,
  };
  const misses = [
    ...figures.filter((f) => f.latency.p99 >= GOALS.p99Ms).map((f) => `${f.phase}×${f.replicas} p99 ${ms(f.latency.p99)} ms`),
    ...figures.filter((f) => f.indexS !== null && f.indexS > GOALS.coldIndexS).map((f) => `index ×${f.replicas} ${f.indexS!.toFixed(1)} s`),
    ...(errors ? [`${errors} errors`] : []),
    ...(reboot.settleS === null ? [`reboot not settled in ${REBOOT_MAX_S} s`] : []),
    ...(worstPods.app.p99 > GOALS.podsP99Ms ? [`pods p99 ${ms(worstPods.app.p99)} ms`] : []),
    ...(worstRatio.app.p99 / worstRatio.sql.p99 > GOALS.podsVsSql ? [`pods ${(worstRatio.app.p99 / worstRatio.sql.p99).toFixed(2)}× SQL`] : []),
  ];
  console.log(
    `goals: beats p99 < ${GOALS.p99Ms} ms in every phase, cold index ≤ ${GOALS.coldIndexS} s, 0 errors, pods p99 ≤ ${GOALS.podsP99Ms} ms and ≤ ${GOALS.podsVsSql}× SQL; missed: ${misses.join(', ') || 'none'}`,
  );
  report.finish(keys);
} finally {
  await pageRecorder.end();
  await plane.stop();
}

function pct(share: number): string {
  return `${(share * 100).toFixed(0)} %`;
}

/**
 * One phase: every agent beats once per interval, spread evenly (open loop: a beat is sent at its time
 * whatever happened to the others; an agent's own beats stay sequential, as a real agent's are), sent to
 * the replicas round-robin. `during` runs alongside once the phase is under way.
 */
async function runPhase(
  p: SpawnedPlane,
  agents: Agent[],
  opts: { replicas: number; phase: Phase; bodies: Bodies; onlyLoaded?: boolean; during?: () => Promise<unknown>; onDuring?: (r: unknown) => void },
): Promise<PhaseFigures> {
  const urls = p.replicas.slice(0, opts.replicas).map((r) => `${r.url}${AGENT_PATHS.heartbeat}`);
  const tally = newTally();
  let lateMs = 0;
  let sent = 0;
  let stopped = false;
  let indexedAt: number | null = null;
  let indexed = 0;

  const cpu0 = cpuNow(p, opts.replicas);
  const writes0 = await readWrites(p.admin);
  const hot0 = await readHotUpdates(p.admin, 'clusters');
  const database = await watchDatabase(p.admin, `postgres ${opts.phase} ×${opts.replicas}`, STATEMENTS_SHOWN);
  const server0 = await readServerSide(p, opts.replicas);
  const start = performance.now();
  const loops = agents.map(async (a, i) => {
    let due = start + (i * INTERVAL_MS) / agents.length;
    for (let beat = 0; !stopped; beat++) {
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      if (stopped) return;
      lateMs = Math.max(lateMs, performance.now() - due);
      // While loading, an agent whose first beat the loader has not sent yet waits for it.
      if (!opts.onlyLoaded || a.base) await beatOnce(urls[sent++ % urls.length]!, a, beat, opts.bodies, tally);
      due += INTERVAL_MS;
    }
  });

  // Settle: until every cluster is live; cold: poll the index until every cluster is indexed again; warm: the window
  // (and the page readers).
  let duringResult: Promise<unknown> | null = null;
  if (opts.phase === 'settle') {
    for (;;) {
      await Bun.sleep(1000);
      const [row] = await queryRows<{ n: number }>(
        p.adminDb,
        sql`select count(*)::int as n from clusters where status not in ('healthy', 'warning', 'critical')`,
      );
      if (Number(row?.n) === 0 && agents.every((a) => a.base) && (performance.now() - start) / 1000 >= COLD_MIN_S) break;
    }
  } else if (opts.phase === 'cold') {
    for (;;) {
      await Bun.sleep(1000);
      const elapsed = (performance.now() - start) / 1000;
      if (indexedAt === null) {
        const [row] = await queryRows<{ n: number }>(
          p.adminDb,
          sql`select count(*)::int as n from clusters c join fleet_pod_state s on s.cluster_id = c.id and s.pods_hash = c.pods_hash`,
        );
        indexed = Number(row?.n);
        if (indexed >= agents.length) indexedAt = elapsed;
      }
      if ((indexedAt !== null && elapsed >= COLD_MIN_S) || elapsed >= COLD_MAX_S) break;
    }
    if (indexedAt === null)
      console.log(`cold ×${opts.replicas}: the index had not caught up after ${COLD_MAX_S} s (${indexed} of ${agents.length} clusters indexed)`);
  } else {
    await Bun.sleep(INTERVAL_MS / 2);
    if (opts.during) duringResult = opts.during();
    await Promise.all([Bun.sleep(WARM_S * 1000 - INTERVAL_MS / 2), duringResult]);
  }
  const seconds = (performance.now() - start) / 1000;
  const databaseLines = await database.stop(seconds);
  const cpu1 = cpuNow(p, opts.replicas);
  const beats = tally.latencies.length;
  const writes1 = await readWrites(p.admin);
  const hot1 = await readHotUpdates(p.admin, 'clusters');
  const serverSide = diffHeartbeatHistograms(server0, await readServerSide(p, opts.replicas));
  stopped = true;
  await Promise.all(loops);
  if (duringResult && opts.onDuring) opts.onDuring(await duringResult);
  const writes = diffWrites(writes0, writes1);
  const latency = summarize(tally.latencies);
  console.log(
    `${opts.phase} ×${opts.replicas}: ${seconds.toFixed(0)} s, ${(beats / seconds).toFixed(1)} beats/s, p50 ${ms(latency.p50)} p99 ${ms(latency.p99)} max ${ms(latency.max)} ms, ${tally.errors} errors${opts.phase === 'cold' ? `, indexed in ${indexedAt === null ? 'not caught up' : `${indexedAt.toFixed(1)} s`}` : ''}; at most ${tally.maxInFlight} beats in flight; ${describeServerSide(serverSide)}`,
  );
  for (const line of databaseLines) console.log(line);
  return {
    replicas: opts.replicas,
    phase: opts.phase,
    seconds,
    beats,
    rate: beats / seconds,
    latency,
    errors: tally.errors,
    errorKinds: tally.errorKinds,
    lateMs,
    cpu: {
      plane: (cpu1.plane - cpu0.plane) / seconds,
      postgres: (cpu1.postgres - cpu0.postgres) / seconds,
      generator: (cpu1.generator - cpu0.generator) / seconds,
    },
    rowsPerBeat: writes.total / Math.max(1, beats),
    clustersHot: hot1.updates > hot0.updates ? (hot1.hot - hot0.hot) / (hot1.updates - hot0.updates) : null,
    indexS: opts.phase === 'cold' ? (indexedAt ?? Infinity) : null,
    serverSide,
  };
}

function cpuNow(p: SpawnedPlane, replicas: number): { plane: number; postgres: number; generator: number } {
  const u = process.cpuUsage();
  return {
    plane: p.replicas.slice(0, replicas).reduce((s, r) => s + processCpuSeconds(r.pid), 0),
    postgres: postgresCpuSeconds().seconds,
    generator: (u.user + u.system) / 1e6,
  };
}

/**
 * The /pods first page, unfiltered, by status and by search, over HTTP from replica 0 with a signed-in
 * session, each request interleaved with its bare SQL (recorded through an app of the same code over the
 * recorder's pool in this process).
 */
async function measurePods(p: SpawnedPlane): Promise<{ cases: PodCase[] }> {
  const runs = quick ? 30 : 200;
  const config = testConfig({ databaseUrl: p.testDb.url });
  // The pod page publishes and subscribes to nothing: a bus that carries nothing is enough for the recording.
  const bus: Bus = { publish: async () => {}, subscribe: async () => async () => {} };
  const deps = { db: pageRecorder.db, bus, config, log: createLogger('error', () => {}) };
  const recorded = createApp({ ...deps, ...createReplicaState(deps) });
  const cases = [
    { slug: 'no_filter', query: '' },
    { slug: 'status', query: '?status=CrashLoopBackOff' },
    { slug: 'search', query: '?q=app-17-' },
  ];
  const out: PodCase[] = [];
  for (const c of cases) {
    const path = `/pods${c.query}`;
    const viaReplica = async () => {
      const res = await fetch(`${p.replicas[0]!.url}${path}`, { headers: { cookie: p.browser.cookie } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    };
    const steps: Step[] = await pageRecorder.record(async () => {
      const res = await recorded.handle(new Request(TEST_ORIGIN + path, { headers: { cookie: p.browser.cookie } }));
      if (res.status !== 200) throw new Error(`${path} (recorded): ${res.status}`);
      await res.text();
    });
    const appTimes: number[] = [];
    const sqlTimes: number[] = [];
    const stepTimes: number[][] = steps.map(() => []);
    for (let i = 0; i < runs + 5; i++) {
      let t = performance.now();
      await viaReplica();
      if (i >= 5) appTimes.push(performance.now() - t);
      t = performance.now();
      const each = await pageRecorder.replay(steps);
      if (i >= 5) {
        sqlTimes.push(performance.now() - t);
        each.forEach((ms, j) => stepTimes[j]!.push(ms));
      }
    }
    // Which statement the time goes to: the page's statements, slowest first by their p99.
    const bySlowest = steps.map((s, j) => ({ sql: s.statement.sql, latency: summarize(stepTimes[j]!) })).sort((a, b) => b.latency.p99 - a.latency.p99);
    for (const s of bySlowest.slice(0, 3))
      console.log(`  pods ${c.slug} statement p50 ${ms(s.latency.p50)} p99 ${ms(s.latency.p99)} ms: ${s.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
    out.push({ slug: c.slug, app: summarize(appTimes), sql: summarize(sqlTimes) });
  }
  return { cases: out };
}

async function jobPasses(p: SpawnedPlane): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const r of p.replicas) {
    const text = await p.metrics(r);
    for (const m of text.matchAll(/^niro_job_runs_total\{job="([^"]+)",result="ran"\} (\d+)/gm)) total.set(m[1]!, (total.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return total;
}

function describeJobPasses(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  const parts = [...after].map(([job, n]) => `${job} ${n - (before.get(job) ?? 0)}`);
  return `once-per-fleet job passes that ran over the ${seconds.toFixed(0)} s warm window on 3 replicas, summed over them: ${parts.join(', ')}`;
}

/**
 * Empties the fleet pod index, for a cold phase. The truncate locks its four tables one after another while the
 * replicas' pod index job and pod pages lock them in their own order, so Postgres may end it as a deadlock's victim:
 * it is tried again, a few times.
 */
async function emptyPodIndex(plane: SpawnedPlane): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await plane.admin`truncate fleet_pod_usage, fleet_pods, fleet_pod_state, fleet_pod_org_counts`;
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '40P01' || attempt >= 5) throw e;
      await Bun.sleep(200 * attempt);
    }
  }
}
