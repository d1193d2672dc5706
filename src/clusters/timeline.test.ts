// The cluster timeline is newest first by a total key (time, then id): entries written in the same millisecond and Warning events older than their row keep one order, and a keyset walk visits each entry once, in the API and on the page.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { createEnrolledCluster } from '../testing/heartbeats';
import { addTimeline, upsertEventEntries } from './timeline';

let t: TestApp;
let browser: Browser;
let api: Awaited<ReturnType<typeof apiClient>>;
let clusterId: string;

type Entry = { id: string; at: string; kind: string; message: string };

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Timeline', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
  clusterId = (await createEnrolledCluster(t, api, { name: 'timeline-order', orgId: org.id })).clusterId;
  const base = Date.parse('2030-01-01T12:00:00.000Z');
  const same = new Date(base + 5_000);
  // One heartbeat's worth: several entries in the same millisecond…
  await addTimeline(
    t.db,
    clusterId,
    Array.from({ length: 5 }, (_, i) => ({ kind: 'restart' as const, message: `same-ms ${i}`, at: same })),
    same,
  );
  // …then a status change a second later, and a Warning event first seen before all of them but written last.
  await addTimeline(t.db, clusterId, [{ kind: 'status', message: 'later', at: new Date(base + 6_000) }], new Date(base + 6_000));
  const details = {
    namespace: 'shop',
    kind: 'Pod',
    name: 'web-1',
    reason: 'BackOff',
    message: 'first seen earlier',
    count: 1,
    lastSeen: base / 1000,
    source: 'kubelet',
  };
  await upsertEventEntries(t.db, clusterId, [{ dedupeKey: 'event:old-1', at: new Date(base), message: 'first seen earlier', details }]);
  await addTimeline(t.db, clusterId, [{ kind: 'capability', message: 'same-ms 5', at: same }], same);
});
afterAll(async () => {
  await t.close();
});

/** Newest first: by time, then by id. */
function sorted(entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || Number(b.id) - Number(a.id));
}

async function walk(limit: number): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  do {
    const res = await api.call('GET', `/v1/clusters/${clusterId}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { entries: Entry[]; nextCursor: string | null };
    out.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

test('GET …/timeline is newest first by time, then id; every page size walks the same order once', async () => {
  const all = await walk(200);
  const mine = all.filter((e) => e.message.startsWith('same-ms') || e.message === 'later' || e.message === 'first seen earlier');
  expect(mine.map((e) => e.message)).toEqual(['later', 'same-ms 5', 'same-ms 4', 'same-ms 3', 'same-ms 2', 'same-ms 1', 'same-ms 0', 'first seen earlier']);
  expect(all).toEqual(sorted(all));
  for (const limit of [1, 2, 3]) expect((await walk(limit)).map((e) => e.id)).toEqual(all.map((e) => e.id));
  expect((await api.call('GET', `/v1/clusters/${clusterId}/timeline?cursor=${Buffer.from('[1]').toString('base64url')}`)).status).toBe(400);
});

test('the Timeline tab shows the same order', async () => {
  const page = await (await browser.get(`/clusters/${clusterId}/timeline`)).text();
  const shown = [...page.matchAll(/<tr data-entry="(\d+)"/g)].map((m) => m[1]);
  expect(shown).toEqual((await walk(50)).map((e) => e.id));
});
