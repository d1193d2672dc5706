// On the embedded database (PGlite, one replica, the bus in-process) a log stream runs end to end: open, start-log on the agent socket, lines over SSE, stop, the row's counts and end.
import { createTestPglite, type TestDatabase } from '../testing/db';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { AnyElysia } from 'elysia';
import { type Database } from '../db/client';
import { createLogger } from '../log';
import { createApp, existingStreamHub, testConfig } from '../testing/app';
import { ALL_CAPABILITIES_OFF, gzipJson, makeHeartbeat, makePod } from '../testing/heartbeats';
import { linesOf, openSse } from '../testing/sse';
import { connectAgent } from '../testing/stream-agent';
import { createApiToken, createUser } from '../accounts/store';
import { createPasswordHashing } from '../accounts/hashing';
import { createOrg, setMembership } from '../orgs/store';
import { createCluster } from '../clusters/store';
import { exchangeEnrollmentToken, issueEnrollmentToken } from '../clusters/enrollment';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../contract';
import { findStream } from './store';

let pglite: TestDatabase;
let database: Database;
let app: AnyElysia;
let base = '';
beforeAll(async () => {
  pglite = await createTestPglite();
  database = pglite.database;
  app = createApp({ db: database.db, bus: database.bus, config: testConfig({ databaseUrl: null }), log: createLogger('error', () => {}) });
  app.listen({ port: 0, hostname: '127.0.0.1' });
  base = `http://127.0.0.1:${app.server!.port}`;
}, 120_000);
afterAll(async () => {
  app?.server?.stop(true);
  await existingStreamHub(database.bus)?.shutdown();
  await pglite?.drop();
});

test('open, stream, stop — on PGlite', async () => {
  const db = database.db;
  const user = await createUser(db, createPasswordHashing(), { email: 'pglite@logs.test', password: 'correct horse battery' });
  const org = await createOrg(db, { name: 'Embedded', parent: null });
  if (!org.ok) throw new Error('org');
  await setMembership(db, org.org.id, user.id, 'owner');
  const { token } = await createApiToken(db, user.id, 'test');
  const created = await createCluster(db, { orgId: org.org.id, name: 'embedded', environment: 'dev', createdBy: user.id });
  if (!created.ok) throw new Error('cluster');
  const issued = await issueEnrollmentToken(db, created.cluster.id, user.id);
  if (!issued.ok) throw new Error('token');
  const enrolled = await exchangeEnrollmentToken(db, { token: issued.issued.token, agentVersion: 'test', protocol: 2, ip: null });
  if (!enrolled.ok) throw new Error(enrolled.reason);
  const pod = makePod(1, { namespace: 'shop', name: 'web-1', containers: ['web'] });
  pod.containerDetails = [{ ...pod.containerDetails[0], name: 'web' }];
  const beat = await fetch(`${base}${AGENT_PATHS.heartbeat}`, {
    method: 'POST',
    headers: { [AGENT_KEY_HEADER]: enrolled.agentKey, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipJson(makeHeartbeat({ pods: [pod], capabilities: { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'test' } } })),
  });
  expect(beat.status).toBe(200);

  const agent = await connectAgent(base, enrolled.agentKey);
  const auth = { authorization: `Bearer ${token}` };
  const opened = await fetch(`${base}/v1/clusters/${created.cluster.id}/pods/shop/web-1/logs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(opened.status).toBe(201);
  const { streamId } = (await opened.json()) as { streamId: string };
  const start = await agent.waitFor(() => agent.starts().find((f) => f.streamId === streamId), 5000, 'start-log');
  expect(start.container).toBe('web');
  const viewer = await openSse(`${base}/v1/streams/${streamId}`, { headers: auth });
  agent.lines(streamId, ['embedded one', 'embedded two']);
  await viewer.waitFor(() => linesOf(viewer).length === 2, 5000, 'lines');
  expect((await fetch(`${base}/v1/streams/${streamId}`, { method: 'DELETE', headers: auth })).status).toBe(200);
  await agent.waitFor(() => agent.received.some((f) => f.type === 'stop'), 5000, 'stop frame');
  await viewer.closed;
  const row = await findStream(db, streamId);
  expect(row).toMatchObject({ lines: 2, endReason: 'stopped by pglite@logs.test' });
  agent.close();
}, 60_000);
