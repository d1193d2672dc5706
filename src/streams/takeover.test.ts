// Two stream hubs (two replicas) on one Postgres: the agent's replica B dies with a frame half relayed to the viewer's replica A; when the agent comes to A, A resumes it from the last resume point B relayed, drops the lines it already holds and numbers on — every line once, no gap, no seam (what A never got and cannot read again is one real gap); an agent arriving on A makes A's viewers wait until the owner shows it still runs the stream.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Bus } from '../db/bus';
import { openDatabase, type Database } from '../db/client';
import { createCluster } from '../clusters/store';
import type { DataFrame, ServerFrame, StartLogFrame } from '../contract';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { makeOrg, makeUser, testConfig } from '../testing/app';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { waitUntil } from '../../agent/testing/agent-process';
import { StreamHub, type Attachment } from './hub';
import type { AgentSocket } from './local-stream';
import type { Entry } from './ring';
import { insertStream } from './store';

let testDb: TestDatabase;
let dbB: Database;
const hubs: StreamHub[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  dbB = await openDatabase({ databaseUrl: testDb.url, dataDir: '', maxConnections: 3 });
});

afterAll(async () => {
  for (const hub of hubs) await hub.shutdown();
  await dbB?.close();
  await testDb?.drop();
});

/** B's bus, which lets `allowed` more publishes through and then fails every one (B is dying). */
function dyingBus(bus: Bus): Bus & { allowed: number } {
  const wrapped = {
    allowed: Number.POSITIVE_INFINITY,
    publish: async (channel: string, payload: string) => {
      if (wrapped.allowed <= 0) throw new Error('connection lost');
      wrapped.allowed--;
      return bus.publish(channel, payload);
    },
    subscribe: bus.subscribe.bind(bus),
  };
  return wrapped;
}

/** The agent's WebSocket as a hub sees it, recording what the hub sends. */
function agentSocket(id: string, clusterId: string): AgentSocket & { frames: ServerFrame[] } {
  const frames: ServerFrame[] = [];
  return { id, clusterId, frames, send: (frame) => (frames.push(frame), true), close: () => {} };
}

function hub(db: Database['db'], bus: Bus): StreamHub {
  const made = new StreamHub({ db, bus, limits: testConfig().streams, log: createLogger('error', () => {}), metrics: createMetrics() });
  hubs.push(made);
  return made;
}

const data = (streamId: string, seq: number, lines: string[], lastTimestamp: string, lastTimestampLines: number): DataFrame => ({
  type: 'data',
  streamId,
  seq,
  data: lines.map((l) => `${l}\n`).join(''),
  lastTimestamp,
  lastTimestampLines,
});

const entriesOf = (attachment: Attachment): Entry[] => attachment.log.read(0, 100_000, 1 << 30).entries;

test('A takes over from a dead B: the agent resumes from the last point B relayed, nothing lost, repeated or announced missing', async () => {
  const { db } = testDb.database;
  const user = await makeUser(db);
  const org = await makeOrg(db, 'Takeover', null, { userId: user.id, role: 'owner' });
  const created = await createCluster(db, { orgId: org.id, name: 'takeover', environment: 'dev', createdBy: user.id });
  if (!created.ok) throw new Error('cluster');
  const clusterId = created.cluster.id;
  const row = await insertStream(db, {
    orgId: org.id,
    clusterId,
    createdBy: user.id,
    actor: user.email,
    namespace: 'shop',
    pod: 'web-1',
    container: 'web',
    options: { follow: true, previous: false, timestamps: false },
  });

  const busB = dyingBus(dbB.bus);
  const a = hub(db, testDb.database.bus);
  const b = hub(dbB.db, busB);
  await Promise.all([a.ready(), b.ready()]);
  const onB = agentSocket('agent-on-b', clusterId);
  await b.addAgent(onB);
  await waitUntil(() => onB.frames.some((f) => f.type === 'start-log'), 5000, 'start-log on B');

  // A viewer on A: a mirror, live once B answers it.
  const viewer = await a.attach(row, 0);
  if (!viewer) throw new Error('not attached');
  await waitUntil(() => viewer.state() === 'live', 5000, 'the mirror hears B');

  // Frame 1 reaches A whole: A knows where the agent stood after it (T1, the second line stamped T1).
  const first = ['one', 'two', 'three'];
  b.onAgentData(onB.id, data(row.id, 1, first, '2026-06-12T10:00:01.5Z', 2));
  await waitUntil(() => viewer.log.lastSeq === 3, 5000, 'frame 1 on A');

  // Frame 2 (900 lines, several payloads): one payload gets through, then B dies.
  const second = Array.from({ length: 900 }, (_, i) => `m ${i}`);
  busB.allowed = 1;
  b.onAgentData(onB.id, data(row.id, 2, second, '2026-06-12T10:00:02Z', 1));
  await waitUntil(() => viewer.log.lastSeq > 3, 5000, 'part of frame 2 on A');
  const heldOnA = viewer.log.lastSeq;
  expect(heldOnA).toBeLessThan(3 + second.length);
  await b.shutdown();
  // As if killed: no release, a lapsed lease, and a report written before frame 2.
  await db.execute(
    sql`update log_streams set owner_replica = ${b.replicaId}, owner_seen_at = now() - interval '1 minute', last_seq = 3, last_timestamp = '2026-06-12T10:00:01.5Z' where id = ${row.id}`,
  );

  // The agent comes to A: A adopts the stream and resumes the agent after the second line stamped T1.
  const onA = agentSocket('agent-on-a', clusterId);
  await a.addAgent(onA);
  const start = await waitUntil(() => onA.frames.find((f): f is StartLogFrame => f.type === 'start-log'), 5000, 'start-log on A');
  expect([start.resumeAfter, start.resumeAfterLines]).toEqual(['2026-06-12T10:00:01.5Z', 2]);
  expect(viewer.state()).toBe('live');

  // The re-opened request repeats frame 2 (A holds part of it already), then goes on.
  const after = ['n 0', 'n 1', 'n 2'];
  a.onAgentData(onA.id, data(row.id, 1, [...second, ...after], '2026-06-12T10:00:03Z', 1));
  await waitUntil(() => viewer.log.lastSeq === first.length + second.length + after.length, 5000, 'every line on A');
  const entries = entriesOf(viewer);
  expect(entries.map((e) => e.item)).toEqual([...first, ...second, ...after]);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  viewer.detach();
}, 30_000);

test('the agent connects to A while B still runs the stream on its socket: A’s viewer waits only until B speaks, and B keeps it', async () => {
  const { db } = testDb.database;
  const user = await makeUser(db);
  const org = await makeOrg(db, 'Rolling', null, { userId: user.id, role: 'owner' });
  const created = await createCluster(db, { orgId: org.id, name: 'rolling', environment: 'dev', createdBy: user.id });
  if (!created.ok) throw new Error('cluster');
  const clusterId = created.cluster.id;
  const row = await insertStream(db, {
    orgId: org.id,
    clusterId,
    createdBy: user.id,
    actor: user.email,
    namespace: 'shop',
    pod: 'web-1',
    container: 'web',
    options: { follow: true, previous: false, timestamps: false },
  });
  const a = hub(db, testDb.database.bus);
  const b = hub(dbB.db, dbB.bus);
  await Promise.all([a.ready(), b.ready()]);
  const onB = agentSocket('old-agent-on-b', clusterId);
  await b.addAgent(onB);
  await waitUntil(() => onB.frames.some((f) => f.type === 'start-log'), 5000, 'start-log on B');
  const viewer = await a.attach(row, 0);
  if (!viewer) throw new Error('not attached');
  await waitUntil(() => viewer.state() === 'live', 5000, 'the mirror hears B');

  // The cluster's next agent connects to A (a rolling update): B may have lost the stream, so A's viewer waits…
  const onA = agentSocket('new-agent-on-a', clusterId);
  await a.addAgent(onA);
  expect(viewer.state()).toBe('waiting');
  // …until B shows it still runs it (its next beat); A does not take it from B.
  await waitUntil(() => viewer.state() === 'live', 10_000, 'live again once B beats');
  b.onAgentData(onB.id, data(row.id, 1, ['still on B'], '2026-06-12T10:00:01Z', 1));
  await waitUntil(() => viewer.log.lastSeq === 1, 5000, 'the line from B on A');
  expect(onA.frames.filter((f) => f.type === 'start-log')).toEqual([]);
  viewer.detach();
}, 30_000);

test('B dies before relaying anything to A: the entries A never got are one real gap, and the stream goes on from B’s last report', async () => {
  const { db } = testDb.database;
  const user = await makeUser(db);
  const org = await makeOrg(db, 'Unrelayed', null, { userId: user.id, role: 'owner' });
  const created = await createCluster(db, { orgId: org.id, name: 'unrelayed', environment: 'dev', createdBy: user.id });
  if (!created.ok) throw new Error('cluster');
  const clusterId = created.cluster.id;
  const row = await insertStream(db, {
    orgId: org.id,
    clusterId,
    createdBy: user.id,
    actor: user.email,
    namespace: 'shop',
    pod: 'web-1',
    container: 'web',
    options: { follow: true, previous: false, timestamps: false },
  });
  const busB = dyingBus(dbB.bus);
  const a = hub(db, testDb.database.bus);
  const b = hub(dbB.db, busB);
  await Promise.all([a.ready(), b.ready()]);
  const onB = agentSocket('agent-on-b', clusterId);
  await b.addAgent(onB);
  await waitUntil(() => onB.frames.some((f) => f.type === 'start-log'), 5000, 'start-log on B');
  const viewer = await a.attach(row, 0);
  if (!viewer) throw new Error('not attached');
  await waitUntil(() => viewer.state() === 'live', 5000, 'the mirror hears B');

  // B's NOTIFYs fail from now on; it numbers three lines, reports them, and dies.
  busB.allowed = 0;
  b.onAgentData(onB.id, data(row.id, 1, ['x', 'y', 'z'], '2026-06-12T10:00:07Z', 1));
  await b.shutdown();
  await db.execute(
    sql`update log_streams set owner_replica = ${b.replicaId}, owner_seen_at = now() - interval '1 minute', last_seq = 3, last_timestamp = '2026-06-12T10:00:07Z' where id = ${row.id}`,
  );

  const onA = agentSocket('agent-on-a', clusterId);
  await a.addAgent(onA);
  const start = await waitUntil(() => onA.frames.find((f): f is StartLogFrame => f.type === 'start-log'), 5000, 'start-log on A');
  expect([start.resumeAfter, start.resumeAfterLines]).toEqual(['2026-06-12T10:00:07Z', undefined]);
  a.onAgentData(onA.id, data(row.id, 1, ['after'], '2026-06-12T10:00:08Z', 1));
  await waitUntil(() => viewer.log.lastSeq === 4, 5000, 'the line after the gap');
  expect(entriesOf(viewer).map((e) => [e.seq, e.item])).toEqual([
    [1, { gap: 3, reason: 'the replica holding this stream went away before relaying these' }],
    [4, 'after'],
  ]);
  viewer.detach();
}, 30_000);
