// The benchmarks' measurements on real Postgres: a cluster's stored pod rows exported as COPY text load
// back unchanged (under another cluster id) into the COPY baseline's table, and the index count is the
// fleet index's.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { copyFrom, queryRows, type Db } from '../db/client';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { makeHeartbeat, makePod, makePods } from '../testing/heartbeats';
import { createOrg } from '../orgs/store';
import { createCluster } from '../clusters/store';
import { parseHeartbeat } from '../agents/heartbeat-parse';
import { ingestHeartbeat } from '../agents/heartbeat';
import { indexFleetPods } from './fleet-index';
import { countIndexedPods, createPodsCopyTable, podRowsCopyText } from './measure';

const OTHER_ID = '00000000-0000-4000-8000-0000000c0b1e';

let testDb: TestDatabase;
let db: Db;
let clusterId: string;
beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.database.db;
  const org = await createOrg(db, { name: 'Measure', parent: null, plan: 'enterprise' });
  if (!org.ok) throw new Error('org');
  const created = await createCluster(db, { orgId: org.org.id, name: 'measured', environment: 'production', createdBy: null });
  if (!created.ok) throw new Error('cluster');
  clusterId = created.cluster.id;
  // Fields COPY text must escape (tab, newline, backslash), a null, both booleans.
  const pods = [...makePods(3), makePod(3, { message: 'line one\n\tindented \\ backslash', privileged: true, uid: undefined })];
  const parsed = parseHeartbeat(JSON.stringify(makeHeartbeat({ pods })), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  const stored = await ingestHeartbeat(db, clusterId, parsed.snapshot, new Date(), new Map());
  if (!stored.ok) throw new Error(stored.reason);
});
afterAll(async () => {
  await testDb.drop();
});

test("a cluster's pod rows, exported as COPY text, load into the COPY baseline's table as they were stored", async () => {
  const { rows, text } = await podRowsCopyText(db, clusterId, OTHER_ID);
  expect(rows).toBe(4);
  await createPodsCopyTable(db, 'measure_copy_pods');
  const columns = await queryRows<{ name: string }>(
    db,
    sql`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'measure_copy_pods' order by ordinal_position`,
  );
  await db.transaction((tx) =>
    copyFrom(
      tx,
      'measure_copy_pods',
      columns.map((c) => `"${c.name}"`),
      text,
    ),
  );
  const differ = await queryRows<{ n: number }>(
    db,
    sql.raw(`select count(*)::int as n from (
      (select * from measure_copy_pods except select '${OTHER_ID}'::uuid, ${columns
        .slice(1)
        .map((c) => `"${c.name}"`)
        .join(', ')} from cluster_pods where cluster_id = '${clusterId}')
      union all
      (select '${OTHER_ID}'::uuid, ${columns
        .slice(1)
        .map((c) => `"${c.name}"`)
        .join(', ')} from cluster_pods where cluster_id = '${clusterId}' except select * from measure_copy_pods)
    ) d`),
  );
  expect(columns[0]!.name).toBe('cluster_id');
  expect(differ[0]!.n).toBe(0);
  const [{ n }] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from measure_copy_pods where message like '%backslash' and privileged and uid is null`,
  );
  expect(n).toBe(1);
});

test('countIndexedPods counts the fleet index once the index pass has run', async () => {
  expect(await countIndexedPods(db)).toBe(0);
  const indexed = await indexFleetPods(db, { now: new Date(), usageEverySeconds: 30 });
  expect(indexed.failed).toBe(0);
  expect(await countIndexedPods(db)).toBe(4);
});
