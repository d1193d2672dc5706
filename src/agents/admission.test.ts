// Heartbeat admission: a replica stores a bounded number of beats at once and lets a bounded line wait; past
// it a beat is refused at once with 503 `overloaded` and a Retry-After within the next interval, and is taken
// again once a turn is free.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHeartbeatAdmission, podIndexShare } from './admission';
import { startTestApp, apiClient, makeOrg, makeUser, signIn, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../contract';
import { sql } from 'drizzle-orm';
import type { Config } from '../config';
import { queryRows } from '../db/client';

/** An app with the admission `line` (and no per-cluster rate limit in the way), and one enrolled cluster in it. */
async function appWithOneCluster(line: Partial<Config>): Promise<{ t: TestApp; cluster: { clusterId: string; agentKey: string } }> {
  const t = await startTestApp({ ...line, heartbeatRatePerMinute: 1000, heartbeatBurst: 1000 });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Admission Org', null, { userId: user.id, role: 'owner' });
  return { t, cluster: await createEnrolledCluster(t, await apiClient(t, await signIn(t, user)), { name: 'admitted', orgId: org.id }) };
}

/** A beat whose body says gzip and is not: a 400 once read, so an answer other than 400 shows it was not read. */
function notGzipBeat(t: TestApp, agentKey: string): Promise<Response> {
  return t.request(AGENT_PATHS.heartbeat, {
    method: 'POST',
    headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: 'not gzip at all',
  });
}

/** Until `n` beats wait in `t`'s line, or `res` has answered (a beat that did not wait); whether it is still unanswered. */
async function waitsInLine(t: TestApp, n: number, res: Promise<Response>): Promise<boolean> {
  let answered = false;
  void res.then(() => (answered = true));
  while (!answered && t.replica.heartbeatAdmission.stats().waiting < n) await Bun.sleep(5);
  return !answered;
}

describe('the line', () => {
  test('turns go first come, first served; past the line nothing waits; a release counts once', async () => {
    const admission = createHeartbeatAdmission(2, 2);
    const order: string[] = [];
    const a = (await admission.enter()!)!;
    const b = (await admission.enter()!)!;
    const c = admission.enter()!.then((release) => (order.push('c'), release!));
    const d = admission.enter()!.then((release) => (order.push('d'), release!));
    expect(admission.allHeld()).toBe(true);
    expect(admission.enter()).toBeNull();
    expect(admission.stats()).toEqual({ held: 2, waiting: 2 });
    a();
    a();
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(admission.stats()).toEqual({ held: 2, waiting: 1 });
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    expect(admission.allHeld()).toBe(false);
    releaseD();
    expect(admission.stats()).toEqual({ held: 0, waiting: 0 });
  });
});

describe('a beat that waited too long', () => {
  test('is refused when its turn comes, and the turn goes on to the next that has not', async () => {
    let clock = 0;
    const admission = createHeartbeatAdmission(1, 3, 100, () => clock);
    const first = (await admission.enter()!)!;
    const stale = admission.enter()!;
    clock = 50;
    const alsoStale = admission.enter()!;
    clock = 150;
    const late = admission.enter()!;
    expect(admission.stats()).toEqual({ held: 1, waiting: 3 });
    // At 160 the first in line waited 160 ms (past 100), the second 110: both refused; the third, 10 ms in line, is taken.
    clock = 160;
    first();
    expect(await stale).toBeNull();
    const next = await late;
    expect(next).toBeFunction();
    expect(admission.stats()).toEqual({ held: 1, waiting: 0 });
    expect(await alsoStale).toBeNull();
    next!();
    expect(admission.stats()).toEqual({ held: 0, waiting: 0 });
  });
});

describe('the pod index job gives way as the line builds', () => {
  test('most of the time with nobody waiting, less once beats wait, least once more wait than one round of turns', () => {
    const slots = 8;
    const shares = [0, 1, slots, slots + 1, 500].map((waiting) => podIndexShare({ waiting }, slots));
    expect(shares[0]).toBe(0.9);
    expect(shares[1]).toBe(0.5);
    expect(shares[2]).toBe(0.5);
    expect(shares[3]).toBeLessThan(shares[2]!);
    expect(shares[4]).toBe(shares[3]!);
    expect(shares.every((s) => s > 0 && s <= 1)).toBe(true);
  });
});

describe('over HTTP', () => {
  let t: TestApp;
  let cluster: { clusterId: string; agentKey: string };
  beforeAll(async () => {
    ({ t, cluster } = await appWithOneCluster({ heartbeatsAtOnce: 1, heartbeatQueue: 0 }));
  });
  afterAll(async () => {
    await t.close();
  });

  test('with every turn taken and no line, a beat is refused with 503 overloaded and a Retry-After within the interval; then taken', async () => {
    const held = (await t.replica.heartbeatAdmission.enter()!)!;
    const refused = await sendHeartbeat(t, cluster.agentKey, makeHeartbeat());
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(t.config.heartbeatIntervalSeconds);
    // A full line refuses before the body is read: a body that is not even gzip gets the same 503, not a 400.
    const notGzip = () => notGzipBeat(t, cluster.agentKey);
    const unread = await notGzip();
    expect(unread.status).toBe(503);
    expect(((await unread.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    held();
    expect((await notGzip()).status).toBe(400);
    const taken = await sendHeartbeat(t, cluster.agentKey, makeHeartbeat());
    expect(taken.status).toBe(200);
    expect(t.replica.heartbeatAdmission.stats()).toEqual({ held: 0, waiting: 0 });
    // A beat that fails inside its turn (a value the database cannot hold) gives the turn back too.
    const good = makeHeartbeat({ pods: makePods(3) });
    const bad = await sendHeartbeat(t, cluster.agentKey, { ...good, pods: good.pods.map((p, i) => (i === 1 ? { ...p, labels: { bad: '\ud800' } } : p)) });
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_heartbeat', message: expect.stringContaining('cannot be stored') } });
    expect(t.replica.heartbeatAdmission.stats()).toEqual({ held: 0, waiting: 0 });
  });
});

describe('over HTTP, a beat left waiting past the longest wait', () => {
  let t: TestApp;
  let cluster: { clusterId: string; agentKey: string };
  beforeAll(async () => {
    ({ t, cluster } = await appWithOneCluster({ heartbeatsAtOnce: 1, heartbeatQueue: 1, heartbeatMaxWaitMs: 50 }));
  });
  afterAll(async () => {
    await t.close();
  });

  test('gets 503 overloaded with a Retry-After when its turn comes, and stores nothing; the next beat is taken', async () => {
    const held = (await t.replica.heartbeatAdmission.enter()!)!;
    const waiting = sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: makePods(2) }));
    while (t.replica.heartbeatAdmission.stats().waiting === 0) await Bun.sleep(5);
    // Longer than the line's longest wait, then the turn is given back.
    await Bun.sleep(80);
    held();
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(t.replica.heartbeatAdmission.stats()).toEqual({ held: 0, waiting: 0 });
    const stored = async () =>
      (
        await queryRows<{ beat: boolean; pods: number }>(
          t.db,
          sql`select last_heartbeat_at is not null as beat, pods_listed as pods from clusters where id = ${cluster.clusterId}`,
        )
      )[0];
    expect(await stored()).toEqual({ beat: false, pods: 0 });
    const taken = await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: makePods(3) }));
    expect(taken.status).toBe(200);
    expect(await stored()).toEqual({ beat: true, pods: 3 });
  });

  test('is refused before anything reads its body: one that is not even gzip gets the same 503, not a 400', async () => {
    const held = (await t.replica.heartbeatAdmission.enter()!)!;
    const waiting = notGzipBeat(t, cluster.agentKey);
    expect(await waitsInLine(t, 1, waiting)).toBe(true);
    await Bun.sleep(80);
    held();
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    expect(t.replica.inflating.inUse()).toBe(0);
  });
});

describe('over HTTP, a beat that finds every turn held', () => {
  let t: TestApp;
  let cluster: { clusterId: string; agentKey: string };
  beforeAll(async () => {
    ({ t, cluster } = await appWithOneCluster({ heartbeatsAtOnce: 1, heartbeatQueue: 2 }));
    // The key is known to the replica from here on, so its gzip bodies are admitted before the key is looked up again.
    expect((await sendHeartbeat(t, cluster.agentKey, makeHeartbeat())).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  test('waits with its body unread and holding no inflate budget, reads it when its turn comes, and is answered for what it sent', async () => {
    const held = (await t.replica.heartbeatAdmission.enter()!)!;
    // Not gzip at all, though it says so: a 400, but only once its turn has come (a free turn reads it at once).
    const notGzip = notGzipBeat(t, cluster.agentKey);
    expect(await waitsInLine(t, 1, notGzip)).toBe(true);
    const beat = sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: makePods(4) }));
    expect(await waitsInLine(t, 2, beat)).toBe(true);
    expect(t.replica.inflating.inUse()).toBe(0);
    held();
    const refused = await notGzip;
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('malformed_body');
    expect((await beat).status).toBe(200);
    const [row] = await queryRows<{ pods: number }>(t.db, sql`select pods_listed as pods from clusters where id = ${cluster.clusterId}`);
    expect(row.pods).toBe(4);
    expect(t.replica.heartbeatAdmission.stats()).toEqual({ held: 0, waiting: 0 });
    expect(t.replica.inflating.inUse()).toBe(0);
  });
});
