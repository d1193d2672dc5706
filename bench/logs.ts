// Live log streaming end to end: the Kubernetes simulator writes a line → the real agent process reads it
// from pods/log and sends it over its WebSocket → control plane → SSE client. Two control-plane processes
// share one Postgres; the agent is connected to B.
//   same-replica:  stream opened and read on B (no database in the path)
//   cross-replica: stream opened and read on A (B relays over LISTEN/NOTIFY)
// Latency: one line at a time at a steady pace, emit → receipt on this process's clock, p50/p99.
// Throughput: lines offered faster than the target for a while; lines/s received per stream, and every
// line accounted for: received, or announced as dropped (throttled / gap). A seq hole or a line neither
// received nor announced is a *silent drop* — the number that must be 0.
// Usage: bun bench/logs.ts [--quick]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import { eq } from 'drizzle-orm';
import { createTestDatabase } from '../src/testing/db';
import { spawnControlPlane, type Child } from '../src/testing/spawn';
import { startLogCluster, type LogCluster } from '../src/testing/log-cluster';
import { checkSequence, linesOf, openSse, type SseClient } from '../src/testing/sse';
import { createUser, createApiToken } from '../src/accounts/store';
import { createOrg, setMembership } from '../src/orgs/store';
import { createCluster } from '../src/clusters/store';
import { issueEnrollmentToken } from '../src/clusters/enrollment';
import { clusters } from '../src/clusters/schema';

const quick = process.argv.includes('--quick');
const LATENCY_SAMPLES = quick ? 150 : 1000;
/** Pause between latency lines: a steady, realistic pace (the agent flushes a line after a quiet spell at once). */
const LATENCY_GAP_MS = 40;
const THROUGHPUT_SECONDS = quick ? 3 : 10;
/** Offered load for the throughput run, lines per second per stream: above the 5,000 target, just under the default per-stream budget (20,000/s) so nothing is throttled. */
const OFFERED_PER_SECOND = 18_000;
const LINE_PAD = 'GET /api/v1/orders?customer=4711&page=3 HTTP/1.1 200 1532 "-" "okhttp/4.12.0" rt=0.012 ';

const testDb = await createTestDatabase();
const children: Child[] = [];
let cluster: LogCluster | null = null;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

async function waitUntil<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

try {
  const env = { DATABASE_URL: testDb.url, NIRO_HEARTBEAT_INTERVAL: '2', NIRO_HEARTBEAT_RATE_PER_MINUTE: '600', NIRO_LOG_LEVEL: 'info', NIRO_LOG_STREAM_DETACH_SECONDS: '30' };
  const [a, b] = await Promise.all([spawnControlPlane(env), spawnControlPlane(env)]);
  children.push(a, b);
  const db = testDb.database.db;
  const user = await createUser(db, { email: 'bench@logs.test', password: 'bench-password-123' });
  const org = await createOrg(db, { name: 'Bench logs', parent: null });
  if (!org.ok) throw new Error('org');
  await setMembership(db, org.org.id, user.id, 'owner');
  const { token: apiToken } = await createApiToken(db, user.id, 'bench');
  const created = await createCluster(db, { orgId: org.org.id, name: 'bench-logs', environment: 'production', createdBy: user.id });
  if (!created.ok) throw new Error('cluster');
  const issued = await issueEnrollmentToken(db, created.cluster.id, user.id);
  if (!issued.ok) throw new Error('token');
  const clusterId = created.cluster.id;
  cluster = await startLogCluster({ controlPlaneUrl: b.url, token: issued.issued.token, name: 'bench', pods: [{ namespace: 'bench', name: 'talker', containers: [{ name: 'app', image: 'busybox:1.37' }] }] });
  const sim = cluster.sim;
  await waitUntil(async () => {
    const [row] = await db.select({ capabilities: clusters.capabilities }).from(clusters).where(eq(clusters.id, clusterId));
    return row?.capabilities?.logs?.enabled === true;
  }, 60_000, 'the logs capability');
  await cluster.agent.waitForLog((l) => l.msg === 'stream connected', 30_000, 'agent stream socket');
  const auth = { authorization: `Bearer ${apiToken}` };

  /** Opens a stream on `replica` (tail 0: only what is written from now on) and reads it there. */
  async function openOn(replica: string): Promise<{ id: string; sse: SseClient }> {
    const res = await fetch(`${replica}/v1/clusters/${clusterId}/pods/bench/talker/logs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ tailLines: 0 }) });
    if (res.status !== 201) throw new Error(`open: ${res.status} ${await res.text()}`);
    const { streamId } = (await res.json()) as { streamId: string };
    const sse = await openSse(`${replica}/v1/streams/${streamId}`, { headers: auth });
    const before = sim.openLogRequests();
    await sse.waitFor(() => sse.events.some((e) => e.event === 'state' && e.data.includes('live')), 15_000, 'live');
    await waitUntil(() => sim.openLogRequests() >= 1 && sim.openLogRequests() >= before, 15_000, 'log request open');
    // A marker line proves the path is open end to end before measuring.
    await waitUntil(() => {
      sim.emitLines('bench', 'talker', 'app', ['warmup']);
      return Bun.sleep(100).then(() => linesOf(sse).includes('warmup'));
    }, 15_000, 'warm-up line');
    return { id: streamId, sse };
  }

  async function close(replica: string, id: string, sse: SseClient): Promise<void> {
    sse.close();
    await fetch(`${replica}/v1/streams/${id}`, { method: 'DELETE', headers: auth });
    await waitUntil(() => sim.openLogRequests() === 0, 15_000, 'log request closed');
  }

  async function latency(replica: string): Promise<{ p50: number; p99: number; max: number }> {
    const { id, sse } = await openOn(replica);
    const emitted = new Map<string, number>();
    const seen = sse.entries.length;
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const text = `latency ${i} ${LINE_PAD}`;
      emitted.set(text, performance.now());
      sim.emitLines('bench', 'talker', 'app', [text]);
      await Bun.sleep(LATENCY_GAP_MS);
    }
    await sse.waitFor(() => sse.entries.slice(seen).filter((e) => typeof e.item === 'string' && e.item.startsWith('latency ')).length >= LATENCY_SAMPLES, 30_000, 'every latency line');
    const samples: number[] = [];
    for (const e of sse.entries.slice(seen)) {
      const at = typeof e.item === 'string' ? emitted.get(e.item) : undefined;
      if (at !== undefined) samples.push(e.at - at);
    }
    await close(replica, id, sse);
    samples.sort((x, y) => x - y);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples[samples.length - 1] };
  }

  async function throughput(replica: string): Promise<{ perSecond: number; emitted: number; received: number; announced: number; silent: number }> {
    const { id, sse } = await openOn(replica);
    const seen = sse.entries.length;
    const tickMs = 10;
    const perTick = Math.round((OFFERED_PER_SECOND * tickMs) / 1000);
    let emitted = 0;
    const started = performance.now();
    const until = started + THROUGHPUT_SECONDS * 1000;
    let next = started;
    while (performance.now() < until) {
      const batch = Array.from({ length: perTick }, (_, j) => `tp ${emitted + j} ${LINE_PAD}`);
      sim.emitLines('bench', 'talker', 'app', batch);
      emitted += perTick;
      next += tickMs;
      const wait = next - performance.now();
      if (wait > 0) await Bun.sleep(wait);
    }
    const last = `tp ${emitted - 1} ${LINE_PAD}`;
    // Everything offered is either received or announced; wait until the counts add up (or time out).
    const accounted = (): { received: number; announced: number } => {
      let received = 0;
      let announced = 0;
      for (const e of sse.entries.slice(seen)) {
        if (typeof e.item === 'string') {
          if (e.item.startsWith('tp ')) received++;
        } else if ('note' in e.item) {
          const m = /stream throttled: (\d+) lines? dropped/.exec(e.item.note);
          if (m) announced += Number(m[1]);
        } else if ('gap' in e.item) announced += e.item.gap.to - e.item.gap.from + 1;
      }
      return { received, announced };
    };
    await sse.waitFor(() => {
      const c = accounted();
      return c.received + c.announced >= emitted || linesOf(sse).at(-1) === last;
    }, 60_000, 'every offered line received or announced');
    const lastAt = sse.entries[sse.entries.length - 1].at;
    const { received, announced } = accounted();
    const seq = checkSequence(sse.entries.slice(seen), sse.entries[seen - 1]?.seq ?? 0);
    const silent = seq.silentGaps.reduce((n, g) => n + g.to - g.from + 1, 0) + seq.duplicates.length + Math.max(0, emitted - received - announced);
    await close(replica, id, sse);
    return { perSecond: received / ((lastAt - started) / 1000), emitted, received, announced, silent };
  }

  const same = await latency(b.url);
  const cross = await latency(a.url);
  const tpSame = await throughput(b.url);
  const tpCross = await throughput(a.url);

  console.log('\nlog streaming, simulator → agent → control plane → SSE (two replicas, one Postgres)');
  console.log(`  latency, ${LATENCY_SAMPLES} lines ${LATENCY_GAP_MS} ms apart        p50        p99        max`);
  console.log(`    same replica                     ${String(round(same.p50)).padStart(7)} ms ${String(round(same.p99)).padStart(7)} ms ${String(round(same.max)).padStart(7)} ms`);
  console.log(`    cross replica (NOTIFY)           ${String(round(cross.p50)).padStart(7)} ms ${String(round(cross.p99)).padStart(7)} ms ${String(round(cross.max)).padStart(7)} ms`);
  console.log(`  throughput, ${OFFERED_PER_SECOND} lines/s offered for ${THROUGHPUT_SECONDS} s   received/s   offered   received  announced  silent`);
  for (const [label, r] of [
    ['same replica ', tpSame],
    ['cross replica', tpCross],
  ] as const) {
    console.log(`    ${label}                    ${String(Math.round(r.perSecond)).padStart(8)} ${String(r.emitted).padStart(9)} ${String(r.received).padStart(10)} ${String(r.announced).padStart(10)} ${String(r.silent).padStart(7)}`);
  }
  const linesPerSecond = Math.round(Math.min(tpSame.perSecond, tpCross.perSecond));
  console.log(
    `RESULT logs same_p50_ms=${round(same.p50)} same_p99_ms=${round(same.p99)} cross_p50_ms=${round(cross.p50)} cross_p99_ms=${round(cross.p99)} lines_per_s=${linesPerSecond} silent_drops=${tpSame.silent + tpCross.silent}`,
  );
} finally {
  await cluster?.stop();
  for (const c of children) await c.kill();
  await testDb.drop();
}
process.exit(0);
