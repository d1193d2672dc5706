// Post/redirect/get for every form that creates something: each answers 303, the page it lands on shows a created secret once (sealed in a cookie bound to that session and page), and loading that page again creates nothing and shows nothing secret.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, setCookies, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { REVEAL_COOKIE } from './reveal';

let t: TestApp;
let owner: Browser;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Forms', null, { userId: user.id, role: 'owner' })).id;
  owner = await signIn(t, user);
});
afterAll(async () => {
  await t.close();
});

const tokenCount = async (b: Browser, name: string): Promise<number> =>
  ((await (await b.get('/v1/tokens')).json()) as { tokens: { name: string }[] }).tokens.filter((x) => x.name === name).length;

test('a new API token: 303, shown once on the list page; loading the page again creates nothing and hides it', async () => {
  const res = await owner.post('/settings/tokens', { name: 'ci-script' });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/settings/tokens');
  const sealed = decodeURIComponent(setCookies(res).get(REVEAL_COOKIE)!);
  expect(sealed).toStartWith('niro:v1:');
  expect(sealed).not.toContain('niro_pat_');
  const page = await (await owner.follow(res)).text();
  const token = /data-token[^>]*>([^<]+)</.exec(page)?.[1];
  expect(token).toMatch(/^niro_pat_/);
  expect(page).toContain('Token &quot;ci-script&quot; created.');
  const reload = await (await owner.get('/settings/tokens')).text();
  expect(reload).not.toContain(token!);
  expect(reload).not.toContain('data-token');
  expect(await tokenCount(owner, 'ci-script')).toBe(1);
});

test('the sealed secret opens only for the session and the page it was made for', async () => {
  const res = await owner.post('/settings/tokens', { name: 'stolen-cookie' });
  const sealed = setCookies(res).get(REVEAL_COOKIE)!;
  const other = await signIn(t, await makeUser(t.db));
  const elsewhere = await (await other.get('/settings/tokens', { cookie: `${other.cookie}; ${REVEAL_COOKIE}=${sealed}` })).text();
  expect(elsewhere).not.toContain('data-token');
  const wrongPage = await (await owner.get('/settings/members', { cookie: `${owner.cookie}; ${REVEAL_COOKIE}=${sealed}` })).text();
  expect(wrongPage).not.toContain('niro_pat_');
  const tampered = `${sealed.slice(0, -4)}AAAA`;
  expect(await (await owner.get('/settings/tokens', { cookie: `${owner.cookie}; ${REVEAL_COOKIE}=${tampered}` })).text()).not.toContain('data-token');
});

test('every form that creates something answers with a redirect: clusters, enrollment tokens, members, organizations', async () => {
  const created = await owner.post('/clusters', { name: 'prg-edge', environment: 'dev', orgId });
  expect(created.status).toBe(303);
  const clusterPath = created.headers.get('location')!;
  expect(await (await owner.follow(created)).text()).toContain('data-install-command');
  // Loading it again: to the cluster, no second cluster, no "already exists".
  const again = await owner.get(clusterPath);
  expect(again.status).toBe(303);
  const id = clusterPath.split('/')[2];
  const regen = await owner.post(`/clusters/${id}/token`, {});
  expect(regen.status).toBe(303);
  expect(regen.headers.get('location')).toBe(`/clusters/${id}/settings`);
  expect(await (await owner.follow(regen)).text()).toContain('data-token');
  expect(await (await owner.get(`/clusters/${id}/settings`)).text()).not.toContain('data-token');

  const member = await owner.post('/settings/members', { orgId, email: 'new-hire@example.com', role: 'member' });
  expect(member.status).toBe(303);
  const members = await (await owner.follow(member)).text();
  expect(members).toContain('Account created for new-hire@example.com');
  expect(await (await owner.get('/settings/members')).text()).not.toContain('Account created for');

  const org = await owner.post('/settings/orgs', { parentId: orgId, name: 'Child' });
  expect(org.status).toBe(303);
  const api = await apiClient(t, owner);
  const clusters = (await (await api.call('GET', `/v1/clusters?orgId=${orgId}&q=prg-edge`)).json()) as { clusters: unknown[] };
  expect(clusters.clusters.length).toBe(1);
});
