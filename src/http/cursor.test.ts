// Keyset cursors are checked element by element when decoded: a tampered one is a 400 naming the cursor
// on every list, API or page, never a query that fails on a uuid or timestamp cast.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { decodeCursor, encodeCursor } from './cursor';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let browser: Browser;
let clusterId: string;

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  const orgId = (await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' })).id;
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
  const created = await api.call('POST', '/v1/clusters', { name: 'edge-1', orgId });
  clusterId = ((await created.json()) as { cluster: { id: string } }).cluster.id;
});
afterAll(async () => {
  await t.close();
});

const cursorOf = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');

test('a cursor whose id is not a uuid, or whose time is not a time, is a 400 on every list', async () => {
  const tampered = [cursorOf(['a', 'b']), cursorOf(['edge', 'not-a-uuid']), cursorOf(['x\u0000', '00000000-0000-0000-0000-000000000000']), cursorOf([1, 2, 3])];
  for (const cursor of tampered) {
    for (const path of ['/v1/clusters', `/v1/clusters/${clusterId}/commands`, '/v1/incidents']) {
      const res = await api.call('GET', `${path}?cursor=${cursor}`);
      expect({ path, cursor, status: res.status }).toEqual({ path, cursor, status: 400 });
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('cursor: malformed');
    }
    for (const path of ['/', '/fleet/live', `/clusters/${clusterId}/commands`, `/clusters/${clusterId}/commands/live`]) {
      const res = await browser.get(`${path}?cursor=${cursor}`);
      expect({ path, cursor, status: res.status }).toEqual({ path, cursor, status: 400 });
    }
  }
});

test('a time that is not an instant is a 400 where the key is a time', async () => {
  const cursor = cursorOf(['2026-01-01', '00000000-0000-0000-0000-000000000000']);
  for (const path of [`/v1/clusters/${clusterId}/commands`, '/v1/incidents']) expect((await api.call('GET', `${path}?cursor=${cursor}`)).status).toBe(400);
});

test('cursors the lists hand out still page', async () => {
  for (const name of ['edge-2', 'edge-3']) await api.call('POST', '/v1/clusters', { name });
  const first = (await (await api.call('GET', '/v1/clusters?limit=2')).json()) as { clusters: { name: string }[]; nextCursor: string };
  const second = (await (await api.call('GET', `/v1/clusters?limit=2&cursor=${first.nextCursor}`)).json()) as { clusters: { name: string }[] };
  expect([...first.clusters, ...second.clusters].map((c) => c.name)).toEqual(['edge-1', 'edge-2', 'edge-3']);
  expect((await browser.get(`/?cursor=${first.nextCursor}`)).status).toBe(200);
});

test('decoding checks each element and types the key', () => {
  const at = new Date('2026-05-01T10:00:00.123Z');
  const id = '0b7f2c1e-4d3a-4f5b-9c8d-7e6f5a4b3c2d';
  const [time, uuid] = decodeCursor(encodeCursor([at.toISOString(), id]), ['time', 'uuid']);
  expect([time.getTime(), uuid]).toEqual([at.getTime(), id]);
  expect(decodeCursor(encodeCursor(['web', 42]), ['text', 'int'])).toEqual(['web', 42]);
  for (const [key, shape] of [
    [
      ['web', 1.5],
      ['text', 'int'],
    ],
    [['web'], ['text', 'int']],
    [
      [id, 'x\ud800'],
      ['uuid', 'text'],
    ],
    [['tomorrow'], ['time']],
    [['2026-13-45T99:00:00Z'], ['time']],
  ] as const) {
    expect(() => decodeCursor(encodeCursor(key), shape)).toThrow('cursor: malformed');
  }
  expect(() => decodeCursor('%%%', ['text'])).toThrow('cursor: malformed');
});
