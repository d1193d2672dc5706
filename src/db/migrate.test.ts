// Two control-plane processes start at once on one empty Postgres: migrations apply exactly once and both serve.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { spawnControlPlane } from '../testing/spawn';
import { MIGRATIONS_FOLDER } from './client';

let pg: TestDatabase;
beforeAll(async () => {
  pg = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  await pg.drop();
});

test('concurrent start: one set of migrations, two ready replicas', async () => {
  const [a, b] = await Promise.all([spawnControlPlane({ DATABASE_URL: pg.url }), spawnControlPlane({ DATABASE_URL: pg.url })]);
  try {
    for (const url of [a.url, b.url]) {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(200);
      expect((await fetch(`${url}/login`)).status).toBe(200);
    }
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    const rows = await sql`select hash from drizzle.__drizzle_migrations`;
    await sql.end();
    const files = readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql'));
    expect(rows.length).toBe(files.length);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(files.length);
  } finally {
    await Promise.all([a.kill(), b.kill()]);
  }
}, 120_000);

test('SIGTERM shuts down gracefully', async () => {
  const c = await spawnControlPlane({ DATABASE_URL: pg.url });
  c.proc.kill('SIGTERM');
  expect(await c.proc.exited).toBe(0);
  expect(c.lines.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
}, 60_000);
