// Heartbeat ingest over HTTP on real Postgres: incidents from beats, limits, bad bodies, agent auth (storage: src/inventory/ingest.test.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createGzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, gzipJson, makeHeartbeat, makeHeartbeatV1, makeNode, makePods, sendHeartbeat } from '../testing/heartbeats';
import { requireAgent, subscribeRetiredKeys } from './auth';
import { parseRetiredKey, RETIRED_KEY_CHANNEL, retiredKeyPayload } from '../clusters/store';
import { countWorkloads } from '../inventory/store';
import { AGENT_KEY_HEADER } from '../contract';

type Api = Awaited<ReturnType<typeof apiClient>>;

async function setup(overrides: Parameters<typeof startTestApp>[0] = {}): Promise<{ t: TestApp; api: Api; orgId: string }> {
  const t = await startTestApp(overrides);
  const user = await makeUser(t.db);
  const orgId = (await makeOrg(t.db, 'Beat Org', null, { userId: user.id, role: 'owner' })).id;
  return { t, api: await apiClient(t, await signIn(t, user)), orgId };
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

type ClusterJson = {
  status: string;
  pods: { total: number; listed: number; truncated: boolean; running: number; listAvailable: boolean };
  nodes: { total: number; ready: number };
  agent: { version: string };
  lastHeartbeatAt: string | null;
  cpu: { usageMilli: number | null };
};

let t: TestApp;
let api: Api;
beforeAll(async () => {
  ({ t, api } = await setup({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 }));
});
afterAll(async () => {
  await t.close();
});

async function cluster(id: string): Promise<ClusterJson> {
  return (await (await api.call('GET', `/v1/clusters/${id}`)).json()) as ClusterJson;
}

async function count(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, query);
  return Number(row.n);
}

describe('incidents from heartbeats', () => {
  test('a crash-looping pod makes a production cluster Critical, a dev one Warning; restarts reach the timeline', async () => {
    for (const [environment, expected] of [
      ['production', 'critical'],
      ['dev', 'warning'],
    ] as const) {
      const c = await createEnrolledCluster(t, api, { name: `crash-${environment}`, environment });
      const pods = makePods(5);
      await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods }));
      expect((await cluster(c.clusterId)).status).toBe('healthy');
      const crashing = pods.map((p, i) => (i === 2 ? { ...p, restarts: 4, status: 'CrashLoopBackOff', ready: '1/2' } : p));
      await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: crashing }));
      expect((await cluster(c.clusterId)).status).toBe(expected);
      const tl = (await (await api.call('GET', `/v1/clusters/${c.clusterId}/timeline`)).json()) as { entries: { kind: string; message: string }[] };
      expect(tl.entries.some((e) => e.kind === 'restart' && e.message.includes(`${pods[2].name} restarted (0 → 4)`))).toBe(true);
      expect(tl.entries.some((e) => e.kind === 'incident' && e.message.includes('crash-looping'))).toBe(true);
      const open = await count(
        t.db,
        sql`select count(*)::int as n from incidents where cluster_id = ${c.clusterId} and kind = 'pod_crash_looping' and resolved_at is null`,
      );
      expect(open).toBe(1);
    }
  });

  test('a NotReady node opens an incident that closes when the node is Ready again', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'node-down', environment: 'production' });
    const nodes = [makeNode(0), makeNode(1)];
    await sendHeartbeat(t, c.agentKey, makeHeartbeat({ nodes }));
    await sendHeartbeat(t, c.agentKey, makeHeartbeat({ nodes: [nodes[0], { ...nodes[1], status: 'NotReady' }] }));
    expect((await cluster(c.clusterId)).status).toBe('critical');
    expect((await cluster(c.clusterId)).nodes).toEqual({ total: 2, ready: 1 });
    await sendHeartbeat(t, c.agentKey, makeHeartbeat({ nodes }));
    expect((await cluster(c.clusterId)).status).toBe('healthy');
    expect(await count(t.db, sql`select count(*)::int as n from incidents where cluster_id = ${c.clusterId} and resolved_at is null`)).toBe(0);
  });
});

describe('bad bodies', () => {
  let key: string;
  beforeAll(async () => {
    key = (await createEnrolledCluster(t, api, { name: 'bad-bodies' })).agentKey;
  });

  test('malformed bodies get 400 naming the field', async () => {
    const good = makeHeartbeat({ pods: makePods(5) });
    const cases: [unknown, string][] = [
      [{ ...good, pods: good.pods.map((p, i) => (i === 3 ? { ...p, restarts: -1 } : p)) }, 'pods.3.restarts:'],
      [{ ...good, nodes: [{ ...good.nodes[0], status: 'Sleeping' }] }, 'nodes.0.status:'],
      [(({ capabilities: _, ...rest }) => rest)(good), 'capabilities:'],
      [{ ...good, protocol: 'two' }, 'protocol:'],
      [{ ...makeHeartbeatV1(), podsRunning: 'eleven' }, 'podsRunning:'],
    ];
    for (const [body, field] of cases) {
      const e = await errorOf(await sendHeartbeat(t, key, body));
      expect(e.status).toBe(400);
      expect(e.code).toBe('invalid_heartbeat');
      expect(e.message).toStartWith(field);
    }
    const notJson = await errorOf(await t.request('/v1/agent/heartbeat', { method: 'POST', headers: { 'x-niro-agent-key': key }, body: '{"protocol": 2,' }));
    expect(notJson).toMatchObject({ status: 400, code: 'invalid_heartbeat' });
    expect(notJson.message).toStartWith('body: not valid JSON');
    const old = await errorOf(await sendHeartbeat(t, key, { ...good, protocol: 0 }));
    expect(old.status).toBe(400);
    expect(old.message).toStartWith('protocol:');
    const nul = await errorOf(await sendHeartbeat(t, key, { ...good, agentVersion: 'a\u0000b' }));
    expect(nul).toMatchObject({ status: 400, code: 'invalid_heartbeat' });
  });

  test('values the database cannot hold get a 400, not a hang or a 500', async () => {
    const good = makeHeartbeat({ pods: makePods(3) });
    const huge = await errorOf(await sendHeartbeat(t, key, { ...good, pods: good.pods.map((p, i) => (i === 1 ? { ...p, restarts: 3_000_000_000 } : p)) }));
    expect(huge).toMatchObject({ status: 400, code: 'invalid_heartbeat' });
    const surrogate = await errorOf(
      await sendHeartbeat(t, key, { ...good, pods: good.pods.map((p, i) => (i === 1 ? { ...p, labels: { bad: '\ud800' } } : p)) }),
    );
    expect(surrogate).toMatchObject({ status: 400, code: 'invalid_heartbeat' });
    // The cluster still takes good beats afterwards.
    expect((await sendHeartbeat(t, key, good)).status).toBe(200);
  });

  test('a newer protocol with extra fields is accepted', async () => {
    const good = makeHeartbeat({ pods: makePods(2) });
    const res = await sendHeartbeat(t, key, { ...good, protocol: 3, somethingNew: { x: 1 }, pods: good.pods.map((p) => ({ ...p, futureField: true })) });
    expect(res.status).toBe(200);
  });

  test('broken gzip is a 400, an unknown encoding a 415', async () => {
    const broken = await t.request('/v1/agent/heartbeat', {
      method: 'POST',
      headers: { 'x-niro-agent-key': key, 'content-encoding': 'gzip' },
      body: 'not gzip at all',
    });
    expect(await errorOf(broken)).toMatchObject({ status: 400, code: 'malformed_body' });
    const br = await t.request('/v1/agent/heartbeat', { method: 'POST', headers: { 'x-niro-agent-key': key, 'content-encoding': 'br' }, body: 'x' });
    expect(br.status).toBe(415);
  });
});

describe('agent authentication', () => {
  test('wrong, malformed or missing keys get 401; user credentials are refused', async () => {
    const c = await createEnrolledCluster(t, api, { name: 'auth' });
    const body = makeHeartbeat();
    const wrong = c.agentKey.slice(0, -3) + (c.agentKey.endsWith('abc') ? 'xyz' : 'abc');
    expect(await errorOf(await sendHeartbeat(t, wrong, body))).toMatchObject({ status: 401, code: 'invalid_agent_key' });
    expect(await errorOf(await sendHeartbeat(t, 'niro_agent_nope', body))).toMatchObject({ status: 401, code: 'invalid_agent_key' });
    const missing = await t.request('/v1/agent/heartbeat', { method: 'POST', body: JSON.stringify(body) });
    expect(await errorOf(missing)).toMatchObject({ status: 401, code: 'unauthorized' });
    const bearer = await t.request('/v1/agent/heartbeat', { method: 'POST', headers: { authorization: `Bearer ${api.token}` }, body: JSON.stringify(body) });
    expect((await errorOf(bearer)).message).toContain('not accepted on agent endpoints');
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Cookie Org', null, { userId: user.id, role: 'owner' });
    const browser = await signIn(t, user);
    const cookie = await browser.send('/v1/agent/heartbeat', { method: 'POST', headers: { 'x-csrf-token': browser.csrf }, body: JSON.stringify(body) });
    expect((await errorOf(cookie)).message).toBe('user sessions are not accepted on agent endpoints');
    // And the agent key is refused on user endpoints.
    expect((await t.request('/v1/clusters', { headers: { 'x-niro-agent-key': c.agentKey } })).status).toBe(401);
  });

  test("a deleted cluster's key gets 401 with a clear body", async () => {
    const c = await createEnrolledCluster(t, api, { name: 'to-delete' });
    expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(3) }))).status).toBe(200);
    expect((await api.call('DELETE', `/v1/clusters/${c.clusterId}`)).status).toBe(200);
    const e = await errorOf(await sendHeartbeat(t, c.agentKey, makeHeartbeat()));
    expect(e.status).toBe(401);
    expect(e.code).toBe('cluster_deleted');
    expect(e.message).toContain('"to-delete" was deleted');
    expect(e.message).toContain('kubectl delete namespace niro-system');
    expect(await countWorkloads(t.db, c.clusterId)).toEqual([]);
  });

  test('a deletion reaches every replica: the deleting transaction notifies, listeners evict the key', async () => {
    const keyRequest = (key: string): Request => new Request('http://replica/v1/agent/commands', { headers: { [AGENT_KEY_HEADER]: key } });
    const publicIdOf = async (clusterId: string): Promise<string> =>
      (await queryRows<{ id: string }>(t.db, sql`select agent_key_public_id as id from clusters where id = ${clusterId}`))[0]!.id;
    const until = async (what: string, check: () => Promise<boolean> | boolean): Promise<void> => {
      const deadline = Date.now() + 3000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await Bun.sleep(20);
      }
    };

    // Deleting publishes the retired key's public id on the bus, once committed.
    const first = await createEnrolledCluster(t, api, { name: 'notify-delete' });
    const heard: string[] = [];
    const stopListening = await t.bus.subscribe(RETIRED_KEY_CHANNEL, (payload) => heard.push(parseRetiredKey(payload)?.key ?? payload));
    const firstId = await publicIdOf(first.clusterId);
    expect((await api.call('DELETE', `/v1/clusters/${first.clusterId}`)).status).toBe(200);
    await until('the notification', () => heard.includes(firstId));
    await stopListening();

    // Another replica deleted a cluster whose key this replica has cached: the notification evicts it.
    const stopEvicting = await subscribeRetiredKeys(t.bus, t.replica.agentKeys);
    try {
      const second = await createEnrolledCluster(t, api, { name: 'elsewhere-delete' });
      expect((await sendHeartbeat(t, second.agentKey, makeHeartbeat())).status).toBe(200);
      const secondId = await publicIdOf(second.clusterId);
      await t.db.execute(sql`delete from clusters where id = ${second.clusterId}`);
      expect((await requireAgent(t.db, t.replica.agentKeys, keyRequest(second.agentKey))).id).toBe(second.clusterId); // still cached here
      await t.bus.publish(RETIRED_KEY_CHANNEL, retiredKeyPayload({ key: secondId, cluster: second.clusterId }));
      await until('the key to be refused', () =>
        requireAgent(t.db, t.replica.agentKeys, keyRequest(second.agentKey)).then(
          () => false,
          () => true,
        ),
      );
    } finally {
      await stopEvicting();
    }
  });
});

describe('limits', () => {
  let small: { t: TestApp; api: Api };
  beforeAll(async () => {
    small = await setup({ maxBodyBytes: 256 * 1024, maxPodsPerHeartbeat: 10, heartbeatBurst: 3, heartbeatRatePerMinute: 1 });
  });
  afterAll(async () => {
    await small.t.close();
  });

  test('too many pods: the first ones are stored, the list is flagged truncated and the cluster marked', async () => {
    const c = await createEnrolledCluster(small.t, small.api, { name: 'many-pods' });
    const res = await sendHeartbeat(small.t, c.agentKey, makeHeartbeat({ pods: makePods(15) }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { maxPods: number }).maxPods).toBe(10);
    const cl = (await (await small.api.call('GET', `/v1/clusters/${c.clusterId}`)).json()) as ClusterJson;
    expect(cl.pods).toMatchObject({ total: 15, listed: 10, truncated: true });
    const tl = (await (await small.api.call('GET', `/v1/clusters/${c.clusterId}/timeline?kind=truncation`)).json()) as { entries: { message: string }[] };
    expect(tl.entries[0].message).toBe('Pod list truncated: 10 of 15 pods stored (server cap)');
  });

  test('oversize bodies get 413, plain or gzipped', async () => {
    const c = await createEnrolledCluster(small.t, small.api, { name: 'oversize' });
    const big = makeHeartbeat({ pods: makePods(400) });
    expect(JSON.stringify(big).length).toBeGreaterThan(256 * 1024);
    expect(await errorOf(await sendHeartbeat(small.t, c.agentKey, big, { gzip: false }))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(gzipJson(big).length).toBeLessThan(256 * 1024);
    const gz = await errorOf(await sendHeartbeat(small.t, c.agentKey, big));
    expect(gz).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(gz.message).toContain('once decompressed');
  });

  test('a gzip bomb (1 GiB of zeros) gets 413 fast, with bounded memory', async () => {
    const c = await createEnrolledCluster(small.t, small.api, { name: 'bomb' });
    const bomb = await gzipZeros(1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    Bun.gc(true);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const res = await small.t.request('/v1/agent/heartbeat', {
      method: 'POST',
      headers: { 'x-niro-agent-key': c.agentKey, 'content-encoding': 'gzip' },
      body: bomb,
    });
    const ms = performance.now() - t0;
    expect(res.status).toBe(413);
    expect(ms).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(64 * 1024 * 1024);
  });

  test('per-cluster rate limit: 429 with Retry-After, other clusters unaffected', async () => {
    const a = await createEnrolledCluster(small.t, small.api, { name: 'chatty' });
    const b = await createEnrolledCluster(small.t, small.api, { name: 'quiet' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await sendHeartbeat(small.t, a.agentKey, makeHeartbeat());
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await sendHeartbeat(small.t, b.agentKey, makeHeartbeat())).status).toBe(200);
  });
});

/** `mib` MiB of zeros, gzipped as a stream (the plain bytes never exist at once). */
async function gzipZeros(mib: number): Promise<Uint8Array<ArrayBuffer>> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const zero = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) if (!gz.write(zero)) await new Promise((resolve) => gz.once('drain', resolve));
  gz.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}
