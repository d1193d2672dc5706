// Upgrading a database that holds data: migration 0022 gives every fleet_pods row its cluster's org (the column is
// NOT NULL, so an index built before it would otherwise stop the upgrade).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { MIGRATIONS_FOLDER } from './client';

let pg: TestDatabase;
let before: string;
beforeAll(async () => {
  pg = await createTestDatabase({ migrated: false });
  // The migrations as they were before 0022: the folder copied, the journal cut there.
  before = mkdtempSync(join(tmpdir(), 'niro-migrations-'));
  cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
  const journal = JSON.parse(readFileSync(join(before, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < '0022');
  writeFileSync(join(before, 'meta', '_journal.json'), JSON.stringify(journal));
});
afterAll(async () => {
  rmSync(before, { recursive: true, force: true });
  await pg.drop();
});

test('0022 fills fleet_pods.org_id from the clusters, then requires it', async () => {
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: before });
    const [org] = await sql`insert into orgs (name) values ('Upgraded') returning id`;
    const [cluster] = await sql`insert into clusters (org_id, name, environment) values (${org.id}, 'store-1', 'production') returning id`;
    await sql`insert into fleet_pods (cluster_id, namespace, name, status, phase, ready, restarts, node_name, owner_kind, owner_name, created_unix, images,
        cpu_request_milli, cpu_limit_milli, mem_request_bytes, mem_limit_bytes, not_ready, failing, crash_looping, pending_like, last_restart_unix, oom_risk, search, content_hash)
      values (${cluster.id}, 'shop', 'web-1', 'Running', 'Running', '1/1', 0, 'node-1', 'Deployment', 'web', 0, '{nginx}', 0, 0, 0, 0,
        false, false, false, false, 0, false, 'shop web-1', 'h')`;
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    expect([...(await sql`select org_id from fleet_pods`)]).toEqual([{ org_id: org.id }]);
    const [column] = await sql`select is_nullable from information_schema.columns where table_name = 'fleet_pods' and column_name = 'org_id'`;
    expect(column.is_nullable).toBe('NO');
  } finally {
    await sql.end();
  }
});
