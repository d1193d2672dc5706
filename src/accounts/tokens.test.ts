// API tokens: a read-scoped token may only read (403 on every other method, enforced where the caller is
// resolved), an expiring token stops at its expiry, and both show in the token list (API and page).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import type { Org } from '../orgs/schema';

let t: TestApp;
let browser: Browser;
let org: Org;
beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  org = await makeOrg(t.db, 'Token Org', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
});
afterAll(async () => {
  await t.close();
});

type TokenJson = { id: string; name: string; prefix: string; scope: string; expiresAt: string | null; token?: string };

async function createToken(body: Record<string, unknown>): Promise<Response> {
  return browser.send('/v1/tokens', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-csrf-token': browser.csrf },
  });
}

function call(token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return t.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

test('a read token reads, and every write answers 403 before the handler runs', async () => {
  const created = (await (await createToken({ name: 'reader', scope: 'read' })).json()) as TokenJson;
  expect(created.scope).toBe('read');
  const token = created.token!;
  for (const path of ['/v1/me', '/v1/tokens', '/v1/orgs', `/v1/orgs/${org.id}/members`, '/v1/clusters', '/v1/audit'])
    expect((await call(token, 'GET', path)).status).toBe(200);
  const me = (await (await call(token, 'GET', '/v1/me')).json()) as { tokenScope: string };
  expect(me.tokenScope).toBe('read');
  const writes: [string, string, unknown][] = [
    ['POST', '/v1/tokens', { name: 'escalate', scope: 'write' }],
    ['DELETE', `/v1/tokens/${created.id}`, undefined],
    ['PATCH', `/v1/orgs/${org.id}`, { name: 'Renamed' }],
    ['POST', `/v1/orgs/${org.id}/members`, { email: 'new@example.com', role: 'viewer' }],
    ['POST', '/v1/orgs', { parentId: org.id, name: 'Child' }],
    ['POST', '/v1/clusters', { name: 'edge', environment: 'production', orgId: org.id }],
  ];
  for (const [method, path, body] of writes) {
    const res = await call(token, method, path, body);
    expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('read-only');
  }
  // Nothing was written.
  const list = (await (await call(token, 'GET', '/v1/tokens')).json()) as { tokens: TokenJson[] };
  expect(list.tokens.map((x) => x.name)).not.toContain('escalate');
  expect(((await (await call(token, 'GET', `/v1/orgs/${org.id}`)).json()) as { name: string }).name).toBe('Token Org');
});

test('a write token (the default) may write', async () => {
  const created = (await (await createToken({ name: 'writer' })).json()) as TokenJson;
  expect(created.scope).toBe('write');
  expect(created.expiresAt).toBeNull();
  expect((await call(created.token!, 'PATCH', `/v1/orgs/${org.id}`, { name: 'Token Org' })).status).toBe(200);
});

test('an expiring token works until its expiry, then answers 401', async () => {
  const res = await createToken({ name: 'short', expiresInDays: 7 });
  expect(res.status).toBe(201);
  const created = (await res.json()) as TokenJson;
  const days = (Date.parse(created.expiresAt!) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(6.99);
  expect(days).toBeLessThanOrEqual(7);
  expect((await call(created.token!, 'GET', '/v1/me')).status).toBe(200);
  await t.db.execute(sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${created.id}`);
  const after = await call(created.token!, 'GET', '/v1/me');
  expect(after.status).toBe(401);
  expect(await after.text()).toContain('expired');
});

test('expiry and scope are validated and named', async () => {
  for (const body of [
    { name: 'x', expiresInDays: 0 },
    { name: 'x', expiresInDays: 1.5 },
    { name: 'x', expiresInDays: 99999 },
  ]) {
    const res = await createToken(body);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('expiresInDays');
  }
  const bad = await createToken({ name: 'x', scope: 'admin' });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('scope');
});

test('the list shows scope and expiry, in the API and on the page', async () => {
  const res = await browser.post('/settings/tokens', { name: 'page-reader', scope: 'read', expiresInDays: '30' });
  expect(res.status).toBe(303);
  const list = (await (await browser.get('/v1/tokens')).json()) as { tokens: TokenJson[] };
  const row = list.tokens.find((x) => x.name === 'page-reader')!;
  expect(row.scope).toBe('read');
  expect(row.expiresAt).not.toBeNull();
  const page = await (await browser.get('/settings/tokens')).text();
  const cells = page.slice(page.indexOf('page-reader'));
  expect(cells).toContain('read only');
  expect(cells).toContain(row.expiresAt!.slice(0, 10));
  expect(page).toContain('expired'); // the token expired in the test above
  expect((await browser.post('/settings/tokens', { name: 'x', expiresInDays: '12' })).status).toBe(400);
});
