// GET /metrics: off without NIRO_METRICS_TOKEN, 401 without it as the bearer; with it, Prometheus text that parses
// strictly, whose counters move: a heartbeat accepted and one refused are counted, the ingest histogram grows.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createLogger } from '../log';
import { watchDatabase } from '../metrics';
import { apiClient, createApp, makeOrg, makeUser, signIn, startTestApp, TEST_ORIGIN, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { parsePrometheusText, type Scrape } from '../testing/prometheus';

const TOKEN = 'prometheus-scrape-token-0123456789';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ metricsToken: TOKEN });
  // As server.ts does with the database it opened.
  const database = t.testDb.database;
  watchDatabase(t.replica.metrics, { max: database.maxConnections, connections: () => database.connections() });
});
afterAll(async () => {
  await t.close();
});

async function scrape(): Promise<Scrape> {
  const res = await t.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

const value = (s: Scrape, key: string): number => s.samples.get(key) ?? 0;

test('off without a token configured; 401 without the right bearer token', async () => {
  const off = createApp({ db: t.db, bus: t.bus, config: { ...t.config, metricsToken: null }, log: createLogger('error', () => {}) });
  const res = await off.handle(new Request(`${TEST_ORIGIN}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }));
  expect(res.status).toBe(404);
  expect(await res.text()).toContain('set NIRO_METRICS_TOKEN');
  for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${btoa(`x:${TOKEN}`)}`]) {
    const denied = await t.request('/metrics', { headers: authorization ? { authorization } : {} });
    expect({ authorization, status: denied.status }).toEqual({ authorization, status: 401 });
    expect(denied.headers.get('www-authenticate')).toStartWith('Bearer');
  }
});

test('the scrape parses and declares every family; a heartbeat moves the counters', async () => {
  const before = await scrape();
  expect(before.types.get('niro_heartbeats_total')).toBe('counter');
  expect(before.types.get('niro_heartbeat_ingest_seconds')).toBe('histogram');
  expect(before.types.get('niro_log_relay_lag_seconds')).toBe('histogram');
  expect(before.types.get('niro_job_runs_total')).toBe('counter');
  expect(before.types.get('niro_job_duration_seconds')).toBe('histogram');
  expect(before.samples.get('niro_log_streams_open{role="owned"}')).toBe(0);
  expect(before.samples.get('niro_log_stream_viewers')).toBe(0);
  expect(before.samples.get('niro_db_pool_max_connections')).toBe(5);
  expect([...before.samples.keys()].some((k) => k.startsWith('niro_db_connections{state='))).toBe(true);
  expect(before.samples.has('process_resident_memory_bytes')).toBe(true);

  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Metrics Org', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const { agentKey } = await createEnrolledCluster(t, api, { name: 'metrics-01', orgId: org.id });
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(20) }))).status).toBe(200);
  expect((await sendHeartbeat(t, `${agentKey.slice(0, -4)}xxxx`, makeHeartbeat())).status).toBe(401);

  const after = await scrape();
  const accepted = 'niro_heartbeats_total{reason="",result="accepted"}';
  const refused = 'niro_heartbeats_total{reason="invalid_agent_key",result="refused"}';
  expect(value(after, accepted) - value(before, accepted)).toBe(1);
  expect(value(after, refused) - value(before, refused)).toBe(1);
  expect(value(after, 'niro_heartbeat_ingest_seconds_count') - value(before, 'niro_heartbeat_ingest_seconds_count')).toBe(1);
  expect(value(after, 'niro_heartbeat_ingest_seconds_sum')).toBeGreaterThan(value(before, 'niro_heartbeat_ingest_seconds_sum'));
  expect(value(after, 'niro_heartbeat_ingest_seconds_bucket{le="+Inf"}')).toBe(value(after, 'niro_heartbeat_ingest_seconds_count'));
});

test('each app counts in its own registry', async () => {
  const other = createApp({ db: t.db, bus: t.bus, config: t.config, log: createLogger('error', () => {}) });
  const res = await other.handle(new Request(`${TEST_ORIGIN}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }));
  const scraped = parsePrometheusText(await res.text());
  expect(scraped.samples.get('niro_heartbeats_total{reason="",result="accepted"}')).toBeUndefined();
});
