// The control plane under a steady production load for a long time (default 60 minutes), as its own process
// (`bun src/main.ts`, NIRO_LOG_LEVEL=warn) on a scratch Postgres database, everything over HTTP on loopback:
//   clusters — 500 (quick: 100) created and enrolled through the API, each beating every 15 s at the agents' pace
//              (open loop, bench/lib/paced-beats.ts) with the current protocol: a full first beat with pods and
//              workloads, then delta beats on the acknowledged `inventoryGeneration` naming `workloadsBase`, as the
//              agent builds them (agent/heartbeat-delta.ts, agent/heartbeat-workloads.ts); every 10th cluster
//              replaces a pod every beat and rolls its workloads out every 40 beats;
//   viewers  — 50 (quick: 10) signed-in browsers, each its own user, cycling through the fleet page and its live
//              poll (with the ETag it holds), a cluster's page, /pods (unfiltered, a status filter, a search) and
//              the JSON API, one request every 2–5 s;
//   streams  — 20 (quick: 4) clusters whose agents hold the agent WebSocket and answer start-log with a burst that
//              fills the stream's buffer to its cap, then a line a second (`--lines-per-second N`), each followed by an
//              SSE viewer for the whole run; a stream the server ends by its own
//              limits (idle, line or byte cap) is opened again and counted, not an error.
// Errors, counted by kind: a response other than 2xx/304, a request that failed, a stream silent for more than
// 30 s, an error or stack line in the control plane's output. RSS (VmRSS) of the control plane every 5 s; its
// growth is the median over the last 5 minutes over the median over minutes 5–10 after warm-up (the setup), both
// windows scaled to a quarter of the run when it is shorter than 20 minutes.
// Usage: bun bench/soak.ts [--quick] [--minutes N] [--lines-per-second N]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import { join } from 'node:path';
import { createTestDatabase } from '../src/testing/db';
import { spawnCommand } from '../src/testing/spawn';
import { apiClient, httpRequester, makeUser, signIn, type Browser } from '../src/testing/app';
import { createEnrolledCluster, gzipJson } from '../src/testing/heartbeats';
import { startLogAgents } from './lib/soak-logs';
import { createOrg, setMembership } from '../src/orgs/store';
import { AGENT_KEY_HEADER, AGENT_PATHS, type HeartbeatResponse } from '../src/contract';
import { rememberInventory } from '../agent/heartbeat-delta';
import { createTemplateMemory, rememberTemplates } from '../agent/heartbeat-workloads';
import { clusterInput, createCustomers, podsOf } from './lib/fleet';
import { parallel } from './lib/control-plane';
import { startPacedBeats } from './lib/paced-beats';
import { cpuMs, procStatus } from './lib/agent-process';
import { median, printTable, startReport, summarize } from './lib/report';

const report = startReport('soak');
const quick = report.quick;
/** A number given as `--name N` or `--name=N`; null when absent. */
function numberFlag(name: string): number | null {
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return null;
  const raw = process.argv[i]!.includes('=') ? process.argv[i]!.split('=')[1] : process.argv[i + 1];
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`--${name}: a number above 0 (got "${raw}")`);
  return n;
}
const minutesArg = numberFlag('minutes');
const MINUTES = minutesArg ?? (quick ? 3 : 60);
const CLUSTERS = quick ? 100 : 500;
const VIEWERS = quick ? 10 : 50;
const STREAMS = quick ? 4 : 20;
const THINK_MS = [2000, 5000] as const;
/**
 * A stream's agent writes this many lines a second (`--lines-per-second N`, default 1), after a first burst that
 * fills the server's buffer for the stream to its cap (bench/lib/soak-logs.ts): a long-lived stream's steady state.
 */
const LINES_PER_SECOND = numberFlag('lines-per-second') ?? 1;
/** A stream silent this long is an error (once per silence). */
const STALL_MS = 30_000;
const RSS_EVERY_MS = 5000;
const MIB = 1024 ** 2;

/** Errors by kind; `errors` in RESULT is their sum. */
const errors = new Map<string, number>();
const errorSamples: string[] = [];
function countError(kind: string, detail: string): void {
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
  if (errorSamples.length < 20) errorSamples.push(`${kind}: ${detail.slice(0, 300)}`);
}
/** Durations in ms by request kind (the CASE lines). */
const timings = new Map<string, number[]>();
function record(kind: string, ms: number): void {
  let list = timings.get(kind);
  if (!list) timings.set(kind, (list = []));
  list.push(ms);
}

const testDb = await createTestDatabase();
const repo = join(import.meta.dir, '..');
let server: ReturnType<typeof spawnCommand> | null = null;
let stopping = false;
const cleanups: (() => Promise<void> | void)[] = [];

/** A free loopback port: the control plane logs at warn, so it never says where it listens. */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function untilHealthy(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the control plane did not answer /healthz within 60 s; output:\n${server?.lines.slice(-20).join('\n')}`);
    await Bun.sleep(250);
  }
}

/** What the control plane printed: JSON log lines by level; anything else is a stack or a crash unless proven quiet. */
function classifyOutput(lines: readonly string[]): { errors: string[]; warns: string[]; other: string[] } {
  const out = { errors: [] as string[], warns: [] as string[], other: [] as string[] };
  for (const line of lines) {
    if (!line.trim()) continue;
    let level: string | null = null;
    try {
      level = (JSON.parse(line) as { level?: string }).level ?? null;
    } catch {
      // Not a log line: an uncaught error's text or stack, or the runtime's own output.
    }
    if (level === 'error') out.errors.push(line);
    else if (level === 'warn') out.warns.push(line);
    else if (level === null && /error|exception|panic|^\s+at\s/i.test(line)) out.errors.push(line);
    else if (level === null) out.other.push(line);
  }
  return out;
}

import { follow, type Follower, type FollowDeps } from './lib/soak-follow';
import { agentBeat, INTERVAL_S, type AgentMemory } from './lib/soak-agent';

try {
  // --- The control plane, in its own process, on a scratch database with an owner and the viewers' accounts.
  const db = testDb.database.db;
  const owner = await makeUser(db, 'owner@soak.test');
  const org = await createOrg(db, { name: 'Soak MSP', parent: null, plan: 'enterprise' });
  if (!org.ok) throw new Error('org');
  await setMembership(db, org.org.id, owner.id, 'owner');
  const viewerUsers = [];
  for (let v = 0; v < VIEWERS; v++) {
    const u = await makeUser(db, `viewer${v}@soak.test`);
    await setMembership(db, org.org.id, u.id, 'viewer');
    viewerUsers.push(u);
  }
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  server = spawnCommand(
    [process.execPath, join(repo, 'src/main.ts')],
    // Behind a proxy, as in production: each cluster enrolls from its own address (X-Forwarded-For), so the
    // per-address enrollment limit sees a fleet, not one machine enrolling 500 clusters.
    {
      ...process.env,
      DATABASE_URL: testDb.url,
      NIRO_SECRET: 's'.repeat(40),
      PORT: String(port),
      NIRO_PUBLIC_URL: base,
      NIRO_LOG_LEVEL: 'warn',
      NIRO_TRUST_PROXY: '1',
    },
    repo,
  );
  const pid = server.proc.pid;
  // The control plane ending on its own is an error, and ends the run: what follows would only count its absence.
  let serverExit = null as number | null;
  const serverGone = server.proc.exited.then((code) => {
    if (stopping) return;
    serverExit = code;
    countError('server_exited', `exit code ${code}`);
  });
  await untilHealthy(base);
  const http = httpRequester(base);
  const ownerBrowser = await signIn(http, owner);
  const api = await apiClient(http, ownerBrowser);
  const auth = { authorization: `Bearer ${api.token}` };

  // RSS and CPU of the control plane from now on; the windows are read against the end of warm-up.
  const rss: { at: number; bytes: number }[] = [];
  const sampleRss = (): void => {
    if (serverExit !== null) return;
    const bytes = procStatus(pid, 'VmRSS');
    if (bytes) rss.push({ at: performance.now(), bytes });
  };
  sampleRss();
  const rssTimer = setInterval(sampleRss, RSS_EVERY_MS);
  cleanups.push(() => clearInterval(rssTimer));

  // --- The fleet: created and enrolled through the API.
  const tSetup = performance.now();
  const customers = await createCustomers(api, org.org.id);
  const clusters: { id: string; agentKey: string }[] = new Array(CLUSTERS);
  await parallel(4, CLUSTERS, async (c) => {
    const site = `10.${(c >> 8) & 255}.${c & 255}.10`;
    const fromSite = {
      request: (path: string, init?: RequestInit) =>
        http.request(path, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': site } }),
    };
    const enrolled = await createEnrolledCluster(fromSite, api, clusterInput(c, customers));
    clusters[c] = { id: enrolled.clusterId, agentKey: enrolled.agentKey };
  });
  const enrollS = (performance.now() - tSetup) / 1000;

  // --- Heartbeats at the agents' pace, each agent keeping what the server acknowledged.
  const memories: AgentMemory[] = clusters.map(() => ({ inventory: null, templates: createTemplateMemory() }));
  const firstBeat: Promise<void>[] = [];
  const firstBeatDone: (() => void)[] = [];
  for (let c = 0; c < CLUSTERS; c++) firstBeat.push(new Promise((resolve) => (firstBeatDone[c] = resolve)));
  let fullBeats = 0;
  let deltaBeats = 0;
  let resentFull = 0;
  let bodyBytes = 0;
  const beats = startPacedBeats({
    clusters: CLUSTERS,
    intervalMs: INTERVAL_S * 1000,
    async send(c, b) {
      const memory = memories[c]!;
      const { body, described, rollout } = agentBeat(c, b, memory);
      const gz = gzipJson(body);
      bodyBytes += gz.byteLength;
      if (body.inventory) deltaBeats++;
      else fullBeats++;
      // Until the server answers, nothing is acknowledged: a failed beat is followed by a full one.
      memory.inventory = null;
      const t0 = performance.now();
      try {
        const res = await fetch(`${base}${AGENT_PATHS.heartbeat}`, {
          method: 'POST',
          headers: { [AGENT_KEY_HEADER]: clusters[c]!.agentKey, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gz,
        });
        const text = await res.text();
        const ms = performance.now() - t0;
        if (res.status !== 200) {
          countError(`beat_${res.status}`, text);
          return ms;
        }
        const answer = JSON.parse(text) as HeartbeatResponse;
        if (answer.fullInventory) resentFull++;
        rememberTemplates(memory.templates, body, answer, rollout);
        memory.inventory = rememberInventory(described, answer);
        return ms;
      } catch (e) {
        countError('beat_failed', String(e));
        return performance.now() - t0;
      } finally {
        if (b === 0) firstBeatDone[c]!();
      }
    },
  });
  cleanups.push(() => beats.stop());
  await Promise.all(firstBeat);

  // --- Log streams: STREAMS agents on the agent socket, each answering start-log with a burst that fills the
  // stream's buffer, then LINES_PER_SECOND lines a second.
  const lineSentAt = new Map<string, number>();
  const logAgents = await startLogAgents(
    base,
    clusters.slice(0, STREAMS).map((c) => c.agentKey),
    LINES_PER_SECOND,
    lineSentAt,
  );
  cleanups.push(() => logAgents.stop());
  // The agent's own hello settles before the first stream opens.
  await Bun.sleep(1000);

  const streamEnds = new Map<string, number>();
  const followDeps: FollowDeps = { base, auth, clusterId: (s) => clusters[s]!.id, stopping: () => stopping, countError, record, streamEnds, lineSentAt };
  const followers = Array.from({ length: STREAMS }, (_, s) => follow(s, followDeps));
  cleanups.push(() => followers.forEach((f) => f.stop()));
  const stallTimer = setInterval(() => {
    const now = performance.now();
    for (const f of followers)
      if (!f.stalled && now - f.lastLineAt > STALL_MS) {
        f.stalled = true;
        countError('stream_stalled', `stream of cluster ${f.clusterIndex} silent for ${((now - f.lastLineAt) / 1000).toFixed(0)} s`);
      }
  }, 1000);
  cleanups.push(() => clearInterval(stallTimer));

  // --- Page viewers: each its own signed-in browser, one request every 2–5 s.
  const browsers: Browser[] = [];
  for (const u of viewerUsers) browsers.push(await signIn(http, u));
  let pageViews = 0;
  const get = async (kind: string, path: string, headers: Record<string, string>): Promise<Response | null> => {
    const t0 = performance.now();
    try {
      const res = await fetch(base + path, { headers, redirect: 'manual' });
      await res.arrayBuffer();
      record(kind, performance.now() - t0);
      pageViews++;
      if (!(res.status >= 200 && res.status < 300) && res.status !== 304) countError(`${kind}_${res.status}`, path);
      return res;
    } catch (e) {
      if (!stopping) countError(`${kind}_failed`, `${path}: ${String(e)}`);
      return null;
    }
  };
  const viewerLoops = browsers.map(async (browser, v) => {
    // Viewers start spread over one think time, so they do not arrive in step.
    await Bun.sleep(Math.random() * THINK_MS[1]);
    const cookie = { cookie: browser.cookie };
    let fleetTag: string | null = null;
    for (let step = 0; !stopping; step++) {
      const cluster = clusters[(v * 37 + step) % CLUSTERS]!;
      switch (step % 9) {
        case 0:
          await get('fleet_page', '/', cookie);
          break;
        case 1:
        case 2: {
          const res = await get('fleet_poll', '/fleet/live', { ...cookie, 'hx-request': 'true', ...(fleetTag ? { 'if-none-match': fleetTag } : {}) });
          fleetTag = res?.headers.get('etag') ?? fleetTag;
          break;
        }
        case 3:
          await get('cluster_page', `/clusters/${cluster.id}`, cookie);
          break;
        case 4:
          await get('pods_page', '/pods', cookie);
          break;
        case 5:
          await get('pods_status', '/pods?status=CrashLoopBackOff', cookie);
          break;
        case 6:
          await get('pods_search', '/pods?q=checkout', cookie);
          break;
        case 7:
          await get('clusters_json', '/v1/clusters?limit=100', auth);
          break;
        case 8:
          await get('pods_json', '/v1/clusters/pods?limit=100&status=Running', auth);
          break;
      }
      await Bun.sleep(THINK_MS[0] + Math.random() * (THINK_MS[1] - THINK_MS[0]));
    }
  });

  // --- The run: warm-up (the setup) is over; RSS windows are read against this moment.
  const setupS = (performance.now() - tSetup) / 1000;
  const t0 = performance.now();
  const cpu0 = cpuMs(pid);
  const beats0 = beats.beats;
  console.log(
    `soak: ${CLUSTERS} clusters (enrolled in ${enrollS.toFixed(0)} s), ${VIEWERS} viewers, ${STREAMS} log streams at ${LINES_PER_SECOND} line/s for ${MINUTES} min after a ${setupS.toFixed(0)} s warm-up; control plane pid ${pid} at ${base}`,
  );
  const runMs = MINUTES * 60_000;
  const progressEvery = Math.max(30_000, runMs / 12);
  for (let next = progressEvery; next < runMs && serverExit === null; next += progressEvery) {
    await Promise.race([Bun.sleep(t0 + next - performance.now()), serverGone]);
    if (serverExit !== null) break;
    const total = [...errors.values()].reduce((a, b) => a + b, 0);
    console.log(
      `  ${((performance.now() - t0) / 60_000).toFixed(1)} min: RSS ${(rss.at(-1)!.bytes / MIB).toFixed(0)} MiB, ${beats.beats - beats0} beats, ${pageViews} page views, ${followers.reduce((a, f) => a + f.lines, 0)} log lines, ${total} errors`,
    );
  }
  await Promise.race([Bun.sleep(Math.max(0, t0 + runMs - performance.now())), serverGone]);
  sampleRss();
  const runS = (performance.now() - t0) / 1000;
  const serverCpuPct = serverExit === null ? ((cpuMs(pid) - cpu0) / 1000 / runS) * 100 : NaN;
  if (serverExit !== null)
    console.log(`the control plane exited (code ${serverExit}) after ${(runS / 60).toFixed(1)} min; its last output:\n${server.lines.slice(-40).join('\n')}`);
  const beatCount = beats.beats - beats0;
  const logLines = followers.reduce((a, f) => a + f.lines, 0);
  const views = pageViews;
  const outputSeen = server.lines.length;

  // --- Stop the load (viewers, streams, beats) before the server, so shutting down counts no errors.
  stopping = true;
  for (const clean of cleanups.splice(0).reverse()) await clean();
  await Promise.all(viewerLoops);
  const output = classifyOutput(server.lines.slice(0, outputSeen));
  for (const line of output.errors) countError('server_error_line', line);

  // --- RSS: the windows scale to the run when it is shorter than 20 minutes.
  const windowMs = Math.min(5 * 60_000, runMs / 4);
  const baseFrom = t0 + windowMs;
  const baseTo = t0 + 2 * windowMs;
  const inWindow = (from: number, to: number) => rss.filter((s) => s.at >= from && s.at <= to).map((s) => s.bytes);
  const rssStart = median(inWindow(baseFrom, baseTo));
  const rssEnd = median(inWindow(t0 + runMs - windowMs, t0 + runMs + RSS_EVERY_MS));
  const rssMax = Math.max(...rss.map((s) => s.bytes));
  const growthPct = (rssEnd / rssStart - 1) * 100;
  const curve: string[] = [];
  const stepMs = runMs / 12;
  for (let i = 0; i < 12; i++) curve.push((median(inWindow(t0 + i * stepMs, t0 + (i + 1) * stepMs)) / MIB).toFixed(0));

  // --- Report.
  report.addCase('beat', summarize(beats.latencies.slice(beats0)));
  for (const [kind, samples] of [...timings].sort(([a], [b]) => a.localeCompare(b))) report.addCase(kind, summarize(samples));
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  const reopens = followers.reduce((a, f) => a + f.reopens, 0);
  const reconnects = followers.reduce((a, f) => a + f.reconnects, 0);
  console.log(
    `load: ${beatCount} beats in ${(runS / 60).toFixed(1)} min (${fullBeats} full, ${deltaBeats} delta overall; ${resentFull} answered fullInventory; ${(bodyBytes / (fullBeats + deltaBeats) / 1024).toFixed(1)} KiB gzipped on average; at most ${(beats.lateMs / 1000).toFixed(1)} s behind schedule), ${views} page views, ${logLines} log lines`,
  );
  console.log(
    `control plane: ${serverCpuPct.toFixed(0)} % of a core; RSS ${(rssStart / MIB).toFixed(1)} MiB (median, ${(windowMs / 60_000).toFixed(2)}–${((2 * windowMs) / 60_000).toFixed(2)} min) → ${(rssEnd / MIB).toFixed(1)} MiB (median, last ${(windowMs / 60_000).toFixed(2)} min), max ${(rssMax / MIB).toFixed(1)} MiB, growth ${growthPct.toFixed(1)} %`,
  );
  console.log(`RSS by twelfth of the run (median MiB): ${curve.join(' ')}`);
  console.log(
    `streams: ${reopens} ended by the server and opened again${streamEnds.size ? ` (${[...streamEnds].map(([r, n]) => `${n}× ${r}`).join('; ')})` : ''}, ${reconnects} SSE reconnects without an end`,
  );
  if (output.warns.length) console.log(`control plane warnings: ${output.warns.length}, first: ${output.warns.slice(0, 3).join(' | ')}`);
  if (output.other.length) console.log(`control plane other output: ${output.other.length} lines, first: ${output.other.slice(0, 3).join(' | ')}`);
  printTable([['errors by kind', 'count'], ...(errors.size ? [...errors].map(([k, n]) => [k, String(n)]) : [['(none)', '0']])]);
  for (const sample of errorSamples.slice(0, 10)) console.log(`  ${sample}`);
  console.log(`goals: 0 errors (${errorCount === 0 ? 'met' : 'MISSED'}), RSS growth < 10 % (${growthPct < 10 ? 'met' : 'MISSED'})`);
  report.finish({
    minutes: MINUTES,
    clusters: CLUSTERS,
    viewers: VIEWERS,
    streams: STREAMS,
    lines_per_s: LINES_PER_SECOND,
    errors: errorCount,
    rss_growth_pct: growthPct.toFixed(1),
    rss_start_mib: (rssStart / MIB).toFixed(1),
    rss_end_mib: (rssEnd / MIB).toFixed(1),
    rss_max_mib: (rssMax / MIB).toFixed(1),
    server_cpu_pct: serverCpuPct.toFixed(0),
    beats: beatCount,
    page_views: views,
    log_lines: logLines,
    stream_reopens: reopens,
    sse_reconnects: reconnects,
    server_warnings: output.warns.length,
  });
} finally {
  stopping = true;
  for (const clean of cleanups.splice(0).reverse()) await Promise.resolve(clean()).catch(() => {});
  await server?.kill();
  await testDb.drop();
}
process.exit(0);
