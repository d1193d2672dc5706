// The control plane's own Postgres connections carry their session settings from the first statement on.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from './client';
import { createTestDatabase, type TestDatabase } from '../testing/db';

let pg: TestDatabase;
beforeAll(async () => {
  pg = await createTestDatabase();
});
afterAll(async () => {
  await pg.drop();
});

test('no connection of the pool JIT-compiles: a cost estimate past jit_above_cost does not buy seconds of compiling', async () => {
  const seen = await Promise.all(
    Array.from({ length: 5 }, () =>
      queryRows<{ jit: string; pid: number }>(pg.database.db, sql`select current_setting('jit') as jit, pg_backend_pid() as pid from pg_sleep(0.05)`),
    ),
  );
  const rows = seen.flat();
  expect(new Set(rows.map((r) => r.pid)).size).toBeGreaterThan(1);
  expect(rows.map((r) => r.jit)).toEqual(['off', 'off', 'off', 'off', 'off']);
});
