// The fleet pod table at 100k pods in 500 clusters (quick: 20k in 100): p50/p99 of the first page —
// no filter, a status filter, a search, sorted by memory — through the JSON API and the HTML page
// (app.handle: routing, auth, scope, queries, JSON or JSX), next to the bare SQL of the same request
// measured in the same run: every statement the request issued, recorded once and replayed straight
// through the driver (no drizzle, no HTTP, no rendering), back to back on one connection. Then the
// storage cost of usage history per pod-day, from pg_total_relation_size after writing heartbeats'
// samples, and the per-pod series query.
// Usage: bun bench/pods.ts [--quick]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { createApp } from '../src/app';
import { createReplicaState } from '../src/server';
import { createLogger } from '../src/log';
import { createTestDatabase } from '../src/testing/db';
import { TEST_ORIGIN, apiClient, signIn, testConfig, type TestApp } from '../src/testing/app';
import { makeHeartbeat } from '../src/testing/heartbeats';
import { makeFleetPods } from '../src/testing/pod-fleet';
import { createUser } from '../src/accounts/store';
import { createOrg, setMembership } from '../src/orgs/store';
import { createCluster } from '../src/clusters/store';
import { parseHeartbeat } from '../src/agents/heartbeat-parse';
import { ingestHeartbeat } from '../src/agents/heartbeat';
import { indexFleetPods } from '../src/inventory/fleet-index';
import { rollUpCluster } from '../src/inventory/retention';
import { countPodsByStatus } from '../src/inventory/fleet-pods';
import { analyzeFleetIndex, usageHistoryBytes, usageRowBytes, vacuumUsageSamples } from '../src/inventory/measure';

const quick = process.argv.includes('--quick');
const CLUSTERS = quick ? 100 : 500;
const PODS = 200;
const RUNS = quick ? 60 : 300;
const WARMUP = quick ? 5 : 20;
/** Clusters and heartbeats written for the storage measurement. */
const STORAGE_CLUSTERS = quick ? 10 : 50;
const STORAGE_BEATS = quick ? 20 : 60;
/** 10-minute buckets per storage cluster for the rollup measurement. */
const ROLLUP_BUCKETS = quick ? 12 : 36;
const BEATS_PER_DAY = 86400 / 15;

const testDb = await createTestDatabase();
// The app's database handle records the statements it sends while `recording` is set.
const client = postgres(testDb.url, { max: 10, onnotice: () => {} });
let recording: { sql: string; params: unknown[] }[] | null = null;
const db = drizzle(client, { logger: { logQuery: (q: string, params: unknown[]) => recording?.push({ sql: q, params }) } });
const config = testConfig({ databaseUrl: testDb.url });
// Beats through the app and direct ingests share one replica's state, as in a server.
const log = createLogger('error', () => {});
const replica = createReplicaState({ db, bus: testDb.database.bus, config, log });
const app = createApp({ db, bus: testDb.database.bus, config, log, ...replica });
type Stats = { p50: number; p99: number };
const EMPTY: Stats = { p50: NaN, p99: NaN };
let replayConn: postgres.ReservedSql | null = null;
const harness = { request: (path: string, init?: RequestInit) => app.handle(new Request(TEST_ORIGIN + path, init)) } as unknown as TestApp;

try {
  // --- Fleet: CLUSTERS × PODS through the real ingest (as heartbeats store them), then the index job's pass.
  const password = 'correct horse battery';
  const user = await createUser(db, { email: 'bench@example.com', password });
  const org = await createOrg(db, { name: 'Bench MSP', parent: null, plan: 'enterprise' });
  if (!org.ok) throw new Error('org');
  await setMembership(db, org.org.id, user.id, 'owner');
  const ids: string[] = [];
  for (let c = 0; c < CLUSTERS; c++) {
    const created = await createCluster(db, { orgId: org.org.id, name: `site-${String(c).padStart(3, '0')}`, environment: 'production', createdBy: null });
    if (!created.ok) throw new Error('cluster');
    ids.push(created.cluster.id);
  }
  const t0 = performance.now();
  const start = Date.now() - 3600_000;
  await parallel(4, CLUSTERS, async (c) => {
    for (let b = 0; b < 2; b++) await beat(ids[c], makeFleetPods(c, PODS, b), new Date(start + b * 15_000));
  });
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const indexed = await indexFleetPods(db, { now: new Date(), usageEverySeconds: 30 });
  const indexMs = performance.now() - t1;
  if (indexed.failed) throw new Error('index pass failed');
  await analyzeFleetIndex(db);
  await db.execute(sql`vacuum analyze clusters`);
  const { total } = await countPodsByStatus(db, { clusterIds: ids });

  // --- Who asks: a signed-in browser (page) and an API token (curl).
  const browser = await signIn(harness, { id: user.id, email: user.email, password });
  const api = await apiClient(harness, browser);

  const cases: { name: string; query: string }[] = [
    { name: 'no filter', query: '' },
    { name: 'status filter', query: 'status=CrashLoopBackOff' },
    { name: 'search', query: 'q=gateway-2' },
    { name: 'sort by memory', query: 'sort=memory' },
  ];
  const extra: { name: string; query: string }[] = [
    { name: 'search, broad (12 % match)', query: 'q=payments' },
    { name: 'problem pods', query: 'problem=1' },
    { name: 'workloads across clusters', query: 'group=owner' },
  ];
  type Row = { name: string; api: Stats; apiSql: Stats; page: Stats; pageSql: Stats; rows: number; counted: boolean };
  const results: Row[] = [];
  for (const c of [...cases, ...extra]) {
    const apiUrl = `/v1/clusters/pods?limit=50${c.query ? `&${c.query}` : ''}`;
    const pageUrl = `/pods${c.query ? `?${c.query}` : ''}`;
    const callApi = async () => {
      const res = await api.call('GET', apiUrl);
      if (res.status !== 200) throw new Error(`${apiUrl}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { pods: unknown[] }).pods.length;
    };
    const callPage = async () => {
      const res = await browser.get(pageUrl);
      if (res.status !== 200) throw new Error(`${pageUrl}: ${res.status}`);
      return (await res.text()).length;
    };
    const isApiCase = !c.query.startsWith('group=');
    const apiStatements = isApiCase ? await record(callApi) : [];
    const pageStatements = await record(callPage);
    const rows = isApiCase ? await callApi() : 0;
    // Interleaved, so a noisy moment on a shared machine hits the app and its SQL baseline alike.
    const [apiStats, apiSql, pageStats, pageSql] = await measure([
      isApiCase ? callApi : null,
      isApiCase ? () => replay(apiStatements) : null,
      callPage,
      () => replay(pageStatements),
    ]);
    results.push({ name: c.name, api: apiStats, apiSql, page: pageStats, pageSql, rows, counted: cases.includes(c) });
  }

  // --- Storage: STORAGE_BEATS heartbeats' samples for STORAGE_CLUSTERS clusters, then their 10-minute rollups.
  await vacuumUsageSamples(db);
  const rawBefore = (await usageHistoryBytes(db)).raw;
  const storageStart = Date.now() - 2 * 3600_000;
  await parallel(4, STORAGE_CLUSTERS, async (c) => {
    for (let b = 0; b < STORAGE_BEATS; b++) await beat(ids[c], makeFleetPods(c, PODS, 10 + b), new Date(storageStart + b * 15_000));
  });
  await vacuumUsageSamples(db);
  const rawBytes = (await usageHistoryBytes(db)).raw - rawBefore;
  const rawPerPodDay = (rawBytes / (STORAGE_CLUSTERS * PODS * STORAGE_BEATS)) * BEATS_PER_DAY;
  // Rollups: older beats one per 10-minute bucket (so many buckets, few raw rows), then every bucket rolled up.
  await parallel(4, STORAGE_CLUSTERS, async (c) => {
    for (let b = 0; b < ROLLUP_BUCKETS; b++) await beat(ids[c], makeFleetPods(c, PODS, 500 + b), new Date(storageStart - (ROLLUP_BUCKETS - b) * 600_000));
  });
  const rollBefore = (await usageHistoryBytes(db)).rollups;
  let buckets = 0;
  for (let c = 0; c < STORAGE_CLUSTERS; c++) buckets += await rollUpCluster(db, ids[c], new Date());
  const rollBytes = (await usageHistoryBytes(db)).rollups - rollBefore;
  const rollPerPodDay = buckets ? (rollBytes / (buckets * PODS)) * 144 : 0;
  const { sample: sampleBytes, rollup: rollupRowBytes } = await usageRowBytes(db);

  // --- One pod's series: the last hour from raw samples (240 beats at 15 s).
  const seriesCluster = ids[CLUSTERS - 1];
  const hourStart = Date.now() - 3600_000;
  for (let b = 0; b < 240; b++) await beat(seriesCluster, makeFleetPods(CLUSTERS - 1, PODS, 100 + b), new Date(hourStart + b * 15_000));
  const pod = makeFleetPods(CLUSTERS - 1, PODS)[PODS - 1];
  const seriesUrl = `/v1/clusters/${seriesCluster}/pods/${pod.namespace}/${pod.name}/metrics?from=${Math.floor(hourStart / 1000)}&step=15`;
  const [series] = await measure([
    async () => {
      const res = await api.call('GET', seriesUrl);
      if (res.status !== 200) throw new Error(`series: ${res.status}`);
      return ((await res.json()) as { points: unknown[] }).points.length;
    },
  ]);
  const seriesPoints = ((await (await api.call('GET', seriesUrl)).json()) as { points: unknown[] }).points.length;

  // --- Report.
  console.log(`pods: ${total.toLocaleString('en-US')} pods in ${CLUSTERS} clusters${quick ? ' (quick)' : ''}; ${RUNS} runs per case after ${WARMUP} warm-up`);
  console.log(`load: ${(loadMs / 1000).toFixed(1)} s through heartbeat ingest (2 beats per cluster), first index pass ${(indexMs / 1000).toFixed(1)} s`);
  const table: string[][] = [['first page (50 rows)', 'API p50', 'API p99', 'SQL p99', 'API/SQL', 'page p50', 'page p99', 'SQL p99', 'page/SQL', 'rows']];
  for (const r of results) {
    table.push([
      r.name + (r.counted ? '' : ' *'),
      ms(r.api.p50), ms(r.api.p99), ms(r.apiSql.p99), ratio(r.api.p99, r.apiSql.p99),
      ms(r.page.p50), ms(r.page.p99), ms(r.pageSql.p99), ratio(r.page.p99, r.pageSql.p99), String(r.rows),
    ]);
  }
  printTable(table);
  console.log('SQL = every statement the request issued (auth, scope, list, counts), replayed back to back through the driver. * = not in RESULT.');
  console.log(`usage history: ${sampleBytes} bytes per sample row, ${rollupRowBytes} per rollup row (${PODS} pods); raw ${fmtBytes(rawPerPodDay)} per pod-day (15 s samples, kept 24 h); 10-minute rollups ${fmtBytes(rollPerPodDay)} per pod-day (kept for the plan: 7 d pro, 30 d enterprise)`);
  console.log(`  → a pod's 30-day enterprise history: ${fmtBytes(rawPerPodDay + 29 * rollPerPodDay)} (raw day + 29 rollup days), vs ${fmtBytes(30 * rawPerPodDay)} kept raw`);
  console.log(`per-pod series, last hour at 15 s (${seriesPoints} points): API p50 ${ms(series.p50)} ms, p99 ${ms(series.p99)} ms`);
  const counted = results.filter((r) => r.counted);
  const apiP99 = Math.max(...counted.map((r) => r.api.p99));
  const pageP99 = Math.max(...counted.map((r) => r.page.p99));
  const worstRatio = Math.max(...counted.flatMap((r) => [r.api.p99 / r.apiSql.p99, r.page.p99 / r.pageSql.p99]));
  console.log('targets: p99 <= 50 ms and <= 3x bare SQL');
  console.log(`RESULT pods api_p99_ms=${apiP99.toFixed(1)} page_p99_ms=${pageP99.toFixed(1)} p99_vs_sql=${worstRatio.toFixed(2)} bytes_per_pod_day=${Math.round(rawPerPodDay)}`);
} finally {
  (replayConn as postgres.ReservedSql | null)?.release();
  await client.end({ timeout: 5 });
  await testDb.drop();
}


async function beat(clusterId: string, pods: ReturnType<typeof makeFleetPods>, at: Date): Promise<void> {
  const parsed = parseHeartbeat(JSON.stringify(makeHeartbeat({ pods })), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  const res = await ingestHeartbeat(db, clusterId, parsed.snapshot, at, replica.podsHashes);
  if (!res.ok) throw new Error(res.reason);
}

/** Runs fn(0..n-1), `width` at a time. */
async function parallel(width: number, n: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** The statements `fn` sends to the database (after one warm-up call, so caches are as in the runs). */
async function record(fn: () => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  await fn();
  recording = [];
  await fn();
  const out = recording;
  recording = null;
  return out;
}

/** The statements again, straight through postgres.js as drizzle sends them, on one reserved connection. */
async function replay(statements: { sql: string; params: unknown[] }[]): Promise<void> {
  replayConn ??= await client.reserve();
  for (const s of statements) await replayConn.unsafe(s.sql, s.params as postgres.ParameterOrJSON<never>[], { prepare: false });
}

/** p50/p99 of each function, called in turn RUNS times (after WARMUP rounds); null gives no figures. */
async function measure(fns: (null | (() => Promise<unknown>))[]): Promise<Stats[]> {
  const times: number[][] = fns.map(() => []);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (let f = 0; f < fns.length; f++) {
      const fn = fns[f];
      if (!fn) continue;
      const t = performance.now();
      await fn();
      if (i >= WARMUP) times[f].push(performance.now() - t);
    }
  }
  return times.map((ts) => {
    if (ts.length === 0) return EMPTY;
    ts.sort((a, b) => a - b);
    const at = (q: number) => ts[Math.min(ts.length - 1, Math.ceil(q * ts.length) - 1)];
    return { p50: at(0.5), p99: at(0.99) };
  });
}

function ms(n: number): string {
  return Number.isNaN(n) ? '—' : n.toFixed(1);
}

function ratio(a: number, b: number): string {
  return Number.isNaN(a) || Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}x`;
}

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n)} B`;
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}
