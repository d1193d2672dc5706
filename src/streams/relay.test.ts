// Two replicas (two apps, two connection pools, one Postgres) in one process: agent on B, viewer on A — lines relayed over LISTEN/NOTIFY in order with no gaps, long lines split and joined, failed NOTIFYs retried without losing a line; the viewer moving from A to B resumes by Last-Event-ID.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { AnyElysia } from 'elysia';
import { openDatabase, type Database } from '../db/client';
import type { Bus } from '../db/bus';
import { createLogger } from '../log';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { apiClient, createApp, existingStreamHub, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { listen } from '../testing/browser';
import { checkSequence, linesOf, openSse } from '../testing/sse';
import { connectAgent, type ScriptedAgent } from '../testing/stream-agent';

let a: TestApp;
let dbB: Database;
let appB: AnyElysia;
let flaky: Bus & { failNext: number; failed: number };
let baseA = '';
let baseB = '';
let api: Awaited<ReturnType<typeof apiClient>>;
let clusterId = '';
let agent: ScriptedAgent;
let auth: Record<string, string>;

/** The owner's bus, failing the next `failNext` publishes (a NOTIFY error: connection reset, failover…). */
function flakyBus(bus: Bus): Bus & { failNext: number; failed: number } {
  const wrapped = {
    failNext: 0,
    failed: 0,
    publish: async (channel: string, payload: string) => {
      if (wrapped.failNext > 0) {
        wrapped.failNext--;
        wrapped.failed++;
        throw new Error('connection reset while notifying');
      }
      return bus.publish(channel, payload);
    },
    subscribe: bus.subscribe.bind(bus),
  };
  return wrapped;
}

beforeAll(async () => {
  a = await startTestApp();
  baseA = listen(a);
  dbB = await openDatabase({ databaseUrl: a.testDb.url, dataDir: '', maxConnections: 5 });
  flaky = flakyBus(dbB.bus);
  appB = createApp({ db: dbB.db, bus: flaky, config: a.config, log: createLogger('error', () => {}) });
  appB.listen({ port: 0, hostname: '127.0.0.1' });
  baseB = `http://127.0.0.1:${appB.server!.port}`;

  const user = await makeUser(a.db);
  const org = await makeOrg(a.db, 'Relay Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(a, await signIn(a, user));
  auth = { authorization: `Bearer ${api.token}` };
  const enrolled = await createEnrolledCluster(a, api, { name: 'relay', orgId: org.id });
  clusterId = enrolled.clusterId;
  const pod = makePod(1, { namespace: 'shop', name: 'web-1', containers: ['web'] });
  pod.containerDetails = [{ ...pod.containerDetails[0], name: 'web' }];
  await sendHeartbeat(
    a,
    enrolled.agentKey,
    makeHeartbeat({ pods: [pod], capabilities: { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'test' } } }),
  );
  agent = await connectAgent(baseB, enrolled.agentKey);
  await agent.waitFor(() => existingStreamHub(flaky)?.stats().agents === 1, 3000, 'agent registered on B');
});

afterAll(async () => {
  agent?.close();
  appB?.server?.stop(true);
  await existingStreamHub(flaky)?.shutdown();
  await existingStreamHub(a.bus)?.shutdown();
  await dbB?.close();
  a.app.server?.stop(true);
  await a.close();
});

test('opened on A, agent on B: every line reaches A in order, long ones whole, through NOTIFY failures', async () => {
  const res = await fetch(`${baseA}/v1/clusters/${clusterId}/pods/shop/web-1/logs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(201);
  const { streamId } = (await res.json()) as { streamId: string };
  await agent.waitFor(() => agent.starts().find((f) => f.streamId === streamId), 5000, 'start-log adopted by B');

  const viewer = await openSse(`${baseA}/v1/streams/${streamId}`, { headers: auth });
  await viewer.waitFor(() => viewer.events.some((e) => e.event === 'state' && e.data.includes('live')), 5000, 'live on A');
  expect(existingStreamHub(a.bus)!.stats()).toMatchObject({ mirrors: 1, viewers: 1 });

  const sent: string[] = [];
  // Under the line cap (64 Ki characters) but ~8 NOTIFY payloads long.
  const long = 'L'.repeat(60_000) + 'é😀';
  for (let batch = 0; batch < 20; batch++) {
    const lines = Array.from({ length: 100 }, (_, i) => `batch ${batch} line ${i} ${'·'.repeat(i)}`);
    if (batch === 7) lines.push(long);
    if (batch === 5) flaky.failNext = 3;
    agent.lines(streamId, lines);
    sent.push(...lines);
    await Bun.sleep(5); // paced like a busy container, so the failing NOTIFYs land mid-stream
  }
  await viewer.waitFor(() => linesOf(viewer).length === sent.length, 15_000, 'every line on A');
  expect(linesOf(viewer)).toEqual(sent);
  expect(checkSequence(viewer.entries)).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 0 });
  expect(flaky.failed).toBe(3);
  expect(existingStreamHub(flaky)!.stats().relayRetries).toBeGreaterThanOrEqual(3);
  // A timed what it received from B (the relay-lag histogram of /metrics).
  const lag = (await a.replica.metrics.relayLagSeconds.get()).values.find((v) => v.metricName === 'niro_log_relay_lag_seconds_count');
  expect(lag?.value).toBeGreaterThan(0);

  // The viewer's replica goes away; it reconnects to B with Last-Event-ID: nothing lost, nothing twice.
  viewer.close();
  agent.lines(streamId, ['while reconnecting 1', 'while reconnecting 2']);
  const resumed = await openSse(`${baseB}/v1/streams/${streamId}`, { headers: auth, lastEventId: viewer.lastEventId });
  agent.lines(streamId, ['after reconnect']);
  await resumed.waitFor(() => linesOf(resumed).length === 3, 5000, 'resumed on B');
  expect(linesOf(resumed)).toEqual(['while reconnecting 1', 'while reconnecting 2', 'after reconnect']);
  expect(checkSequence([...viewer.entries, ...resumed.entries])).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 0 });

  // DELETE on A reaches the owner on B, which stops the agent's request and tells the viewer.
  const del = await fetch(`${baseA}/v1/streams/${streamId}`, { method: 'DELETE', headers: auth });
  expect(del.status).toBe(200);
  await agent.waitFor(() => agent.received.some((f) => f.type === 'stop' && f.streamId === streamId), 5000, 'stop frame');
  await resumed.waitFor(() => resumed.entries.some((e) => typeof e.item === 'object' && 'end' in e.item), 5000, 'end on the viewer');
}, 40_000);
