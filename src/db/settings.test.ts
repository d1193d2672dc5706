// A server whose autovacuum is off is named at start: the heartbeat's hot tables would bloat and the pod table be
// planned without statistics. Checked against a Postgres of the test's own, switched off and on again.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Db } from './client';
import { databaseSettingWarnings } from './settings';
import { startPrivatePostgres, type PrivatePostgres } from '../testing/private-postgres';

let pg: PrivatePostgres;
let sql: postgres.Sql;
let db: Db;
beforeAll(async () => {
  pg = await startPrivatePostgres();
  sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  db = drizzle(sql) as unknown as Db;
});
afterAll(async () => {
  await sql.end();
  await pg.destroy();
});

async function set(name: string, value: string): Promise<void> {
  await sql.unsafe(`alter system set ${name} = ${value}`);
  await sql`select pg_reload_conf()`;
  // A reload is signalled, not awaited: wait until this session sees it.
  for (let i = 0; i < 100; i++) {
    const [s] = await sql`select current_setting(${name}) as v`;
    if (s!.v === value) return;
    await Bun.sleep(50);
  }
  throw new Error(`${name} did not become ${value}`);
}

test('autovacuum off is a warning that names it; on again, none', async () => {
  expect(await databaseSettingWarnings(db)).toEqual([]);
  await set('autovacuum', 'off');
  const warnings = await databaseSettingWarnings(db);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('autovacuum is off');
  await set('track_counts', 'off');
  expect((await databaseSettingWarnings(db)).map((w) => w.split(' ')[0])).toEqual(['autovacuum', 'track_counts']);
  await set('autovacuum', 'on');
  await set('track_counts', 'on');
  expect(await databaseSettingWarnings(db)).toEqual([]);
});
