// The incidents API: the caller's org subtree only (a parent sees its children's, a child never its
// parent's; another org's incident or cluster is a 404), filters, keyset pages without gaps or repeats,
// one incident with its history, acknowledge and resolve (member, audited), silences CRUD, thresholds
// (admin); bad input is a 400 naming the field.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createCluster } from '../clusters/store';
import type { Condition } from './detection';
import { reconcileIncidents } from './reconcile';

let t: TestApp;
type Api = Awaited<ReturnType<typeof apiClient>>;
let parentApi: Api;
let childApi: Api;
let viewerApi: Api;
let outsiderApi: Api;
let parentCluster = '';
let childCluster = '';
let childOrg = '';
let parentOrg = '';

type Incident = {
  id: string;
  subject: string;
  state: string;
  cluster: { id: string; name: string };
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  resolveNote: string | null;
  silencedUntil: string | null;
  count: number;
};
type Listed = { incidents: Incident[]; nextCursor: string | null };

const base = Date.parse('2026-12-01T10:00:00Z');
const cond = (kind: Condition['kind'], subject: string): Condition => ({
  kind,
  subject,
  severity: 'medium',
  title: `${kind} ${subject}`,
  details: { count: 2, pods: ['a', 'b'] },
  since: new Date(base),
  seenAt: new Date(base),
  opensAt: null,
});

beforeAll(async () => {
  t = await startTestApp();
  const [parentUser, childUser, viewer, outsider] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  const parent = await makeOrg(t.db, 'MSP', null, { userId: parentUser.id, role: 'admin' });
  const child = await makeOrg(t.db, 'Customer', parent, { userId: childUser.id, role: 'member' });
  await makeOrg(t.db, 'Elsewhere', null, { userId: outsider.id, role: 'owner' });
  await t.db.execute(sql`insert into memberships (org_id, user_id, role) values (${child.id}, ${viewer.id}, 'viewer')`);
  [parentOrg, childOrg] = [parent.id, child.id];
  parentApi = await apiClient(t, await signIn(t, parentUser));
  childApi = await apiClient(t, await signIn(t, childUser));
  viewerApi = await apiClient(t, await signIn(t, viewer));
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
  // 7 incidents in the child's cluster (one second apart), 2 in the parent's (between them); the child's first resolved.
  const child7 = Array.from({ length: 7 }, (_, i) => cond('image_pull_failing', `shop/Deployment/web-${i}`));
  for (let i = 0; i < 7; i++)
    await reconcileIncidents(t.db, { orgId: child.id, clusterId: childCluster }, ['image_pull_failing'], child7.slice(0, i + 1), new Date(base + i * 1000));
  const nodes = [cond('node_not_ready', 'node-0'), cond('node_not_ready', 'node-1')];
  for (let i = 0; i < 2; i++)
    await reconcileIncidents(t.db, { orgId: parent.id, clusterId: parentCluster }, ['node_not_ready'], nodes.slice(0, i + 1), new Date(base + i * 1000 + 500));
  await reconcileIncidents(t.db, { orgId: child.id, clusterId: childCluster }, ['image_pull_failing'], child7.slice(1), new Date(base + 60_000));
});
afterAll(async () => {
  await t.close();
});

async function list(api: Api, query: string): Promise<Listed> {
  const res = await api.call('GET', `/v1/incidents${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Listed;
}
const idOf = async (subject: string): Promise<string> => (await list(parentApi, '?limit=200')).incidents.find((i) => i.subject === subject)!.id;

test('a parent org sees its own and its children’s open incidents, newest first; a child only its own; an outsider none', async () => {
  const parent = await list(parentApi, '?limit=200');
  expect(parent.incidents.map((i) => i.subject)).toEqual([
    'shop/Deployment/web-6',
    'shop/Deployment/web-5',
    'shop/Deployment/web-4',
    'shop/Deployment/web-3',
    'shop/Deployment/web-2',
    'node-1',
    'shop/Deployment/web-1',
    'node-0',
  ]);
  expect(parent.incidents[0].count).toBe(2);
  const child = await list(childApi, '?limit=200');
  expect(child.incidents.every((i) => i.cluster.id === childCluster)).toBe(true);
  expect(child.incidents).toHaveLength(6);
  expect((await list(outsiderApi, '')).incidents).toEqual([]);
});

test('filters: resolved, cluster, kind, severity, environment, org; another org’s cluster is a 404', async () => {
  const resolved = await list(childApi, '?state=resolved');
  expect(resolved.incidents.map((i) => [i.subject, i.state, i.resolvedAt])).toEqual([['shop/Deployment/web-0', 'resolved', '2026-12-01T10:01:00.000Z']]);
  expect((await list(parentApi, `?cluster=${parentCluster}`)).incidents.map((i) => i.subject)).toEqual(['node-1', 'node-0']);
  expect((await list(parentApi, '?kind=node_not_ready')).incidents).toHaveLength(2);
  expect((await list(parentApi, '?severity=high')).incidents).toHaveLength(0);
  expect((await list(parentApi, '?environment=production&limit=200')).incidents).toHaveLength(8);
  expect((await list(parentApi, `?orgId=${childOrg}&limit=200`)).incidents).toHaveLength(6);
  expect((await childApi.call('GET', `/v1/incidents?cluster=${parentCluster}`)).status).toBe(404);
  expect((await childApi.call('GET', `/v1/incidents?orgId=${parentOrg}`)).status).toBe(404);
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

test('acknowledge and resolve with a note: member only, once, audited, in the history; another org’s incident is a 404', async () => {
  const id = await idOf('shop/Deployment/web-3');
  expect((await outsiderApi.call('POST', `/v1/incidents/${id}/acknowledge`)).status).toBe(404);
  expect((await outsiderApi.call('GET', `/v1/incidents/${id}`)).status).toBe(404);
  expect((await viewerApi.call('POST', `/v1/incidents/${id}/acknowledge`)).status).toBe(403);
  const acked = await childApi.call('POST', `/v1/incidents/${id}/acknowledge`);
  expect(acked.status).toBe(200);
  expect(((await acked.json()) as Incident).acknowledgedBy).toContain('@example.com');
  const again = await childApi.call('POST', `/v1/incidents/${id}/acknowledge`);
  expect([again.status, ((await again.json()) as { error: { code: string } }).error.code]).toEqual([409, 'already_acknowledged']);
  const noNote = await childApi.call('POST', `/v1/incidents/${id}/resolve`, { note: '  ' });
  expect(noNote.status).toBe(400);
  expect(((await noNote.json()) as { error: { message: string } }).error.message).toContain('note');
  const resolved = await childApi.call('POST', `/v1/incidents/${id}/resolve`, { note: 'rolled back to 1.3' });
  expect(resolved.status).toBe(200);
  expect(((await resolved.json()) as Incident).resolveNote).toBe('rolled back to 1.3');
  expect((await childApi.call('POST', `/v1/incidents/${id}/resolve`, { note: 'x' })).status).toBe(409);
  const detail = (await (await parentApi.call('GET', `/v1/incidents/${id}`)).json()) as {
    transitions: { kind: string; actor: string | null; note: string | null }[];
  };
  expect(detail.transitions.map((x) => [x.kind, x.actor === null, x.note])).toEqual([
    ['opened', true, null],
    ['acknowledged', false, null],
    ['resolved', false, 'rolled back to 1.3'],
  ]);
  const audit = await queryRows<{ action: string }>(t.db, sql`select action from audit_events where target = ${id} order by id`);
  expect(audit.map((a) => a.action)).toEqual(['incident.acknowledge', 'incident.resolve']);
  expect((await parentApi.call('GET', '/v1/incidents/not-a-uuid')).status).toBe(404);
});

test('silences: create (marks matching incidents), list, read, expire; scoped; bad input names the field', async () => {
  const created = await parentApi.call('POST', '/v1/incident-silences', {
    orgId: parentOrg,
    kind: 'node_not_ready',
    durationMinutes: 60,
    comment: 'rack maintenance',
  });
  expect(created.status).toBe(201);
  const s = (await created.json()) as { id: string; active: boolean; endsAt: string };
  expect(s.active).toBe(true);
  const nodes = (await list(parentApi, '?kind=node_not_ready')).incidents;
  expect(nodes.every((i) => i.silencedUntil === s.endsAt)).toBe(true);
  expect((await list(parentApi, '?kind=image_pull_failing')).incidents.every((i) => i.silencedUntil === null)).toBe(true);
  expect(((await (await parentApi.call('GET', '/v1/incident-silences')).json()) as { silences: { id: string }[] }).silences.map((x) => x.id)).toContain(s.id);
  // A child cannot see (or expire) its parent's silence.
  expect((await childApi.call('GET', `/v1/incident-silences/${s.id}`)).status).toBe(404);
  expect((await childApi.call('DELETE', `/v1/incident-silences/${s.id}`)).status).toBe(404);
  const expired = await parentApi.call('DELETE', `/v1/incident-silences/${s.id}`);
  expect(expired.status).toBe(200);
  expect(((await expired.json()) as { active: boolean }).active).toBe(false);
  expect((await list(parentApi, '?kind=node_not_ready')).incidents.every((i) => i.silencedUntil === null)).toBe(true);
  for (const [body, field] of [
    [{ comment: 'x', durationMinutes: 60 }, 'matcher'],
    [{ kind: 'volcano', comment: 'x', durationMinutes: 60 }, 'kind'],
    [{ kind: 'oom_killed', comment: 'x' }, 'endsAt'],
    [{ kind: 'oom_killed', comment: 'x', durationMinutes: 0 }, 'durationMinutes'],
    [{ kind: 'oom_killed', comment: '', durationMinutes: 5 }, 'comment'],
    [{ workload: 'not a workload', comment: 'x', durationMinutes: 5 }, 'workload'],
    [{ clusterId: parentCluster, comment: 'x', durationMinutes: 5 }, 'clusterId'],
    [{ kind: 'oom_killed', comment: 'x', startsAt: 'yesterday', endsAt: '2030-01-01T00:00:00Z' }, 'startsAt'],
  ] as const) {
    const res = await childApi.call('POST', '/v1/incident-silences', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field);
  }
});

test('thresholds: anyone in the org reads them, an admin sets them within bounds', async () => {
  const read = (await (await childApi.call('GET', `/v1/orgs/${childOrg}/incident-settings`)).json()) as { pendingAfterSeconds: number };
  expect(read.pendingAfterSeconds).toBe(600);
  expect((await childApi.call('PUT', `/v1/orgs/${childOrg}/incident-settings`, { pendingAfterSeconds: 900 })).status).toBe(403);
  const set = await parentApi.call('PUT', `/v1/orgs/${childOrg}/incident-settings`, { pendingAfterSeconds: 900 });
  expect(((await set.json()) as { pendingAfterSeconds: number; unavailableAfterSeconds: number }).pendingAfterSeconds).toBe(900);
  const bad = await parentApi.call('PUT', `/v1/orgs/${childOrg}/incident-settings`, { unavailableAfterSeconds: 5 });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('unavailableAfterSeconds');
  expect((await outsiderApi.call('GET', `/v1/orgs/${childOrg}/incident-settings`)).status).toBe(404);
});

test('bad parameters are 400s naming the field', async () => {
  for (const [query, field] of [
    ['?state=closed', 'state'],
    ['?kind=volcano', 'kind'],
    ['?severity=critical', 'severity'],
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
