// Pods per status per organization (fleet_pod_org_counts) stay the sum of the organization's indexed pods whatever
// writes fleet_pod_state: the index job's inserts and re-syncs, its usage refreshes, a cluster's deletion cascading.
// On Postgres and on PGlite.
import { beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { describeOnBothDatabases } from '../testing/both-databases';
import { makeHeartbeat, makePod } from '../testing/heartbeats';
import type { PodDetail } from '../contract';
import { makeCluster, makeOrg } from '../testing/app';
import { deleteCluster } from '../clusters/store';
import { parseHeartbeat } from '../agents/heartbeat-parse';
import { ingestHeartbeat } from '../agents/heartbeat';
import { indexFleetPods } from './fleet-index';
import { countPodsByStatus } from './fleet-pods';

/** `n` pods of which the first `crashing` crash-loop and the next `pending` are Pending. */
function pods(n: number, crashing: number, pending: number): PodDetail[] {
  return Array.from({ length: n }, (_, i) =>
    makePod(
      i,
      i < crashing ? { status: 'CrashLoopBackOff', ready: '0/1' } : i < crashing + pending ? { status: 'Pending', phase: 'Pending', ready: '0/1' } : {},
    ),
  );
}

async function beat(db: Db, clusterId: string, list: PodDetail[], at: number): Promise<void> {
  const parsed = parseHeartbeat(JSON.stringify(makeHeartbeat({ pods: list })), 5000);
  if (!parsed.ok) throw new Error(parsed.message);
  await ingestHeartbeat(db, clusterId, parsed.snapshot, new Date(at));
}

/** The kept sums and the same sums counted from the indexed pods, each as "org status pods" lines. */
async function keptAndCounted(db: Db): Promise<{ kept: string[]; counted: string[] }> {
  const line = (r: { org_id: string; status: string; n: number }) => `${r.org_id} ${r.status} ${r.n}`;
  const kept = await queryRows<{ org_id: string; status: string; n: number }>(
    db,
    sql`select org_id, status, pods as n from fleet_pod_org_counts order by org_id, status`,
  );
  const counted = await queryRows<{ org_id: string; status: string; n: number }>(
    db,
    sql`select org_id, status, count(*)::int as n from fleet_pods group by org_id, status order by org_id, status`,
  );
  return { kept: kept.map(line), counted: counted.map(line) };
}

describeOnBothDatabases((database) => {
  let db: Db;
  beforeAll(() => {
    db = database();
  });

  test('the sums follow new clusters, changed statuses, usage refreshes and deleted clusters', async () => {
    const a = (await makeOrg(db, 'Stores A')).id;
    const b = (await makeOrg(db, 'Stores B')).id;
    const a1 = await makeCluster(db, a, 'a1');
    const a2 = await makeCluster(db, a, 'a2');
    const b1 = await makeCluster(db, b, 'b1');
    let t = Date.now() - 600_000;
    const index = async () => indexFleetPods(db, { now: new Date((t += 1000)), usageEverySeconds: 30 });

    await beat(db, a1.id, pods(10, 1, 2), (t += 1000));
    await beat(db, a2.id, pods(6, 0, 1), (t += 1000));
    await beat(db, b1.id, pods(4, 2, 0), (t += 1000));
    await index();
    let sums = await keptAndCounted(db);
    expect(sums.kept).toEqual(sums.counted);
    expect(await countPodsByStatus(db, { orgIds: [a] })).toEqual({ byStatus: { Running: 12, CrashLoopBackOff: 1, Pending: 3 }, total: 16 });
    expect(await countPodsByStatus(db, { orgIds: [a, b] })).toEqual({ byStatus: { Running: 14, CrashLoopBackOff: 3, Pending: 3 }, total: 20 });
    // Picked clusters are counted from their own summaries.
    expect(await countPodsByStatus(db, { clusterIds: [a2.id, b1.id] })).toEqual({ byStatus: { Running: 7, CrashLoopBackOff: 2, Pending: 1 }, total: 10 });

    // a1: the pending pods start, two more crash; b1's crash loops end.
    await beat(db, a1.id, pods(10, 3, 0), (t += 20_000));
    await beat(db, b1.id, pods(4, 0, 0), (t += 1000));
    await index();
    sums = await keptAndCounted(db);
    expect(sums.kept).toEqual(sums.counted);
    expect(await countPodsByStatus(db, { orgIds: [a] })).toEqual({ byStatus: { Running: 12, CrashLoopBackOff: 3, Pending: 1 }, total: 16 });
    // A count that reached 0 is gone, not kept at 0.
    expect(sums.kept.filter((l) => l.startsWith(b))).toEqual([`${b} Running 4`]);

    // Beats that change no pod: the index refreshes usage only, and the sums stay.
    await beat(db, a1.id, pods(10, 3, 0), (t += 40_000));
    await beat(db, a2.id, pods(6, 0, 1), (t += 1000));
    expect(await index()).toMatchObject({ inventory: 0, usage: 2, failed: 0 });
    expect((await keptAndCounted(db)).kept).toEqual(sums.kept);

    // A deleted cluster's pods leave its organization's sums (fleet_pod_state's row cascades).
    await deleteCluster(db, a1);
    sums = await keptAndCounted(db);
    expect(sums.kept).toEqual(sums.counted);
    expect(await countPodsByStatus(db, { orgIds: [a] })).toEqual({ byStatus: { Running: 5, Pending: 1 }, total: 6 });
    await deleteCluster(db, a2);
    expect((await keptAndCounted(db)).kept).toEqual([`${b} Running 4`]);
    expect(await countPodsByStatus(db, { orgIds: [a] })).toEqual({ byStatus: {}, total: 0 });
  });
});
