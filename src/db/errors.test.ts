// Which database errors mean "unreachable, retry" (a refused connection, raw or wrapped by drizzle; Postgres shutting down) and which are the query's own (a syntax error, a unique violation).
import { afterAll, expect, test } from 'bun:test';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import { createServer } from 'node:net';
import { createTestDatabase } from '../testing/db';
import { isDatabaseUnavailable, violatedUniqueConstraint } from './errors';

const pg = await createTestDatabase();
afterAll(async () => {
  await pg.drop();
});

/** A port on 127.0.0.1 that nothing listens on (taken from the kernel, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

test('a refused connection is unavailable, from postgres.js and through drizzle', async () => {
  const client = postgres(`postgres://postgres@127.0.0.1:${await closedPort()}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const raw = await client`select 1`.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(raw)).toBe(true);
    const wrapped = await drizzle(client)
      .execute(sql`select 1`)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
  } finally {
    await client.end({ timeout: 1 });
  }
});

test("Postgres shutting down (57P01) is unavailable; the query's own errors are not", async () => {
  expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
  const syntax = await pg.database.db.execute(sql`selec 1`).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isDatabaseUnavailable(syntax)).toBe(false);
  // One transaction, so the temporary table and the insert share a connection.
  const duplicate = await pg.database.db
    .transaction(async (tx) => {
      await tx.execute(sql`create temp table u (k int primary key)`);
      await tx.execute(sql`insert into u values (1), (1)`);
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(violatedUniqueConstraint(duplicate)).not.toBeNull();
  expect(isDatabaseUnavailable(duplicate)).toBe(false);
  expect(isDatabaseUnavailable(new Error('plain'))).toBe(false);
});
