// Upgrading a database that holds data: migration 0022 gives every fleet_pods row its cluster's org (the column is
// NOT NULL, so an index built before it would otherwise stop the upgrade); 0023 does the same for fleet_pod_state
// and fills the per-organization pod counts from what is already indexed; 0025 fills the per-organization cluster counts.
import { afterAll, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { MIGRATIONS_FOLDER } from './client';

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** The migrations as they were before `tag`: the folder copied, the journal cut there. */
function migrationsBefore(tag: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'niro-migrations-'));
  folders.push(folder);
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < tag);
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  return folder;
}

/** A fresh database migrated to just before `tag`, handed to `fn` with an org and a cluster in it. */
async function upgradeFrom(tag: string, fn: (sql: postgres.Sql, ids: { org: string; cluster: string }, upgrade: () => Promise<void>) => Promise<void>) {
  const db: TestDatabase = await createTestDatabase({ migrated: false });
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: migrationsBefore(tag) });
    const [org] = await sql`insert into orgs (name) values ('Upgraded') returning id`;
    const [cluster] = await sql`insert into clusters (org_id, name, environment) values (${org.id}, 'store-1', 'production') returning id`;
    await fn(sql, { org: org.id, cluster: cluster.id }, () => migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER }));
  } finally {
    await sql.end();
    await db.drop();
  }
}

async function notNull(sql: postgres.Sql, table: string, column: string): Promise<boolean> {
  const [c] = await sql`select is_nullable from information_schema.columns where table_name = ${table} and column_name = ${column}`;
  return c.is_nullable === 'NO';
}

test('0022 fills fleet_pods.org_id from the clusters, then requires it', async () => {
  await upgradeFrom('0022', async (sql, ids, upgrade) => {
    await sql`insert into fleet_pods (cluster_id, namespace, name, status, phase, ready, restarts, node_name, owner_kind, owner_name, created_unix, images,
        cpu_request_milli, cpu_limit_milli, mem_request_bytes, mem_limit_bytes, not_ready, failing, crash_looping, pending_like, last_restart_unix, oom_risk, search, content_hash)
      values (${ids.cluster}, 'shop', 'web-1', 'Running', 'Running', '1/1', 0, 'node-1', 'Deployment', 'web', 0, '{nginx}', 0, 0, 0, 0,
        false, false, false, false, 0, false, 'shop web-1', 'h')`;
    await upgrade();
    expect([...(await sql`select org_id from fleet_pods`)]).toEqual([{ org_id: ids.org }]);
    expect(await notNull(sql, 'fleet_pods', 'org_id')).toBe(true);
  });
});

test('0023 fills fleet_pod_state.org_id and the per-organization counts, which then follow', async () => {
  await upgradeFrom('0023', async (sql, ids, upgrade) => {
    await sql`insert into fleet_pod_state (cluster_id, status_counts, synced_at) values (${ids.cluster}, ${JSON.stringify({ Running: 28, Pending: 2 })}::jsonb, now())`;
    await upgrade();
    expect([...(await sql`select org_id from fleet_pod_state`)]).toEqual([{ org_id: ids.org }]);
    expect(await notNull(sql, 'fleet_pod_state', 'org_id')).toBe(true);
    const counts = async () => [...(await sql`select status, pods from fleet_pod_org_counts where org_id = ${ids.org} order by status`)];
    expect(await counts()).toEqual([
      { status: 'Pending', pods: 2 },
      { status: 'Running', pods: 28 },
    ]);
    await sql`update fleet_pod_state set status_counts = ${JSON.stringify({ Running: 30 })}::jsonb`;
    expect(await counts()).toEqual([{ status: 'Running', pods: 30 }]);
  });
});

test('0025 fills the per-organization cluster counts, which then follow', async () => {
  await upgradeFrom('0025', async (sql, ids, upgrade) => {
    await sql`insert into clusters (org_id, name, environment) values (${ids.org}, 'store-2', 'production')`;
    await upgrade();
    const counts = async () => [...(await sql`select org_id, clusters from org_cluster_counts`)];
    expect(await counts()).toEqual([{ org_id: ids.org, clusters: 2 }]);
    await sql`delete from clusters where id = ${ids.cluster}`;
    expect(await counts()).toEqual([{ org_id: ids.org, clusters: 1 }]);
  });
});
