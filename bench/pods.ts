// The fleet pod table at 100k pods in 500 clusters (quick: 12k in 60), through the real server with
// every background job running (bench/lib/control-plane.ts). Every case — the first page of 50 rows
// with no filter, a status filter, a search, a broad search, a sort by memory, problem pods, and the
// workloads-across-clusters view, through the JSON API and the HTML page, plus one pod's usage series —
// is measured twice: idle (no heartbeats; the jobs find nothing to do) and loaded (every cluster beating
// at the agents' real interval through the app, some inventories changing, the pod index job
// re-syncing them). Each request is interleaved with its bare SQL: every statement the request issued,
// recorded once and replayed straight through the driver — statements the request ran concurrently
// run concurrently in the replay, the others in order — no drizzle, no HTTP, no rendering.
// Then the storage cost of usage history per pod-day (a scratch database of its own, no jobs).
// Usage: bun bench/pods.ts [--quick]   (DATABASE_URL or the local Postgres; scratch databases are made and dropped)
import { createApp } from '../src/app';
import { createLogger } from '../src/log';
import type { Db } from '../src/db/client';
import type { PodsHashHints } from '../src/deps';
import { createTestDatabase } from '../src/testing/db';
import { TEST_ORIGIN } from '../src/testing/app';
import { gzipJson, makeHeartbeat } from '../src/testing/heartbeats';
import { makeFleetPods } from '../src/testing/pod-fleet';
import { createOrg } from '../src/orgs/store';
import { createCluster } from '../src/clusters/store';
import { parseHeartbeat } from '../src/agents/heartbeat-parse';
import { ingestHeartbeat } from '../src/agents/heartbeat';
import { rollUpCluster } from '../src/inventory/retention';
import { countIndexedPods, usageHistoryBytes, usageRowBytes, vacuumUsageSamples } from '../src/inventory/measure';
import type { PodDetail } from '../src/contract';
import { startReport, summarize, printTable, ms, type Summary } from './lib/report';
import { describePostgres } from './lib/postgres';
import { parallel, startBenchPlane, waitFor } from './lib/control-plane';
import { startPacedBeats } from './lib/paced-beats';
import { createStatementRecorder, type Step } from './lib/sql-replay';

const report = startReport('pods');
const quick = report.quick;
const CLUSTERS = quick ? 60 : 500;
const PODS = 200;
const RUNS = quick ? 20 : 300;
const WARMUP = quick ? 3 : 20;
/** Seconds of heartbeat load before the loaded measurements start (the beats spread over one interval). */
const LOAD_WARMUP_S = quick ? 5 : 20;
/** A crash-looping pod restarts about every 5 minutes: its restart count moves every 20 beats. */
const RESTART_EVERY_BEATS = 20;
/** Clusters and heartbeats written for the storage measurement. */
const STORAGE_CLUSTERS = quick ? 10 : 50;
const STORAGE_BEATS = quick ? 20 : 60;
/** 10-minute buckets per storage cluster for the rollup measurement. */
const ROLLUP_BUCKETS = quick ? 12 : 36;
const BEATS_PER_DAY = 86400 / 15;
const GOAL_MS = 50;
const EMPTY: Summary = { n: 0, p50: NaN, p99: NaN, max: NaN };

type Target = 'api' | 'page' | 'series';
type Figures = { app: Summary; sql: Summary };
type Row = { target: Target; name: string; slug: string; idle: Figures; loaded?: Figures; rows: number; statements: number; concurrent: number };

// Storage first, on its own database: the retention job of the server below would roll the samples up mid-measurement.
const storage = await measureStorage();

const plane = await startBenchPlane({ plan: 'enterprise' });
// The measured app: the same app over a pool of its own whose statements are recorded (bench/lib/sql-replay.ts).
const recorder = createStatementRecorder(plane.testDb.url);
const { db, record, replay } = recorder;
// The server's replica state: one process answering these requests beside the agents' beats.
const app = createApp({ db, bus: plane.server.database.bus, config: plane.config, log: createLogger('error', () => {}), ...plane.server.replica });
const auth = { api: { authorization: `Bearer ${plane.api.token}` }, page: { cookie: plane.browser.cookie } };

try {
  console.log(await describePostgres(plane.admin));
  const intervalMs = plane.config.heartbeatIntervalSeconds * 1000;

  // --- Fleet: CLUSTERS enrolled through the API; one pod series' hour of history; two live beats each.
  const tLoad = performance.now();
  const clusters = await plane.enroll(CLUSTERS, 'site');
  const seriesCluster = CLUSTERS - 1;
  const hourStart = Date.now() - 3600_000;
  for (let b = 0; b < 240; b++)
    await ingestAt(
      plane.server.database.db,
      plane.server.replica.podsHashes,
      clusters[seriesCluster]!.clusterId,
      makeFleetPods(seriesCluster, PODS, 100 + b),
      new Date(hourStart + b * 15_000),
    );
  // Each cluster's bodies: usage alternates every beat; crash-looping pods' restart counts move every RESTART_EVERY_BEATS beats.
  const bodies = Array.from({ length: CLUSTERS }, (_, c) =>
    [0, 1].map((g) => [0, 1].map((v) => gzipJson(makeHeartbeat({ pods: withRestarts(makeFleetPods(c, PODS, v), g) })))),
  );
  const beatNo = new Array<number>(CLUSTERS).fill(0);
  const fleetBeat = (c: number): Promise<number> => {
    const n = beatNo[c]!++;
    return plane.beat(clusters[c]!.agentKey, bodies[c]![Math.floor((n + 7 * c) / RESTART_EVERY_BEATS) % 2]![n % 2]!);
  };
  await parallel(4, CLUSTERS * 2, (i) => fleetBeat(i % CLUSTERS).then(() => {}));
  const loadS = (performance.now() - tLoad) / 1000;
  const tIndex = performance.now();
  await waitFor(async () => (await countIndexedPods(plane.adminDb)) >= CLUSTERS * PODS, 15 * 60_000, 'the pod index job to index the fleet');
  const indexS = (performance.now() - tIndex) / 1000;
  // Planner statistics as autovacuum keeps them in production (no vacuum: dead rows stay as they would).
  await plane.admin`analyze`;
  const total = await countIndexedPods(plane.adminDb);

  const cases = [
    { slug: 'no_filter', name: 'no filter', query: '' },
    { slug: 'status', name: 'status filter', query: 'status=CrashLoopBackOff' },
    { slug: 'search', name: 'search (2 % match)', query: 'q=gateway-2' },
    { slug: 'search_broad', name: 'search, broad (12 % match)', query: 'q=payments' },
    { slug: 'sort_memory', name: 'sort by memory', query: 'sort=memory' },
    { slug: 'problem', name: 'problem pods', query: 'problem=1' },
    { slug: 'workloads', name: 'workloads across clusters', query: 'group=owner' },
  ];
  const pod = makeFleetPods(seriesCluster, PODS)[PODS - 1]!;
  const seriesUrl = `/v1/clusters/${clusters[seriesCluster]!.clusterId}/pods/${pod.namespace}/${pod.name}/metrics?from=${Math.floor(hourStart / 1000)}&step=15`;
  type Probe = { row: Row; call: () => Promise<number>; steps: Step[] };
  const probes: Probe[] = [];
  const newRow = (target: Target, name: string, slug: string, statements: Step[]): Row => ({
    target,
    name,
    slug,
    idle: { app: EMPTY, sql: EMPTY },
    rows: 0,
    statements: statements.length,
    concurrent: statements.filter((s, j) => statements.some((o, i) => i !== j && !s.after.includes(i) && !o.after.includes(j))).length,
  });
  for (const c of cases) {
    // The workloads view has no JSON twin.
    if (!c.query.startsWith('group=')) {
      const call = () =>
        get(`/v1/clusters/pods?limit=50${c.query ? `&${c.query}` : ''}`, 'api', (body) => (JSON.parse(body) as { pods: unknown[] }).pods.length);
      const steps = await record(call);
      probes.push({ row: newRow('api', c.name, c.slug, steps), call, steps });
    }
    const call = () => get(`/pods${c.query ? `?${c.query}` : ''}`, 'page', (body) => body.length);
    const steps = await record(call);
    probes.push({ row: newRow('page', c.name, c.slug, steps), call, steps });
  }
  {
    const call = () => get(seriesUrl, 'api', (body) => (JSON.parse(body) as { points: unknown[] }).points.length);
    const steps = await record(call);
    probes.push({ row: newRow('series', 'one pod, last hour at 15 s', 'pod', steps), call, steps });
  }
  for (const p of probes) p.row.rows = await p.call();

  // --- Idle.
  for (const p of probes) {
    p.row.idle = await measure(p.call, p.steps);
    report.addCase(`idle_${p.row.target}_${p.row.slug}`, p.row.idle.app);
  }

  // --- Loaded: every cluster beats at the real interval while every case is measured again.
  const load = startPacedBeats({ clusters: CLUSTERS, intervalMs, send: fleetBeat });
  await Bun.sleep(LOAD_WARMUP_S * 1000);
  const loadFrom = load.latencies.length;
  const tLoaded = performance.now();
  for (const p of probes) {
    p.row.loaded = await measure(p.call, p.steps);
    report.addCase(`loaded_${p.row.target}_${p.row.slug}`, p.row.loaded.app);
  }
  const loadedS = (performance.now() - tLoaded) / 1000;
  const loadBeats = load.latencies.length - loadFrom;
  const late = load.lateMs;
  await load.stop();
  const beatStats = summarize(load.latencies.slice(loadFrom));
  report.addCase('loaded_heartbeat', beatStats);

  // --- Report.
  const rows = probes.map((p) => p.row);
  console.log(
    `pods: ${total.toLocaleString('en-US')} pods in ${CLUSTERS} clusters${quick ? ' (quick)' : ''}; ${RUNS} runs per case after ${WARMUP} warm-up, idle and loaded`,
  );
  console.log(`load: enrol + 2 beats per cluster ${loadS.toFixed(1)} s; pod index caught up in ${indexS.toFixed(1)} s`);
  console.log(
    `loaded = ${CLUSTERS} clusters beating every ${intervalMs / 1000} s through the app (${(loadBeats / loadedS).toFixed(1)} beats/s while measured; beat p50 ${ms(beatStats.p50)} ms, p99 ${ms(beatStats.p99)} ms, at most ${late.toFixed(0)} ms behind schedule), crash-looping pods restarting every ${RESTART_EVERY_BEATS} beats, the pod index and every other job running`,
  );
  const table: string[][] = [
    ['first page (50 rows)', 'idle p50', 'idle p99', 'SQL p99', '×SQL', 'loaded p50', 'loaded p99', 'SQL p99', '×SQL', 'rows/size', 'stmts'],
  ];
  for (const r of rows) {
    const l = r.loaded!;
    table.push([
      `${r.target === 'page' ? 'page' : 'API '} ${r.name}`,
      ms(r.idle.app.p50),
      ms(r.idle.app.p99),
      ms(r.idle.sql.p99),
      ratio(r.idle),
      ms(l.app.p50),
      ms(l.app.p99),
      ms(l.sql.p99),
      ratio(l),
      r.target === 'page' ? `${(r.rows / 1024).toFixed(0)} KiB` : String(r.rows),
      r.concurrent ? `${r.statements} (${r.concurrent} ∥)` : String(r.statements),
    ]);
  }
  printTable(table);
  console.log(
    'ms. SQL = every statement the request issued (auth, scope, list, counts), replayed through the driver; ∥ = statements the request ran concurrently, replayed concurrently.',
  );
  console.log(
    `usage history: ${storage.sampleBytes} bytes per sample row, ${storage.rollupRowBytes} per rollup row (${PODS} pods); raw ${fmtBytes(storage.rawPerPodDay)} per pod-day (15 s samples, kept 24 h); 10-minute rollups ${fmtBytes(storage.rollPerPodDay)} per pod-day (kept for the plan: 7 d pro, 30 d enterprise)`,
  );
  console.log(
    `  → a pod's 30-day enterprise history: ${fmtBytes(storage.rawPerPodDay + 29 * storage.rollPerPodDay)} (raw day + 29 rollup days), vs ${fmtBytes(30 * storage.rawPerPodDay)} kept raw`,
  );
  const all = rows.flatMap((r) => [
    { r, f: r.idle, when: 'idle' },
    { r, f: r.loaded!, when: 'loaded' },
  ]);
  const worstRatio = all.reduce((w, x) => (x.f.app.p99 / x.f.sql.p99 > w.f.app.p99 / w.f.sql.p99 ? x : w));
  const over = all.filter((x) => x.f.app.p99 > GOAL_MS);
  console.log(
    `targets: p99 <= ${GOAL_MS} ms and <= 3x bare SQL, in every case; over ${GOAL_MS} ms: ${over.map((x) => `${x.when} ${x.r.target} ${x.r.name} (${ms(x.f.app.p99)})`).join(', ') || 'none'}`,
  );
  report.finish({
    p99_vs_sql: (worstRatio.f.app.p99 / worstRatio.f.sql.p99).toFixed(2),
    p99_vs_sql_case: `${worstRatio.when}_${worstRatio.r.target}_${worstRatio.r.slug}`,
    cases_over_goal: over.length,
    goal_ms: GOAL_MS,
    load_beats_per_s: (loadBeats / loadedS).toFixed(1),
    bytes_per_pod_day: Math.round(storage.rawPerPodDay),
  });
} finally {
  await recorder.end();
  await plane.stop();
}

/** A GET through the measured app as `who`; resolves with `size(body)` (rows, points or bytes). */
async function get(path: string, who: 'api' | 'page', size: (body: string) => number): Promise<number> {
  const res = await app.handle(new Request(TEST_ORIGIN + path, { headers: auth[who] }));
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
  return size(body);
}

/** The call and its replay, alternately, RUNS times after WARMUP: a noisy moment hits both. */
async function measure(call: () => Promise<unknown>, steps: Step[]): Promise<Figures> {
  const appTimes: number[] = [];
  const sqlTimes: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    let t = performance.now();
    await call();
    if (i >= WARMUP) appTimes.push(performance.now() - t);
    t = performance.now();
    await replay(steps);
    if (i >= WARMUP) sqlTimes.push(performance.now() - t);
  }
  return { app: summarize(appTimes), sql: summarize(sqlTimes) };
}

/** The pods with every crash-looping pod's restart count moved on by `bump`. */
function withRestarts(pods: PodDetail[], bump: number): PodDetail[] {
  if (!bump) return pods;
  return pods.map((p) =>
    p.status === 'CrashLoopBackOff'
      ? { ...p, restarts: p.restarts + bump, containerDetails: p.containerDetails.map((c) => ({ ...c, restarts: c.restarts + bump })) }
      : p,
  );
}

/** One heartbeat stored for `clusterId` as of `at` (history written in the past, outside the app), with the replica's write-path hints. */
async function ingestAt(target: Db, hints: PodsHashHints, clusterId: string, pods: PodDetail[], at: Date): Promise<void> {
  const parsed = parseHeartbeat(JSON.stringify(makeHeartbeat({ pods })), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  const res = await ingestHeartbeat(target, clusterId, parsed.snapshot, at, hints);
  if (!res.ok) throw new Error(res.reason);
}

/** Bytes of usage history: raw samples per pod-day, and 10-minute rollups per pod-day. */
async function measureStorage(): Promise<{ sampleBytes: number; rollupRowBytes: number; rawPerPodDay: number; rollPerPodDay: number }> {
  const scratch = await createTestDatabase();
  try {
    const sdb = scratch.database.db;
    const org = await createOrg(sdb, { name: 'Bench storage', parent: null, plan: 'enterprise' });
    if (!org.ok) throw new Error('org');
    const ids: string[] = [];
    for (let c = 0; c < STORAGE_CLUSTERS; c++) {
      const created = await createCluster(sdb, { orgId: org.org.id, name: `store-${c}`, environment: 'production', createdBy: null });
      if (!created.ok) throw new Error('cluster');
      ids.push(created.cluster.id);
    }
    const hints: PodsHashHints = new Map();
    const start = Date.now() - 2 * 3600_000;
    // The inventory first, so what follows writes samples (and the cluster row) only.
    await parallel(4, STORAGE_CLUSTERS, (c) => ingestAt(sdb, hints, ids[c]!, makeFleetPods(c, PODS, 0), new Date(start - (ROLLUP_BUCKETS + 1) * 600_000)));
    await vacuumUsageSamples(sdb);
    const rawBefore = (await usageHistoryBytes(sdb)).raw;
    await parallel(4, STORAGE_CLUSTERS, async (c) => {
      for (let b = 0; b < STORAGE_BEATS; b++) await ingestAt(sdb, hints, ids[c]!, makeFleetPods(c, PODS, 10 + b), new Date(start + b * 15_000));
    });
    await vacuumUsageSamples(sdb);
    const rawBytes = (await usageHistoryBytes(sdb)).raw - rawBefore;
    const rawPerPodDay = (rawBytes / (STORAGE_CLUSTERS * PODS * STORAGE_BEATS)) * BEATS_PER_DAY;
    // Rollups: older beats one per 10-minute bucket (so many buckets, few raw rows), then every bucket rolled up.
    await parallel(4, STORAGE_CLUSTERS, async (c) => {
      for (let b = 0; b < ROLLUP_BUCKETS; b++)
        await ingestAt(sdb, hints, ids[c]!, makeFleetPods(c, PODS, 500 + b), new Date(start - (ROLLUP_BUCKETS - b) * 600_000));
    });
    const rollBefore = (await usageHistoryBytes(sdb)).rollups;
    let buckets = 0;
    for (const id of ids) buckets += await rollUpCluster(sdb, id, new Date());
    const rollBytes = (await usageHistoryBytes(sdb)).rollups - rollBefore;
    const { sample, rollup } = await usageRowBytes(sdb);
    return { sampleBytes: sample ?? 0, rollupRowBytes: rollup ?? 0, rawPerPodDay, rollPerPodDay: buckets ? (rollBytes / (buckets * PODS)) * 144 : 0 };
  } finally {
    await scratch.drop();
  }
}

function ratio(f: Figures): string {
  return `${(f.app.p99 / f.sql.p99).toFixed(2)}x`;
}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n)} B`;
}
