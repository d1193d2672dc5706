// The bus: a message published by one process reaches a subscriber in another (Postgres), and in-process (PGlite).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { spawnBun } from '../testing/spawn';
import { openDatabase } from './client';

let pg: TestDatabase;
beforeAll(async () => {
  pg = await createTestDatabase();
});
afterAll(async () => {
  await pg.drop();
});

function nextMessage(): { promise: Promise<string>; push: (m: string) => void } {
  let push!: (m: string) => void;
  const promise = new Promise<string>((resolve) => (push = resolve));
  return { promise, push };
}

test('postgres.js: another process publishes, this one receives', async () => {
  const got = nextMessage();
  const unsubscribe = await pg.database.bus.subscribe('test_channel', got.push);
  const child = spawnBun(['src/testing/publish-child.ts', pg.url, 'test_channel', 'hello from another process'], {});
  expect(await Promise.race([got.promise, Bun.sleep(15_000).then(() => 'timeout')])).toBe('hello from another process');
  await child.proc.exited;
  await unsubscribe();
});

test('postgres.js: unsubscribe stops delivery; payloads keep their bytes', async () => {
  const seen: string[] = [];
  const unsubscribe = await pg.database.bus.subscribe('test_two', (m) => seen.push(m));
  const payload = JSON.stringify({ line: 'ünïcødé <b>"quoted"</b>\n' });
  await pg.database.bus.publish('test_two', payload);
  const deadline = Date.now() + 5000;
  while (seen.length === 0 && Date.now() < deadline) await Bun.sleep(10);
  expect(seen).toEqual([payload]);
  await unsubscribe();
});

test('channel names are checked', async () => {
  expect(pg.database.bus.publish('bad channel; drop table x', 'x')).rejects.toThrow();
});

test('PGlite: migrations apply and the bus delivers in-process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-pglite-'));
  try {
    const db = await openDatabase({ databaseUrl: null, dataDir: dir });
    expect(db.driver).toBe('pglite');
    await db.migrate();
    const got = nextMessage();
    const unsubscribe = await db.bus.subscribe('lite_channel', got.push);
    await db.bus.publish('lite_channel', 'in-process');
    expect(await Promise.race([got.promise, Bun.sleep(5000).then(() => 'timeout')])).toBe('in-process');
    await unsubscribe();
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
