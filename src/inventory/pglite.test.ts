// The embedded database (PGlite, used when no DATABASE_URL is set) runs the same ingest: COPY staging, the one-statement unchanged beat, status detection, and the deletion's notification.
import { createTestPglite, type TestDatabase } from '../testing/db';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { LOCKS, queryRows, runExclusive, type Database, type Db } from '../db/client';
import { testConfig } from '../testing/app';
import { makeHeartbeat, makeHeartbeatV1, makePods } from '../testing/heartbeats';
import { createOrg } from '../orgs/store';
import { createCluster, deleteCluster, findCluster, parseRetiredKey, RETIRED_KEY_CHANNEL } from '../clusters/store';
import { exchangeEnrollmentToken, issueEnrollmentToken } from '../clusters/enrollment';
import { parseHeartbeat } from '../agents/heartbeat-parse';
import { ingestHeartbeat } from '../agents/heartbeat';
import { detectClusterStatus } from '../clusters/status';

let pglite: TestDatabase;
let database: Database;
beforeAll(async () => {
  pglite = await createTestPglite();
  database = pglite.database;
}, 120_000);
afterAll(async () => {
  await pglite?.drop();
});

function snapshot(body: unknown) {
  const parsed = parseHeartbeat(JSON.stringify(body), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.snapshot;
}

async function count(db: Db, table: string, clusterId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.raw(table)} where cluster_id = ${clusterId}`);
  return Number(row.n);
}

test('enroll, ingest changed and unchanged beats, detect Offline — on PGlite', async () => {
  const db = database.db;
  const org = await createOrg(db, { name: 'Embedded', parent: null });
  if (!org.ok) throw new Error('org');
  const created = await createCluster(db, { orgId: org.org.id, name: 'pi-cluster', environment: 'dev', createdBy: null });
  if (!created.ok) throw new Error('cluster');
  const id = created.cluster.id;
  const issued = await issueEnrollmentToken(db, id, null);
  if (!issued.ok) throw new Error('token');
  expect((await exchangeEnrollmentToken(db, { token: issued.issued.token, agentVersion: '0.4.0', protocol: 2, ip: null })).ok).toBe(true);

  const start = Date.now();
  expect(await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makePods(50, 0) })), new Date(start))).toMatchObject({
    ok: true,
    status: 'healthy',
    podsStored: 50,
  });
  expect(await count(db, 'cluster_pods', id)).toBe(50);
  // Unchanged inventory: the one-statement path.
  expect(await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makePods(50, 1) })), new Date(start + 1000))).toMatchObject({
    ok: true,
    status: 'healthy',
  });
  // Every pod changed, one gone.
  await ingestHeartbeat(db, id, snapshot(makeHeartbeat({ pods: makePods(49, 2, 1) })), new Date(start + 2000));
  const [pod] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from cluster_pods where cluster_id = ${id} and detail->'labels'->>'generation' = '1'`,
  );
  expect(Number(pod.n)).toBe(49);
  expect(await count(db, 'cluster_pods', id)).toBe(49);
  expect(await count(db, 'usage_samples', id)).toBe(3);
  // Back to protocol 1: counts only, the pod list goes.
  await ingestHeartbeat(db, id, snapshot(makeHeartbeatV1()), new Date(start + 3000));
  expect(await count(db, 'cluster_pods', id)).toBe(0);

  const config = testConfig();
  const ran = await runExclusive(db, LOCKS.offlineJob, async (tx) => {
    await detectClusterStatus(tx, config, new Date(start + 3000 + config.offlineAfterSeconds * 1000 + 1000));
  });
  expect(ran).toBe(true);
  const [cluster] = await queryRows<{ status: string }>(db, sql`select status from clusters where id = ${id}`);
  expect(cluster.status).toBe('offline');
  // One offline incident (the protocol-1 beat before it also opened agent_outdated).
  const kinds = await queryRows<{ kind: string }>(db, sql`select kind from incidents where cluster_id = ${id} and state = 'open' order by kind`);
  expect(kinds.map((k) => k.kind)).toEqual(['agent_outdated', 'cluster_offline']);

  // Deleting it tells every replica's listener (here, the same process) which key retired, on commit.
  const heard: string[] = [];
  const stop = await database.bus.subscribe(RETIRED_KEY_CHANNEL, (payload) => heard.push(payload));
  const [row] = await queryRows<{ public_id: string }>(db, sql`select agent_key_public_id as public_id from clusters where id = ${id}`);
  const deleting = (await findCluster(db, id, [org.org.id]))!;
  await deleteCluster(db, deleting);
  for (let i = 0; i < 100 && heard.length === 0; i++) await Bun.sleep(20);
  expect(heard.map(parseRetiredKey)).toEqual([{ key: row.public_id, cluster: id }]);
  await stop();
}, 60_000);
