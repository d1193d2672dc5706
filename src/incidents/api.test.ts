// GET /v1/incidents: the caller's org subtree only (a parent sees its children's, a child never its
// parent's; another org's cluster is a 404), open or resolved, newest first, paged without gaps or
// repeats; bad parameters are 400s naming the field.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createCluster } from '../clusters/store';
import { openIncidents, resolveIncidents } from './store';

let t: TestApp;
type Api = Awaited<ReturnType<typeof apiClient>>;
let parentApi: Api;
let childApi: Api;
let outsiderApi: Api;
let parentCluster = '';
let childCluster = '';

type Listed = { incidents: { id: string; subject: string; cluster: { id: string; name: string }; resolvedAt: string | null }[]; nextCursor: string | null };

beforeAll(async () => {
  t = await startTestApp();
  const [parentUser, childUser, outsider] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  const parent = await makeOrg(t.db, 'MSP', null, { userId: parentUser.id, role: 'viewer' });
  const child = await makeOrg(t.db, 'Customer', parent, { userId: childUser.id, role: 'viewer' });
  await makeOrg(t.db, 'Elsewhere', null, { userId: outsider.id, role: 'owner' });
  parentApi = await apiClient(t, await signIn(t, parentUser));
  childApi = await apiClient(t, await signIn(t, childUser));
  outsiderApi = await apiClient(t, await signIn(t, outsider));
  const clusters: string[] = [];
  for (const [org, name] of [
    [parent, 'msp-core'],
    [child, 'shop-1'],
  ] as const) {
    const created = await createCluster(t.db, { orgId: org.id, name, environment: 'production', createdBy: null });
    if (!created.ok) throw new Error('cluster');
    clusters.push(created.cluster.id);
  }
  [parentCluster, childCluster] = clusters;
  // 7 incidents in the child's cluster (one second apart), 2 in the parent's (between them); one of the child's resolved.
  const base = Date.parse('2026-12-01T10:00:00Z');
  for (let i = 0; i < 7; i++) {
    await openIncidents(
      t.db,
      [
        {
          orgId: child.id,
          clusterId: childCluster,
          kind: 'pod_crash_looping',
          severity: 'high',
          subject: `shop/web-${i}`,
          title: `Pod shop/web-${i} is crash-looping`,
        },
      ],
      new Date(base + i * 1000),
    );
  }
  for (let i = 0; i < 2; i++) {
    await openIncidents(
      t.db,
      [{ orgId: parent.id, clusterId: parentCluster, kind: 'node_not_ready', severity: 'high', subject: `node-${i}`, title: `Node node-${i} is NotReady` }],
      new Date(base + i * 1000 + 500),
    );
  }
  await resolveIncidents(t.db, childCluster, { kind: 'pod_crash_looping', subjects: ['shop/web-0'] }, new Date(base + 60_000));
});
afterAll(async () => {
  await t.close();
});

async function list(api: Api, query: string): Promise<Listed> {
  const res = await api.call('GET', `/v1/incidents${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Listed;
}

test('a parent org sees its own and its children’s open incidents, newest first; a child only its own; an outsider none', async () => {
  const parent = await list(parentApi, '?limit=200');
  expect(parent.incidents.map((i) => i.subject)).toEqual([
    'shop/web-6',
    'shop/web-5',
    'shop/web-4',
    'shop/web-3',
    'shop/web-2',
    'node-1',
    'shop/web-1',
    'node-0',
  ]);
  const child = await list(childApi, '?limit=200');
  expect(child.incidents.every((i) => i.cluster.id === childCluster)).toBe(true);
  expect(child.incidents).toHaveLength(6);
  expect((await list(outsiderApi, '')).incidents).toEqual([]);
});

test('resolved ones on request; one cluster on request; another org’s cluster is a 404', async () => {
  const resolved = await list(childApi, '?state=resolved');
  expect(resolved.incidents.map((i) => i.subject)).toEqual(['shop/web-0']);
  expect(resolved.incidents[0].resolvedAt).toBe('2026-12-01T10:01:00.000Z');
  const one = await list(parentApi, `?cluster=${parentCluster}`);
  expect(one.incidents.map((i) => i.subject)).toEqual(['node-1', 'node-0']);
  expect((await childApi.call('GET', `/v1/incidents?cluster=${parentCluster}`)).status).toBe(404);
  expect((await outsiderApi.call('GET', `/v1/incidents?cluster=${childCluster}`)).status).toBe(404);
});

test('pages follow the cursor without gaps or repeats', async () => {
  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: Listed = await list(parentApi, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.incidents.map((i) => i.subject));
    cursor = page.nextCursor;
  }
  expect(seen).toEqual((await list(parentApi, '?limit=200')).incidents.map((i) => i.subject));
});

test('bad parameters are 400s naming the field', async () => {
  for (const [query, field] of [
    ['?state=closed', 'state'],
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?cursor=nope', 'cursor'],
    [`?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, 'cursor'],
  ]) {
    const res = await parentApi.call('GET', `/v1/incidents${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field);
  }
});
