// Heartbeat ingest for 1000-pod clusters through the real server (app.handle: routing, agent-key
// lookup, gunzip, JSON parse, contract validation, diff, writes) with every background job running
// (bench/lib/control-plane.ts), next to two baselines:
//   parse-only — this process merely gunzipping and parsing the same bodies;
//   COPY       — Postgres taking the same pod rows through COPY, committed as ingest commits
//                (synchronous_commit off).
// (a) unchanged inventory, only usage moves (the usual beat) — against parse-only;
// (b) every pod changed (a rolling restart of everything) — against COPY.
// Bodies are protocol 4: the pods' 40 Deployments ride along (templates on the first beat and on every
// churn beat, whose image tags change every template; none on unchanged beats, as the agent sends them).
// detect — incident detection and policy-rule evaluation of a (b) beat as ingest runs them (the
//          incidents' and findings' reads and writes included; timed inside a transaction that is then
//          rolled back, as ingest runs them inside its own), in the same rounds as (b):
//          `detect_vs_ingest` is its cost per beat over a (b) beat's whole cost (which includes it).
// Baselines and cases run in alternating rounds (a baseline and its case back to back, the order
// flipped every round), so a burst of load on a shared machine hits both sides; the ratio is taken per
// round, and the median and the worst round are reported.
// Enough clusters that none beats again sooner than the agents' interval, so every beat pays the
// agent-key lookup as in production (the key cache keeps an entry 10 s; the interval is 15 s): the
// lookups are counted on the key's index. Rows per beat: every row the database wrote — ingest and
// jobs alike — per unchanged beat, from pg_stat_user_tables over a window in which every (a) cluster
// beats at the real interval.
// Usage: bun bench/heartbeat.ts [--quick]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import postgres from 'postgres';
import { getTableName } from 'drizzle-orm';
import { TransactionRollbackError } from 'drizzle-orm';
import { gzipJson, makeHeartbeat, makePods, makeWorkloadsFor } from '../src/testing/heartbeats';
import { parseHeartbeat, type Snapshot } from '../src/agents/heartbeat-parse';
import { detectBeatIncidents } from '../src/incidents/ingest';
import { applyWorkloadPolicies } from '../src/policies/evaluate';
import type { HeartbeatV2 } from '../src/contract';
import { readBody } from '../src/http/body';
import { clusters } from '../src/clusters/schema';
import { countIndexedPods, createPodsCopyTable, podRowsCopyText, usageRowBytes } from '../src/inventory/measure';
import { startReport, summarize, median, printTable, ms } from './lib/report';
import { describePostgres, diffWrites, readIndexScans, readWrites } from './lib/postgres';
import { parallel, startBenchPlane, waitFor, type EnrolledCluster } from './lib/control-plane';
import { startPacedBeats } from './lib/paced-beats';

const report = startReport('heartbeat');
const quick = report.quick;
const PODS = 1000;
/** Clusters for (a) and (b): sized so a cluster's beats in the rounds below come ≥ 15 s apart on this machine (checked and printed). */
const A_CLUSTERS = quick ? 24 : 300;
const B_CLUSTERS = quick ? 8 : 100;
const ROUNDS = quick ? 4 : 20;
/** Beats (and baseline operations) per side per round. */
const A_PER_ROUND = quick ? 20 : 40;
const B_PER_ROUND = quick ? 6 : 12;
/** Heartbeats in flight at once (agents of different clusters); the baselines run at the same concurrency. */
const CONCURRENCY = 2;
const USAGE_VARIANTS = 16;
const CHURN_VARIANTS = 8;
/** The paced window for rows per beat: a warm-up, then the counted window (full: two of the index job's 30 s usage periods). */
const PACED_WARMUP_S = quick ? 3 : 15;
const PACED_WINDOW_S = quick ? 12 : 60;
/** The COPY baseline's rows carry this cluster id until each copy gets a fresh one. */
const PLACEHOLDER_ID = '00000000-0000-4000-8000-0000000c0b1e';
const OWN_TABLES = ['bench_copy_pods'];
/** The agent-key lookup's index, named through the clusters schema: index scans on it count the lookups. */
const KEY_INDEX = [getTableName(clusters), clusters.agentKeyPublicId.name] as const;

const plane = await startBenchPlane({
  // The per-cluster limiter is consulted on every beat either way; raised so the rounds, which beat
  // each cluster every ~15 s but in bursts, are never refused.
  config: { heartbeatRatePerMinute: 1_000_000_000, heartbeatBurst: 1_000_000_000 },
});
const { admin, adminDb } = plane;
const copier = postgres(plane.testDb.url, { max: CONCURRENCY, onnotice: () => {} });

try {
  console.log(await describePostgres(admin));
  const intervalMs = plane.config.heartbeatIntervalSeconds * 1000;

  // Bodies, built before any timing. Unchanged: one inventory, usage varied per beat. Churn: every
  // pod's image tag and labels change from one variant to the next.
  const seed = gzipJson(beatOf(0, 0, true));
  const unchanged = Array.from({ length: USAGE_VARIANTS }, (_, k) => gzipJson(beatOf(k + 1, 0, false)));
  const churn = Array.from({ length: CHURN_VARIANTS }, (_, k) => gzipJson(beatOf(k + 1, k + 1, true)));
  const churnSnapshots = Array.from({ length: CHURN_VARIANTS }, (_, k) => {
    const parsed = parseHeartbeat(JSON.stringify(beatOf(k + 1, k + 1, true)), PODS);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.snapshot;
  });
  const bodyBytes = JSON.stringify(beatOf(0, 0, false)).length;

  const tEnroll = performance.now();
  const aClusters = await plane.enroll(A_CLUSTERS, 'unchanged');
  const bClusters = await plane.enroll(B_CLUSTERS, 'churn');
  const [copySource] = await plane.enroll(1, 'copy-source');
  const all = [...aClusters, ...bClusters];
  await parallel(CONCURRENCY, all.length, async (i) => void (await plane.beat(all[i]!.agentKey, seed)));
  const loadS = (performance.now() - tEnroll) / 1000;

  // The COPY baseline's rows: exactly what ingest stored for each churn body (a scratch cluster beats each in turn).
  const copyTexts: string[] = [];
  for (const body of churn) {
    await plane.beat(copySource!.agentKey, body);
    copyTexts.push(await exportPodRows(copySource!.clusterId));
  }
  await createPodsCopyTable(adminDb, 'bench_copy_pods');

  // The pod index job indexes every seeded cluster before anything is measured.
  const tIndex = performance.now();
  const expected = (all.length + 1) * PODS;
  await waitFor(async () => (await countIndexedPods(adminDb)) >= expected, 15 * 60_000, `the pod index job to index ${expected} pods`);
  const indexS = (performance.now() - tIndex) / 1000;

  // --- Paced: every (a) cluster beats at the real interval; count every row written and every key lookup.
  const beatsOf = new Array<number>(A_CLUSTERS).fill(0);
  const nextUnchanged = (c: number): Uint8Array<ArrayBuffer> => unchanged[(c + beatsOf[c]!++) % USAGE_VARIANTS]!;
  // When each cluster last beat, paced or in the rounds: the rounds report the shortest gap they made.
  const lastBeatAt = new Map<string, number>();
  const paced = startPacedBeats({
    clusters: A_CLUSTERS,
    intervalMs,
    send: (c) => {
      lastBeatAt.set(aClusters[c]!.clusterId, performance.now());
      return plane.beat(aClusters[c]!.agentKey, nextUnchanged(c));
    },
  });
  await Bun.sleep(PACED_WARMUP_S * 1000);
  const writes0 = await readWrites(admin);
  const lookups0 = await readIndexScans(admin, ...KEY_INDEX);
  const beats0 = paced.beats;
  await Bun.sleep(PACED_WINDOW_S * 1000);
  const writes1 = await readWrites(admin);
  const lookups1 = await readIndexScans(admin, ...KEY_INDEX);
  const pacedBeats = paced.beats - beats0;
  await paced.stop();
  const written = diffWrites(writes0, writes1, OWN_TABLES);
  const rowsPerBeat = written.total / pacedBeats;
  const pacedLookups = (lookups1 - lookups0) / pacedBeats;
  const pacedStats = summarize(paced.latencies);
  report.addCase('paced_unchanged', pacedStats);

  // --- Rounds: parse-only ↔ (a), COPY ↔ (b), order flipped every round. (a) clusters are taken
  // longest-idle first, so the first round does not beat again a cluster the paced window just beat.
  const aOrder = aClusters.map((_, c) => c).sort((x, y) => (lastBeatAt.get(aClusters[x]!.clusterId) ?? 0) - (lastBeatAt.get(aClusters[y]!.clusterId) ?? 0));
  const gap = { a: Infinity, b: Infinity };
  const latencies = { a: [] as number[], b: [] as number[], parseA: [] as number[], parseB: [] as number[], copy: [] as number[], detect: [] as number[] };
  const rates = { a: [] as number[], parseA: [] as number[], b: [] as number[], parseB: [] as number[], copy: [] as number[], detect: [] as number[] };
  const churnOf = new Array<number>(B_CLUSTERS).fill(0);
  let aNext = 0;
  let bNext = 0;
  const sendTimed = async (side: 'a' | 'b', cluster: EnrolledCluster, body: Uint8Array<ArrayBuffer>): Promise<number> => {
    const now = performance.now();
    const last = lastBeatAt.get(cluster.clusterId);
    if (last !== undefined) gap[side] = Math.min(gap[side], now - last);
    lastBeatAt.set(cluster.clusterId, now);
    return plane.beat(cluster.agentKey, body);
  };
  const lookupsBefore = await readIndexScans(admin, ...KEY_INDEX);
  let roundBeats = 0;
  const sides = {
    parseA: () => rate('parseA', A_PER_ROUND, (i) => parseOnly(unchanged[i % USAGE_VARIANTS]!)),
    a: () =>
      rate('a', A_PER_ROUND, () => {
        const c = aOrder[aNext++ % A_CLUSTERS]!;
        return sendTimed('a', aClusters[c]!, nextUnchanged(c));
      }),
    parseB: () => rate('parseB', B_PER_ROUND, (i) => parseOnly(churn[i % CHURN_VARIANTS]!)),
    copy: async () => {
      // Untimed: an empty table and this round's payloads, each under a fresh cluster id.
      await admin.unsafe('truncate bench_copy_pods');
      const texts = Array.from({ length: B_PER_ROUND }, (_, i) => copyTexts[i % CHURN_VARIANTS]!.replaceAll(PLACEHOLDER_ID, crypto.randomUUID()));
      return rate('copy', B_PER_ROUND, (i) => copyRows(texts[i]!));
    },
    b: () =>
      rate('b', B_PER_ROUND, () => {
        const c = bNext++ % B_CLUSTERS;
        return sendTimed('b', bClusters[c]!, churn[churnOf[c]!++ % CHURN_VARIANTS]!);
      }),
    // One cluster per slot in flight, so the two never wait on each other's rows.
    detect: () => detectRate(B_PER_ROUND),
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order: (keyof typeof sides)[] = round % 2 === 0 ? ['parseA', 'a', 'parseB', 'copy', 'b', 'detect'] : ['a', 'parseA', 'detect', 'b', 'copy', 'parseB'];
    for (const side of order) await sides[side]();
    roundBeats += A_PER_ROUND + B_PER_ROUND;
  }
  // Stopping the server ends its pool's backends, which flushes their statistics: the lookup count is then complete.
  await plane.stopServer();
  const roundLookups = ((await readIndexScans(admin, ...KEY_INDEX)) - lookupsBefore) / roundBeats;
  const sampleBytes = (await usageRowBytes(adminDb)).sample ?? 0;

  const unchangedRatios = rates.a.map((a, i) => a / rates.parseA[i]!);
  const churnRatios = rates.b.map((b, i) => b / rates.copy[i]!);
  // Cost per beat over cost per beat: (1/detect rate) / (1/(b) rate). Higher is worse.
  const detectRatios = rates.detect.map((d, i) => rates.b[i]! / d);
  const aStats = summarize(latencies.a);
  const bStats = summarize(latencies.b);

  // --- Report.
  console.log(
    `heartbeat ingest: ${PODS} pods per beat; ${A_CLUSTERS} + ${B_CLUSTERS} clusters (unchanged + churn), ${CONCURRENCY} in flight, ${ROUNDS} alternating rounds${quick ? ' (quick)' : ''}`,
  );
  console.log(
    `body: ${(bodyBytes / 1024).toFixed(0)} KiB JSON, ${(unchanged[0]!.length / 1024).toFixed(0)} KiB gzipped; enrol + first beats ${loadS.toFixed(1)} s, pod index caught up in ${indexS.toFixed(1)} s`,
  );
  const row = (label: string, r: number[], l: number[]): string[] => {
    const m = median(r);
    const s = summarize(l);
    return [label, fmt(m), fmt(Math.min(...r)), fmt(m * PODS), fmt(1000 / m, 2), ms(s.p50), ms(s.p99)];
  };
  printTable([
    ['case (rates per round)', 'median/s', 'worst/s', 'pods/s', 'ms/op', 'p50 ms', 'p99 ms'],
    row('parse-only, (a) bodies (gunzip + JSON.parse)', rates.parseA, latencies.parseA),
    row('(a) unchanged inventory, usage only', rates.a, latencies.a),
    row('parse-only, (b) bodies', rates.parseB, latencies.parseB),
    row('COPY of the same pod rows (sync commit off)', rates.copy, latencies.copy),
    row('(b) every pod changed', rates.b, latencies.b),
    row('detect: incidents + policy rules of a (b) beat', rates.detect, latencies.detect),
  ]);
  console.log(
    `(a)/parse-only per round: median ${median(unchangedRatios).toFixed(2)}, worst ${Math.min(...unchangedRatios).toFixed(2)} [${unchangedRatios.map((r) => r.toFixed(2)).join(' ')}]`,
  );
  console.log(
    `(b)/COPY per round:       median ${median(churnRatios).toFixed(2)}, worst ${Math.min(...churnRatios).toFixed(2)} [${churnRatios.map((r) => r.toFixed(2)).join(' ')}]`,
  );
  console.log(
    `a cluster's beats in the rounds came at least ${(gap.a / 1000).toFixed(1)} s (a) / ${(gap.b / 1000).toFixed(1)} s (b) apart; agent-key lookups per beat: ${roundLookups.toFixed(2)} (rounds), ${pacedLookups.toFixed(2)} (paced)`,
  );
  if (Math.min(gap.a, gap.b) < intervalMs)
    console.log(
      `note: some clusters beat again within ${intervalMs / 1000} s in the rounds, so their agent-key lookups could hit the cache${quick ? ' (expected with --quick: too few clusters)' : ': raise A_CLUSTERS / B_CLUSTERS'}`,
    );
  console.log(
    `paced, every ${plane.config.heartbeatIntervalSeconds} s per cluster: ${pacedBeats} beats in ${PACED_WINDOW_S} s (after ${PACED_WARMUP_S} s warm-up), p50 ${ms(pacedStats.p50)} ms, p99 ${ms(pacedStats.p99)} ms, at most ${paced.lateMs.toFixed(0)} ms behind schedule`,
  );
  console.log(
    `rows written per unchanged beat, whole database (ingest + jobs): ${rowsPerBeat.toFixed(2)} = ${written.byTable.map(([t, n]) => `${t} ${(n / pacedBeats).toFixed(2)}`).join(' + ') || 'nothing'}`,
  );
  console.log(`usage sample: ${sampleBytes} bytes per row (${(sampleBytes / PODS).toFixed(1)} per pod)`);
  console.log(
    `detect/(b) per round:     median ${median(detectRatios).toFixed(3)}, worst ${Math.max(...detectRatios).toFixed(3)} [${detectRatios.map((r) => r.toFixed(3)).join(' ')}]`,
  );
  console.log('targets: (a) >= 1/3 of parse-only, (b) >= 1/2 of COPY, (a) constant rows per beat, detection + rules <= 0.10 of a (b) beat');
  report.addCase('unchanged', aStats);
  report.addCase('churn', bStats);
  report.addCase('detect', summarize(latencies.detect));
  report.finish({
    unchanged_vs_parse: median(unchangedRatios).toFixed(2),
    unchanged_vs_parse_worst: Math.min(...unchangedRatios).toFixed(2),
    churn_vs_copy: median(churnRatios).toFixed(2),
    churn_vs_copy_worst: Math.min(...churnRatios).toFixed(2),
    detect_vs_ingest: median(detectRatios).toFixed(3),
    detect_vs_ingest_worst: Math.max(...detectRatios).toFixed(3),
    rows_per_unchanged_beat: rowsPerBeat.toFixed(2),
    key_lookups_per_beat: Math.min(roundLookups, pacedLookups).toFixed(2),
    clusters: A_CLUSTERS + B_CLUSTERS,
    min_beat_gap_s: (Math.min(gap.a, gap.b) / 1000).toFixed(1),
  });

  /**
   * Detections per second over `n` (b) snapshots, CONCURRENCY at a time, from the time spent inside
   * each transaction (its BEGIN and ROLLBACK are the bench's: ingest runs this in its own transaction).
   */
  async function detectRate(n: number): Promise<void> {
    let next = 0;
    let inside = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          const i = next++;
          const took = await detectOnly(bClusters[i % CONCURRENCY]!.clusterId, churnSnapshots[i % CHURN_VARIANTS]!);
          latencies.detect.push(took);
          inside += took;
        }
      }),
    );
    rates.detect.push(n / (inside / CONCURRENCY / 1000));
  }

  /** Operations per second of `n` calls of `fn`, CONCURRENCY at a time; every call's duration kept under `side`. */
  async function rate(side: keyof typeof rates, n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          const i = next++;
          const t = performance.now();
          await fn(i);
          latencies[side].push(performance.now() - t);
        }
      }),
    );
    rates[side].push(n / ((performance.now() - t0) / 1000));
  }
} finally {
  await copier.end({ timeout: 5 }).catch(() => {});
  await plane.stop();
}

/** What any server must do with a body at least: read it through the same gunzip, then JSON.parse. */
async function parseOnly(body: Uint8Array<ArrayBuffer>): Promise<void> {
  const read = await readBody(
    new Request('http://niro.test/', { method: 'POST', headers: { 'content-encoding': 'gzip' }, body }),
    plane.config.maxBodyBytes,
    plane.server.replica.inflating,
  );
  if (!read.ok) throw new Error(read.message);
  JSON.parse(read.text);
}

/** The stored rows of a cluster's pods as COPY text, under PLACEHOLDER_ID instead of its id. */
async function exportPodRows(clusterId: string): Promise<string> {
  const { rows, text } = await podRowsCopyText(adminDb, clusterId, PLACEHOLDER_ID);
  if (rows !== PODS) throw new Error(`copy source: expected ${PODS} rows, found ${rows}`);
  return text;
}

/** One COPY of a beat's pod rows in its own transaction, committed like a heartbeat's (synchronous_commit off). */
async function copyRows(text: string): Promise<void> {
  await copier.begin(async (tx) => {
    await tx`select set_config('synchronous_commit', 'off', true)`;
    const writable = await tx.unsafe('copy bench_copy_pods from stdin').writable();
    await new Promise<void>((resolve, reject) => {
      writable.on('error', reject);
      writable.end(text, () => resolve());
    });
  });
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A protocol-4 heartbeat of PODS pods (usage varied by `beat`, images and labels by `gen`) with their workloads. */
function beatOf(beat: number, gen: number, templates: boolean): HeartbeatV2 {
  const pods = makePods(PODS, beat, gen);
  return makeHeartbeat({ pods, workloads: makeWorkloadsFor(pods, gen, templates) });
}

/**
 * What a (b) beat's ingest does for incidents and policies, on the cluster's stored state: detect and
 * reconcile every incident kind, evaluate every workload (each template changed) against the stored
 * findings; then roll back, so the next beat finds the same state.
 */
async function detectOnly(clusterId: string, snap: Snapshot): Promise<number> {
  const now = new Date();
  let took = 0;
  const cluster = { orgId: plane.orgId, clusterId, environment: 'production' as const };
  const policyChanged = (snap.workloads ?? []).map((w) => ({ ...w, template: w.template ?? null, notReadySince: null, firstSeenAt: now, updatedAt: now }));
  await adminDb
    .transaction(async (tx) => {
      const t0 = performance.now();
      await detectBeatIncidents(tx, cluster, snap, {}, now);
      await applyWorkloadPolicies(tx, cluster, { policyChanged, removed: [] }, now);
      took = performance.now() - t0;
      tx.rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof TransactionRollbackError)) throw e;
    });
  return took;
}
