// Tests of the data layer that must hold on both drivers: the same tests once on a Postgres test database and once
// on PGlite, each in a describe block of its own that opens its database before its tests and drops it after.
import { afterAll, beforeAll, describe } from 'bun:test';
import type { Db } from '../db/client';
import { createTestDatabase, createTestPglite, type TestDatabase } from './db';

/** Declares `body`'s tests under "on Postgres" and "on PGlite"; `db()` is the block's database (inside a test). */
export function describeOnBothDatabases(body: (db: () => Db) => void): void {
  const drivers: [string, () => Promise<TestDatabase>][] = [
    ['on Postgres', () => createTestDatabase()],
    ['on PGlite', () => createTestPglite()],
  ];
  for (const [name, open] of drivers) {
    describe(name, () => {
      let testDb: TestDatabase | undefined;
      beforeAll(async () => {
        testDb = await open();
      });
      afterAll(async () => {
        await testDb?.drop();
      });
      body(() => testDb!.database.db);
    });
  }
}
