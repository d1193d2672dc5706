// A scope's cluster counts for the pod table's picker (countScopeClusters): the total read from the kept
// per-organization counts (org_cluster_counts, drizzle/0025) stays what counting the clusters gives, whatever adds,
// deletes or moves clusters, an organization's deletion cascading included; counts-only and truncated clusters are
// counted too; the picker's first clusters by name come from walking the name order. On Postgres and on PGlite.
import { beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { describeOnBothDatabases } from '../testing/both-databases';
import { makeCluster, makeOrg } from '../testing/app';
import { planOfQuery, rowsRead, scansOf } from '../testing/explain';
import { countScopeClusters, deleteCluster, listScopeClusters, scopeClustersQuery } from './store';

/** The same three figures counted from the clusters' rows. */
async function counted(db: Db, orgIds: string[]) {
  const [row] = await queryRows<{ total: number; countsOnly: number; truncated: number }>(
    db,
    sql`select count(*)::int as "total", (count(*) filter (where protocol < 2))::int as "countsOnly", (count(*) filter (where pods_truncated))::int as "truncated"
        from clusters where org_id in ${orgIds}`,
  );
  return row;
}

/** The kept rows, as "org clusters" lines. */
async function kept(db: Db): Promise<string[]> {
  const rows = await queryRows<{ org_id: string; clusters: number }>(db, sql`select org_id, clusters from org_cluster_counts order by org_id`);
  return rows.map((r) => `${r.org_id} ${r.clusters}`);
}

describeOnBothDatabases((database) => {
  let db: Db;
  beforeAll(() => {
    db = database();
  });

  test('the counts follow new, deleted and moved clusters and a deleted organization', async () => {
    const msp = await makeOrg(db, 'Provider');
    const shop = await makeOrg(db, 'Shop', msp);
    const other = await makeOrg(db, 'Other');
    const m1 = await makeCluster(db, msp.id, 'm1');
    const s1 = await makeCluster(db, shop.id, 's1');
    const s2 = await makeCluster(db, shop.id, 's2');
    const s3 = await makeCluster(db, shop.id, 's3');
    await makeCluster(db, other.id, 'o1');
    // s1 sends counts only (protocol 1), s2 a truncated list, s3 has not beaten yet (no protocol), m1 a full list.
    await db.execute(sql`update clusters set protocol = 1 where id = ${s1.id}`);
    await db.execute(sql`update clusters set protocol = 7, pods_truncated = true where id = ${s2.id}`);
    await db.execute(sql`update clusters set protocol = 7 where id = ${m1.id}`);

    const tree = [msp.id, shop.id];
    expect(await countScopeClusters(db, tree)).toEqual({ total: 4, countsOnly: 1, truncated: 1 });
    expect(await countScopeClusters(db, [shop.id])).toEqual({ total: 3, countsOnly: 1, truncated: 1 });
    expect(await countScopeClusters(db, [other.id])).toEqual({ total: 1, countsOnly: 0, truncated: 0 });
    expect(await countScopeClusters(db, [])).toEqual({ total: 0, countsOnly: 0, truncated: 0 });
    for (const scope of [tree, [shop.id], [other.id], [msp.id, other.id]]) expect(await countScopeClusters(db, scope)).toEqual((await counted(db, scope))!);

    // A rename is no move: nothing changes.
    const before = await kept(db);
    await db.execute(sql`update clusters set name = 's1-renamed' where id = ${s1.id}`);
    expect(await kept(db)).toEqual(before);

    // A cluster moved to another organization leaves one count and joins the other.
    await db.execute(sql`update clusters set org_id = ${other.id} where id = ${s2.id}`);
    expect(await countScopeClusters(db, [shop.id])).toEqual({ total: 2, countsOnly: 1, truncated: 0 });
    expect(await countScopeClusters(db, [other.id])).toEqual({ total: 2, countsOnly: 0, truncated: 1 });

    // A deleted cluster leaves its count; a count that reaches 0 is deleted, not kept at 0.
    await deleteCluster(db, m1);
    expect(await countScopeClusters(db, tree)).toEqual({ total: 2, countsOnly: 1, truncated: 0 });
    expect((await kept(db)).some((l) => l.startsWith(msp.id))).toBe(false);

    // Deleting an organization cascades to its clusters, and they leave the counts.
    await db.execute(sql`delete from orgs where id = ${other.id}`);
    expect(await countScopeClusters(db, [other.id])).toEqual({ total: 0, countsOnly: 0, truncated: 0 });
    expect(await kept(db)).toEqual([`${shop.id} 2`]);
    expect(await countScopeClusters(db, tree)).toEqual((await counted(db, tree))!);
  });

  test("the picker's first clusters by name are read in name order, stopping at the page", async () => {
    const picked = await makeOrg(db, 'Picked');
    const elsewhere = await makeOrg(db, 'Elsewhere');
    // Interleaved by name with another organization's, so walking the name order has rows to pass over.
    for (let i = 0; i < 40; i++) {
      await makeCluster(db, picked.id, `edge-${String(i).padStart(2, '0')}-a`);
      await makeCluster(db, elsewhere.id, `edge-${String(i).padStart(2, '0')}-b`);
    }
    const first = await listScopeClusters(db, [picked.id], { limit: 10 });
    expect(first.map((c) => c.name)).toEqual(Array.from({ length: 10 }, (_, i) => `edge-${String(i).padStart(2, '0')}-a`));
    // With sorting (and the other ways of reading the table) off, the plan shows whether an index gives the order.
    const plan = await planOfQuery(db, scopeClustersQuery(db, [picked.id], { limit: 10 })!, {
      settings: { enable_sort: 'off', enable_seqscan: 'off', enable_bitmapscan: 'off' },
    });
    expect(scansOf(plan, 'clusters').map((s) => s.index)).toEqual(['clusters_name_idx']);
    expect(rowsRead(plan, 'clusters')).toBe(10);
  });
});
