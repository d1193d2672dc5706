// Heartbeat ingest for 1000-pod clusters, through the real app (HTTP handling, gunzip, parse,
// validation, diff, one transaction) on Postgres, next to two baselines measured in the same run:
//   parse-only — the rate at which this process merely gunzips and parses the same bodies;
//   COPY       — the rate at which Postgres takes the same pod rows through COPY.
// (a) unchanged: the inventory stays, only usage moves — compared with parse-only;
// (b) churn: every pod changes every beat — compared with COPY (rows/s).
// Usage: bun bench/heartbeat.ts [--quick]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import { sql } from 'drizzle-orm';
import { createApp } from '../src/app';
import { createReplicaState } from '../src/server';
import { createLogger } from '../src/log';
import { copyFrom, queryRows, type Db } from '../src/db/client';
import { createTestDatabase } from '../src/testing/db';
import { testConfig } from '../src/testing/app';
import { gzipJson, makeHeartbeat, makePods } from '../src/testing/heartbeats';
import { readBody } from '../src/http/body';
import { createOrg } from '../src/orgs/store';
import { createCluster } from '../src/clusters/store';
import { exchangeEnrollmentToken, issueEnrollmentToken } from '../src/clusters/enrollment';
import { parseHeartbeat } from '../src/agents/heartbeat-parse';
import { ingestHeartbeat } from '../src/agents/heartbeat';
import { POD_CONTENT_COLUMNS, podCopyLine, preparePods, takePodUsage } from '../src/inventory/prepare';
import { createPodsCopyTable, usageRowBytes } from '../src/inventory/measure';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../src/contract';

const quick = process.argv.includes('--quick');
const PODS = 1000;
const CLUSTERS = quick ? 4 : 8;
/** Beats per measured phase; phases alternate over ROUNDS and each figure is the median round. */
const BEATS = quick ? 40 : 200;
const CHURN_BEATS = quick ? 16 : 80;
const ROUNDS = quick ? 1 : 3;
/** Heartbeats in flight at once (agents of different clusters); the baselines run at the same concurrency. */
const CONCURRENCY = 2;

const testDb = await createTestDatabase();
const { db } = testDb.database;
const config = testConfig({ databaseUrl: testDb.url, heartbeatRatePerMinute: 1_000_000_000, heartbeatBurst: 1_000_000_000 });
// Beats through the app and direct ingests share one replica's state, as in a server.
const log = createLogger('error', () => {});
const replica = createReplicaState({ db, bus: testDb.database.bus, config, log });
const app = createApp({ db, bus: testDb.database.bus, config, log, ...replica });

try {
  const { clusters, keys } = await enrollClusters(db, CLUSTERS);

  // Bodies, built before any timing. (a): one inventory, usage varied per beat. (b): every pod's
  // image tag and labels change every beat (a rolling restart of everything).
  const unchanged = Array.from({ length: 16 }, (_, beat) => gzipJson(makeHeartbeat({ pods: makePods(PODS, beat + 1, 0) })));
  const churn = Array.from({ length: CHURN_BEATS * ROUNDS }, (_, beat) => gzipJson(makeHeartbeat({ pods: makePods(PODS, beat, beat + 1) })));
  const bodyBytes = JSON.stringify(makeHeartbeat({ pods: makePods(PODS) })).length;
  const copyPayloads = churn.slice(0, CHURN_BEATS).map(copyText);
  await createPodsCopyTable(db, 'bench_copy_pods');

  // Every cluster starts from the same stored inventory.
  for (let c = 0; c < CLUSTERS; c++) await beat(keys[c], gzipJson(makeHeartbeat({ pods: makePods(PODS, 0, 0) })));

  const results: Record<string, number[]> = { parseA: [], a: [], parseB: [], copy: [], b: [] };
  for (let round = 0; round < ROUNDS; round++) {
    results.parseA.push(await rate(BEATS, (i) => parseOnly(unchanged[i % unchanged.length])));
    results.a.push(await rate(BEATS, (i) => beat(keys[i % CLUSTERS], unchanged[i % unchanged.length])));
    results.parseB.push(await rate(CHURN_BEATS, (i) => parseOnly(churn[i])));
    await db.execute(sql.raw('truncate bench_copy_pods'));
    results.copy.push(await rate(CHURN_BEATS, (i) => copyRows(copyPayloads[i])));
    // Each beat of a cluster must differ from its last: walk the churn bodies in order per cluster.
    const offset = round * CHURN_BEATS;
    results.b.push(await rate(CHURN_BEATS, (i) => beat(keys[i % CLUSTERS], churn[offset + i])));
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const parseA = med(results.parseA);
  const a = med(results.a);
  const parseB = med(results.parseB);
  const copy = med(results.copy);
  const b = med(results.b);

  const rowsPerBeat = await rowsPerUnchangedBeat(db, clusters[0]);
  const sampleBytes = (await usageRowBytes(db)).sample ?? 0;

  const table: [string, string, string, string][] = [
    ['case', 'beats/s', 'pods/s', 'ms/beat'],
    ['parse-only, (a) bodies (gunzip + JSON.parse)', fmt(parseA), fmt(parseA * PODS), fmt(1000 / parseA, 2)],
    ['(a) unchanged inventory, usage only', fmt(a), fmt(a * PODS), fmt(1000 / a, 2)],
    ['parse-only, (b) bodies', fmt(parseB), fmt(parseB * PODS), fmt(1000 / parseB, 2)],
    ['COPY of the same pod rows (rows/s)', fmt(copy), fmt(copy * PODS), fmt(1000 / copy, 2)],
    ['(b) every pod changed', fmt(b), fmt(b * PODS), fmt(1000 / b, 2)],
  ];
  console.log(`heartbeat ingest: ${PODS} pods per beat, ${CLUSTERS} clusters, ${CONCURRENCY} in flight, median of ${ROUNDS} round(s)${quick ? ' (quick)' : ''}`);
  console.log(`body: ${(bodyBytes / 1024).toFixed(0)} KiB JSON, ${(unchanged[0].length / 1024).toFixed(0)} KiB gzipped`);
  const widths = [0, 1, 2, 3].map((col) => Math.max(...table.map((r) => r[col].length)));
  for (const row of table) console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  '));
  console.log(`rows written per unchanged beat: ${rowsPerBeat} (cluster row + one usage sample; ${sampleBytes} bytes per sample, ${(sampleBytes / PODS).toFixed(1)} per pod)`);
  console.log(`targets: (a) >= 1/3 of parse-only, (b) >= 1/2 of COPY, (a) constant rows`);
  console.log(`RESULT heartbeat unchanged_vs_parse=${(a / parseA).toFixed(2)} churn_vs_copy=${(b / copy).toFixed(2)} rows_per_unchanged_beat=${rowsPerBeat}`);
} finally {
  await testDb.drop();
}

async function enrollClusters(db: Db, n: number): Promise<{ clusters: string[]; keys: string[] }> {
  const org = await createOrg(db, { name: 'Bench', parent: null });
  if (!org.ok) throw new Error('org');
  const clusters: string[] = [];
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await createCluster(db, { orgId: org.org.id, name: `bench-${i}`, environment: 'production', createdBy: null });
    if (!created.ok) throw new Error('cluster');
    const issued = await issueEnrollmentToken(db, created.cluster.id, null);
    if (!issued.ok) throw new Error('token');
    const res = await exchangeEnrollmentToken(db, { token: issued.issued.token, agentVersion: 'bench', protocol: 2, ip: null });
    if (!res.ok) throw new Error(res.reason);
    clusters.push(created.cluster.id);
    keys.push(res.agentKey);
  }
  return { clusters, keys };
}

async function beat(agentKey: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const res = await app.handle(
    new Request(`http://niro.test${AGENT_PATHS.heartbeat}`, { method: 'POST', headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body }),
  );
  if (res.status !== 200) throw new Error(`heartbeat: ${res.status} ${await res.text()}`);
}

/** What any server must do with a body at least: read it through the same gunzip, then JSON.parse. */
async function parseOnly(body: Uint8Array<ArrayBuffer>): Promise<void> {
  const read = await readBody(new Request('http://niro.test/', { method: 'POST', headers: { 'content-encoding': 'gzip' }, body }), config.maxBodyBytes, replica.inflating);
  if (!read.ok) throw new Error(read.message);
  JSON.parse(read.text);
}

/** The COPY text of a body's pod rows, as ingest would store them, under a fresh cluster id. */
function copyText(body: Uint8Array<ArrayBuffer>): string {
  const parsed = parseHeartbeat(new TextDecoder().decode(Bun.gunzipSync(body)), PODS);
  if (!parsed.ok || !parsed.snapshot.pods) throw new Error('body');
  const inventory = takePodUsage(parsed.snapshot.pods);
  const id = crypto.randomUUID();
  const stamp = new Date().toISOString();
  return preparePods(parsed.snapshot.pods, inventory).map((p) => `${id}\t${podCopyLine(p)}\t${stamp}\t${stamp}\n`).join('');
}

async function copyRows(text: string): Promise<void> {
  await db.transaction(async (tx) => copyFrom(tx, 'bench_copy_pods', ['cluster_id', ...POD_CONTENT_COLUMNS, 'first_seen_at', 'updated_at'], text));
}

/** Beats per second of `n` calls of `fn`, CONCURRENCY at a time. */
async function rate(n: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Rows inserted + updated + deleted by one unchanged beat, read from Postgres's own counters inside
 * the transaction (before and after, since the view may hold this backend's unflushed earlier counts).
 */
async function rowsPerUnchangedBeat(db: Db, clusterId: string): Promise<number> {
  const writes = sql`select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int as n from pg_stat_xact_user_tables where schemaname = 'public'`;
  let worst = 0;
  // The first beat brings the cluster back to the unchanged inventory after the churn phase; not counted.
  for (let i = -1; i < 5; i++) {
    const parsed = parseHeartbeat(JSON.stringify(makeHeartbeat({ pods: makePods(PODS, 100 + i, 0) })), PODS);
    if (!parsed.ok) throw new Error(parsed.message);
    const n = await db.transaction(async (tx) => {
      const [before] = await queryRows<{ n: number }>(tx, writes);
      await ingestHeartbeat(tx, clusterId, parsed.snapshot, new Date(Date.now() + 1000 + i), replica.podsHashes);
      const [after] = await queryRows<{ n: number }>(tx, writes);
      return Number(after.n) - Number(before.n);
    });
    if (i >= 0) worst = Math.max(worst, n);
  }
  return worst;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
