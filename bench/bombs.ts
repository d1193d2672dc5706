// Hostile bodies against a real control-plane process (src/main.ts, its own memory), 40 at once:
//   heartbeat_bombs   — 40 clusters each post a 2 GiB gzip bomb (~2 MiB on the wire) to the heartbeat with
//                       a valid agent key: the server inflates each up to NIRO_MAX_BODY_BYTES (413) unless
//                       the replica's inflate budget is spent (503 + Retry-After);
//   keyless_bombs     — the same bombs without an agent key: refused on their declared size, unread;
//   enroll_bombs      — the largest bomb an anonymous caller gets read (60 MiB of zeros, 60 KiB on the wire,
//                       under the 64 KiB anonymous limit) to the enrollment endpoint, from 40 addresses
//                       (inflated up to its 64 KiB cap);
//   anonymous_bodies  — 16 anonymous 15 MiB JSON posts to /v1/tokens (refused on their declared size, unread);
//   heartbeats        — the baseline: 40 ordinary heartbeats at once (the test fleet's default body, gzipped),
//                       alternating with the bomb rounds, so a bomb burst's cost reads against real traffic's.
// Every request is timed from send to response headers on this process's clock. The server's RSS growth
// is its peak during a round (VmHWM, reset before the round through /proc/<pid>/clear_refs) minus its RSS
// just before it; its CPU time per round (user + system, 10 ms ticks) says what a round costs whatever the
// neighbours do to the latencies. The cases take turns round by round; bursts start 1.2 s apart, once the
// inflate budget has drained from the last one, so each measures a first burst.
// Goal: every bomb 413 or 503, p99 < 100 ms, RSS growth < 64 MiB.
// The per-cluster heartbeat rate limit is raised so that every round measures the bombs, not the limiter
// (with the default, a cluster's 11th request within a minute gets 429 before its body is read).
// Usage: bun bench/bombs.ts [--quick]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import { readFileSync, writeFileSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { createTestDatabase } from '../src/testing/db';
import { spawnControlPlane, type Child } from '../src/testing/spawn';
import { gzipJson, makeHeartbeat } from '../src/testing/heartbeats';
import { createOrg } from '../src/orgs/store';
import { createCluster } from '../src/clusters/store';
import { exchangeEnrollmentToken, issueEnrollmentToken } from '../src/clusters/enrollment';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../src/contract';
import { ANONYMOUS_BODY_BYTES } from '../src/http/body-guard';
import type { Db } from '../src/db/client';
import { median, ms, printTable, startReport, summarize } from './lib/report';

const report = startReport('bombs');
const quick = report.quick;
const CONCURRENT = 40;
const BOMB_MIB = 2048;
/** Gzips to just under the 64 KiB a caller without credentials may send (src/http/body-guard.ts). */
const ANONYMOUS_BOMB_MIB = 60;
/** Rounds of each bomb case; every round is 40 requests at once. */
const ROUNDS = quick ? 2 : 10;
const ANONYMOUS = 16;
const ANONYMOUS_BYTES = 15 * 1024 * 1024;
const ANONYMOUS_ROUNDS = quick ? 1 : 3;
const MIB = 1024 * 1024;

/** `mib` MiB of zeros gzipped at level 9 as a stream (the plain bytes never exist at once). */
async function gzipZeros(mib: number): Promise<Uint8Array<ArrayBuffer>> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const zero = Buffer.alloc(MIB);
  for (let i = 0; i < mib; i++) if (!gz.write(zero)) await new Promise((resolve) => gz.once('drain', resolve));
  gz.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}

async function enrollClusters(db: Db, n: number): Promise<string[]> {
  const org = await createOrg(db, { name: 'Bench bombs', parent: null });
  if (!org.ok) throw new Error('org');
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await createCluster(db, { orgId: org.org.id, name: `bomb-${i}`, environment: 'production', createdBy: null });
    if (!created.ok) throw new Error('cluster');
    const issued = await issueEnrollmentToken(db, created.cluster.id, null);
    if (!issued.ok) throw new Error('token');
    const res = await exchangeEnrollmentToken(db, { token: issued.issued.token, agentVersion: 'bench', protocol: 2, ip: null });
    if (!res.ok) throw new Error(res.reason);
    keys.push(res.agentKey);
  }
  return keys;
}

/** A field of /proc/<pid>/status in bytes (the kernel reports kB). */
function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]) * 1024;
}

type Sent = { status: number; ms: number; retryAfter: string | null };

/**
 * `bytes` as a request body with its length declared, handed to the socket 64 KiB at a time as the
 * server reads: a response comes as soon as the server decides, not after the client has pushed
 * everything (what the server stops reading is never sent).
 */
function streamed(bytes: Uint8Array, headers: Record<string, string>): RequestInit {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
  return { method: 'POST', headers: { ...headers, 'content-length': String(bytes.byteLength) }, body, duplex: 'half' } as RequestInit;
}

async function send(url: string, init: RequestInit): Promise<Sent> {
  const started = performance.now();
  const res = await fetch(url, init);
  const elapsed = performance.now() - started;
  await res.arrayBuffer().catch(() => undefined);
  return { status: res.status, ms: elapsed, retryAfter: res.headers.get('retry-after') };
}

/** The process's CPU time so far (user + system), in ms; the kernel counts 100 ticks a second. */
function cpuMs(pid: number): number {
  // Fields after the parenthesised command name: state is the 3rd field of the line, utime the 14th, stime the 15th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

type Round = { sent: Sent[]; growth: number; cpuMs: number };

/** One burst, all at once, with the server's RSS growth and CPU time over it. */
async function burst(pid: number, requests: (() => Promise<Sent>)[]): Promise<Round> {
  // The last burst's connections close, its garbage goes and its failed shares drain from the inflate budget (1 s).
  await Bun.sleep(1200);
  const before = procStatusBytes(pid, 'VmRSS');
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const cpuBefore = cpuMs(pid);
  const sent = await Promise.all(requests.map((r) => r()));
  return { sent, growth: procStatusBytes(pid, 'VmHWM') - before, cpuMs: cpuMs(pid) - cpuBefore };
}

type CaseResult = { key: string; label: string; sent: Sent[]; growth: number; cpuMs: number };

const testDb = await createTestDatabase();
let server: (Child & { url: string }) | null = null;
try {
  const keys = await enrollClusters(testDb.database.db, CONCURRENT);
  const bomb = await gzipZeros(BOMB_MIB);
  const anonymousBomb = await gzipZeros(ANONYMOUS_BOMB_MIB);
  if (anonymousBomb.byteLength > ANONYMOUS_BODY_BYTES) throw new Error(`the anonymous bomb is ${anonymousBomb.byteLength} bytes`);
  server = await spawnControlPlane({
    DATABASE_URL: testDb.url,
    NIRO_HEARTBEAT_RATE_PER_MINUTE: '1000000',
    NIRO_HEARTBEAT_BURST: '1000000',
    // Enrollment bombs come from 40 addresses, as from 40 machines.
    NIRO_TRUST_PROXY: '1',
  });
  const { url } = server;
  const pid = server.proc.pid;

  // Warm-up, not measured: every cluster beats once (its key is found, the server's code paths are compiled).
  const small = gzipJson(makeHeartbeat());
  for (const key of keys) {
    const warm = await send(url + AGENT_PATHS.heartbeat, {
      method: 'POST',
      headers: { [AGENT_KEY_HEADER]: key, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: small,
    });
    if (warm.status !== 200) throw new Error(`warm-up heartbeat: ${warm.status}`);
  }
  const idleRss = procStatusBytes(pid, 'VmRSS');

  const bombInit = (body: Uint8Array, headers: Record<string, string>): RequestInit =>
    streamed(body, { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers });
  const anonymousBody = new Uint8Array(ANONYMOUS_BYTES).fill(0x20);
  type Spec = { key: string; label: string; rounds: number; requests(round: number): (() => Promise<Sent>)[] };
  const specs: Spec[] = [
    {
      key: 'heartbeats',
      label: `${CONCURRENT} ordinary heartbeats (baseline)`,
      rounds: ROUNDS,
      requests: () =>
        keys.map(
          (key) => () =>
            send(url + AGENT_PATHS.heartbeat, {
              method: 'POST',
              headers: { [AGENT_KEY_HEADER]: key, 'content-type': 'application/json', 'content-encoding': 'gzip' },
              body: small,
            }),
        ),
    },
    {
      key: 'heartbeat_bombs',
      label: `${CONCURRENT} × ${BOMB_MIB} MiB gzip bomb → heartbeat (valid keys)`,
      rounds: ROUNDS,
      requests: () => keys.map((key) => () => send(url + AGENT_PATHS.heartbeat, bombInit(bomb, { [AGENT_KEY_HEADER]: key }))),
    },
    {
      key: 'keyless_bombs',
      label: `${CONCURRENT} × ${BOMB_MIB} MiB gzip bomb → heartbeat without a key`,
      rounds: ROUNDS,
      requests: () => keys.map(() => () => send(url + AGENT_PATHS.heartbeat, bombInit(bomb, {}))),
    },
    {
      key: 'enroll_bombs',
      label: `${CONCURRENT} × ${ANONYMOUS_BOMB_MIB} MiB gzip bomb → enroll (anonymous)`,
      rounds: ROUNDS,
      requests: (round) => keys.map((_, i) => () => send(url + AGENT_PATHS.enroll, bombInit(anonymousBomb, { 'x-forwarded-for': `10.${round}.0.${i + 1}` }))),
    },
    {
      key: 'anonymous_bodies',
      label: `${ANONYMOUS} × ${ANONYMOUS_BYTES / MIB} MiB anonymous JSON → /v1/tokens`,
      rounds: ANONYMOUS_ROUNDS,
      requests: () => Array.from({ length: ANONYMOUS }, () => () => send(url + '/v1/tokens', streamed(anonymousBody, { 'content-type': 'application/json' }))),
    },
  ];
  // Round by round, every case in turn: a burst of load on the machine falls on all of them alike.
  const measured = specs.map(() => ({ sent: [] as Sent[], growth: 0, cpu: [] as number[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, spec] of specs.entries()) {
      if (round >= spec.rounds) continue;
      const r = await burst(pid, spec.requests(round));
      measured[i]!.sent.push(...r.sent);
      measured[i]!.growth = Math.max(measured[i]!.growth, r.growth);
      measured[i]!.cpu.push(r.cpuMs);
    }
  }
  const cases: CaseResult[] = specs.map((spec, i) => {
    const m = measured[i]!;
    report.addCase(spec.key, summarize(m.sent.map((s) => s.ms)));
    return { key: spec.key, label: spec.label, sent: m.sent, growth: m.growth, cpuMs: median(m.cpu) };
  });

  const tally = (sent: Sent[]): string =>
    [...Map.groupBy(sent, (s) => s.status)]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => `${list.length}×${status}`)
      .join(' ');
  console.log(`\nhostile bodies against one control-plane process (idle RSS ${(idleRss / MIB).toFixed(0)} MiB); latency send → response headers`);
  const table: string[][] = [['case', 'requests', 'answers', 'p50 ms', 'p99 ms', 'max ms', 'RSS growth MiB', 'server CPU ms/round']];
  for (const c of cases) {
    const s = summarize(c.sent.map((x) => x.ms));
    table.push([c.label, String(s.n), tally(c.sent), ms(s.p50), ms(s.p99), ms(s.max), (c.growth / MIB).toFixed(1), String(c.cpuMs)]);
  }
  printTable(table);
  console.log('goal: every bomb answered 413 or 503 (503 with Retry-After), p99 < 100 ms, RSS growth < 64 MiB');

  const bombs = cases.filter((c) => c.key.endsWith('_bombs')).flatMap((c) => c.sent);
  const refused = (s: Sent): boolean => s.status === 413 || (s.status === 503 && s.retryAfter !== null);
  const byKey = (key: string): CaseResult => cases.find((c) => c.key === key)!;
  const anonymous = byKey('anonymous_bodies').sent;
  report.finish({
    p99_ms: ms(summarize(bombs.map((s) => s.ms)).p99),
    rss_growth_mib: (Math.max(...cases.map((c) => c.growth)) / MIB).toFixed(1),
    bombs: bombs.length,
    bombs_413: bombs.filter((s) => s.status === 413).length,
    bombs_503: bombs.filter((s) => s.status === 503).length,
    bombs_not_refused: bombs.filter((s) => !refused(s)).length,
    anonymous_not_413: anonymous.filter((s) => s.status !== 413).length,
    ...Object.fromEntries(cases.map((c) => [`${c.key}_cpu_ms`, c.cpuMs])),
    bombs_vs_heartbeats_cpu: (byKey('heartbeat_bombs').cpuMs / Math.max(10, byKey('heartbeats').cpuMs)).toFixed(2),
    idle_rss_mib: (idleRss / MIB).toFixed(0),
  });
} finally {
  await server?.kill();
  await testDb.drop();
}
process.exit(0);
