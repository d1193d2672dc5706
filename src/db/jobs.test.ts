// Periodic jobs: two replicas over one database never run the same pass at once, a replica never
// overlaps its own passes, a failed pass is logged and the next tick retries, stop waits for a pass;
// each replica counts its passes (ran, skipped, failed) in its own metrics; a backlog is worked off batch by
// batch, a transaction each, within the job's share of the time.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { startLockedJob } from './jobs';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';

let pg: TestDatabase;
beforeAll(async () => {
  pg = await createTestDatabase();
});
afterAll(async () => {
  await pg.drop();
});

const LOCK = 990_001;

test('two replicas: at most one pass at a time, and no replica overlaps itself', async () => {
  let inside = 0;
  let most = 0;
  let passes = 0;
  const pass = async (): Promise<void> => {
    inside++;
    most = Math.max(most, inside);
    await Bun.sleep(60);
    passes++;
    inside--;
  };
  const log = createLogger('error', () => {});
  const metrics = [createMetrics(), createMetrics()];
  const a = startLockedJob({ db: pg.database.db, log, metrics: metrics[0] }, { name: 'test job', lock: LOCK, intervalMs: 10, pass });
  const b = startLockedJob({ db: pg.database.db, log, metrics: metrics[1] }, { name: 'test job', lock: LOCK, intervalMs: 10, pass });
  await Bun.sleep(600);
  await Promise.all([a.stop(), b.stop()]);
  expect(passes).toBeGreaterThan(2);
  expect(most).toBe(1);
  expect(inside).toBe(0);
  // Every pass that ran is counted once, on the replica that ran it, with its duration.
  const counted = await Promise.all(metrics.map(async (m) => (await m.jobRuns.get()).values));
  const ran = counted
    .flat()
    .filter((v) => v.labels.result === 'ran')
    .reduce((sum, v) => sum + v.value, 0);
  expect(ran).toBe(passes);
  const timed = await Promise.all(
    metrics.map(async (m) => (await m.jobSeconds.get()).values.find((v) => v.metricName === 'niro_job_duration_seconds_count')?.value ?? 0),
  );
  expect(timed[0] + timed[1]).toBe(passes);
});

test('a failed pass is logged with the job name and retried at the next tick', async () => {
  const lines: string[] = [];
  const log = createLogger('info', (line) => lines.push(line));
  let calls = 0;
  const metrics = createMetrics();
  const job = startLockedJob(
    { db: pg.database.db, log, metrics },
    {
      name: 'flaky job',
      lock: LOCK,
      intervalMs: 20,
      pass: async () => {
        calls++;
        if (calls === 1) throw new Error('first pass fails');
      },
    },
  );
  const deadline = Date.now() + 5000;
  while (calls < 3 && Date.now() < deadline) await Bun.sleep(20);
  await job.stop();
  expect(calls).toBeGreaterThanOrEqual(3);
  expect(lines.filter((l) => l.includes('flaky job failed'))).toHaveLength(1);
  expect(lines.find((l) => l.includes('flaky job failed'))).toContain('first pass fails');
  expect((await metrics.jobRuns.get()).values.find((v) => v.labels.result === 'failed')).toMatchObject({ labels: { job: 'flaky job' }, value: 1 });
});

test('a pass with more work waiting is followed by the next batch, each in a transaction of its own, paused to the job’s share', async () => {
  const backends: number[] = [];
  const gaps = await runBacklog('backlog job', 0.5, async (tx) => {
    const [row] = await queryRows<{ xid: string }>(tx, sql`select txid_current()::text as xid`);
    backends.push(Number(row.xid));
  });
  // Four transactions, one per batch.
  expect(new Set(backends).size).toBe(4);
  // Each pause is at least as long as the batch before it (share 0.5), so a backlog never takes more than half the time.
  expect(gaps.length).toBe(3);
  for (const g of gaps) expect(g).toBeGreaterThanOrEqual(40);
});

/** A job with a backlog of four 40 ms batches under `share`: the pauses between batches, once all four ran. */
async function runBacklog(name: string, share: number | (() => number), inBatch: (tx: Db) => Promise<void> = async () => {}): Promise<number[]> {
  const gaps: number[] = [];
  let ended = 0;
  let batches = 0;
  const job = startLockedJob(
    { db: pg.database.db, log: createLogger('error', () => {}), metrics: createMetrics() },
    {
      name,
      lock: LOCK,
      intervalMs: 50,
      share,
      pass: async (tx) => {
        // The backlog is four batches; later ticks find nothing to do.
        if (batches === 4) return;
        if (ended) gaps.push(performance.now() - ended);
        await inBatch(tx);
        await Bun.sleep(40);
        batches++;
        ended = performance.now();
        return { more: batches < 4 };
      },
    },
  );
  const deadline = Date.now() + 10_000;
  while (batches < 4 && Date.now() < deadline) await Bun.sleep(10);
  await job.stop();
  expect(batches).toBe(4);
  return gaps;
}

test('a share given as a function is asked after every batch, and each pause follows its answer', async () => {
  const answers = [0.25, 1, 0.25];
  let asked = 0;
  const gaps = await runBacklog('adaptive job', () => answers[asked++] ?? 1);
  // Asked once after each batch that left more; a quarter share pauses three times the batch.
  expect(asked).toBe(3);
  expect(gaps[0]).toBeGreaterThanOrEqual(120);
  expect(gaps[2]).toBeGreaterThanOrEqual(120);
});
