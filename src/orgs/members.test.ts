// Managing an org through the API under races and empty edits: adding a member is once-only (the
// unique e-mail and the membership decide, never a 500), and an empty PATCH changes nothing.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { listMembers } from './store';
import type { Org } from './schema';

let t: TestApp;
let org: Org;
let ownerId: string;
let api: Awaited<ReturnType<typeof apiClient>>;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp();
  const owner = await makeUser(t.db);
  ownerId = owner.id;
  org = await makeOrg(t.db, 'Acme', null, { userId: owner.id, role: 'owner' });
  browser = await signIn(t, owner);
  api = await apiClient(t, browser);
});
afterAll(async () => {
  await t.close();
});

type ErrorBody = { error: { code: string; message: string } };

test('ten simultaneous adds of the same new e-mail: one 201, nine 409s naming the e-mail, one account', async () => {
  const results = await Promise.all(
    Array.from({ length: 10 }, () => api.call('POST', `/v1/orgs/${org.id}/members`, { email: 'New.Person@example.com', role: 'member' })),
  );
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
  const refused = (await results.find((r) => r.status === 409)!.json()) as ErrorBody;
  expect(refused.error.code).toBe('already_member');
  expect(refused.error.message).toStartWith('email: ');
  const members = await listMembers(t.db, org.id);
  expect(members.filter((m) => m.email === 'new.person@example.com').map((m) => m.role)).toEqual(['member']);
});

test('the same new e-mail added to two orgs at once joins both', async () => {
  const other = await makeOrg(t.db, 'Acme West', org);
  const [a, b] = await Promise.all([org, other].map((o) => api.call('POST', `/v1/orgs/${o.id}/members`, { email: 'both@example.com', role: 'viewer' })));
  expect([a.status, b.status]).toEqual([201, 201]);
  const ids = [((await a.json()) as { userId: string }).userId, ((await b.json()) as { userId: string }).userId];
  expect(ids[0]).toBe(ids[1]);
});

test('adding an existing member is a 409: a role changes only through PATCH, under its rules', async () => {
  const res = await api.call('POST', `/v1/orgs/${org.id}/members`, {
    email: (await listMembers(t.db, org.id)).find((m) => m.userId === ownerId)!.email,
    role: 'viewer',
  });
  expect(res.status).toBe(409);
  // The org's only owner stays its owner.
  expect((await listMembers(t.db, org.id)).find((m) => m.userId === ownerId)?.role).toBe('owner');
  // The settings page's form changes a role through the same rules.
  const page = await browser.post('/settings/members', { orgId: org.id, email: 'new.person@example.com', role: 'admin' });
  expect(page.status).toBe(303);
  expect((await listMembers(t.db, org.id)).find((m) => m.email === 'new.person@example.com')?.role).toBe('admin');
});

test('PATCH with nothing to change answers the org as it is', async () => {
  const res = await api.call('PATCH', `/v1/orgs/${org.id}`, {});
  expect(res.status).toBe(200);
  expect((await res.json()) as { id: string; name: string }).toMatchObject({ id: org.id, name: 'Acme' });
  const renamed = await api.call('PATCH', `/v1/orgs/${org.id}`, { name: 'Acme Corp' });
  expect(((await renamed.json()) as { name: string }).name).toBe('Acme Corp');
});
