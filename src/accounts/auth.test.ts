// Accounts: sign-in, sessions, CSRF and API tokens, through the real app on real Postgres.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('sign-in', () => {
  test('login page is served', async () => {
    const res = await t.request('/login');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Sign in to Niro');
  });

  test('session cookie is HttpOnly, SameSite=Lax, and rotated at login', async () => {
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
    const a = await signIn(t, user);
    const res = await t.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ email: user.email, password: user.password }),
      headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('niro_session='))!;
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Lax');
    expect(set.split(';')[0]).not.toBe(a.cookie);
    // The old session is gone.
    expect((await a.get('/v1/me')).status).toBe(401);
  });

  test('wrong password: generic message, 401, audited', async () => {
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
    const res = await t.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ email: user.email, password: 'nope' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Email or password is incorrect.');
    const b = await signIn(t, user);
    const api = await apiClient(t, b);
    const audit = (await (await api.call('GET', `/v1/audit?orgId=${org.id}&action=login.failed`)).json()) as { events: { action: string; actor: string }[] };
    expect(audit.events.length).toBe(1);
    expect(audit.events[0].actor).toBe(user.email);
  });

  test('logout deletes the session', async () => {
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
    const b = await signIn(t, user);
    expect((await b.post('/logout', {})).status).toBe(303);
    expect((await b.get('/v1/me')).status).toBe(401);
  });
});

describe('CSRF', () => {
  test('a cookie-authenticated form POST without the CSRF proof → 403', async () => {
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
    const b = await signIn(t, user);
    const res = await b.send('/settings/tokens', {
      method: 'POST',
      body: new URLSearchParams({ name: 'x' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
    const bad = await b.send('/settings/tokens', {
      method: 'POST',
      body: new URLSearchParams({ name: 'x', _csrf: 'forged' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(bad.status).toBe(403);
    const good = await b.post('/settings/tokens', { name: 'x' });
    expect(good.status).toBe(303);
  });

  test('a cross-site login POST → 403', async () => {
    const user = await makeUser(t.db);
    const res = await t.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ email: user.email, password: user.password }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
  });

  test('bearer tokens need no CSRF proof', async () => {
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
    const api = await apiClient(t, await signIn(t, user));
    expect((await api.call('POST', '/v1/tokens', { name: 'second' })).status).toBe(201);
  });
});

describe('API tokens', () => {
  test('created once, prefix-identifiable, listed without secret, last-used set, revoked → 401', async () => {
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
    const b = await signIn(t, user);
    const api = await apiClient(t, b);
    expect(api.token).toMatch(/^niro_pat_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const me = (await (await api.call('GET', '/v1/me')).json()) as { email: string; authenticatedBy: string };
    expect(me).toMatchObject({ email: user.email, authenticatedBy: 'token' });
    const list = (await (await api.call('GET', '/v1/tokens')).json()) as { tokens: { id: string; prefix: string; lastUsedAt: string | null }[] };
    // The secret is everything after the public id; it may itself contain "_", so it is not split on it.
    const secret = api.token.slice(api.token.indexOf('_', 'niro_pat_'.length) + 1);
    expect(secret).toHaveLength(43);
    for (const piece of [secret, secret.slice(0, 16), secret.slice(-16)]) expect(JSON.stringify(list)).not.toContain(piece);
    expect(list.tokens[0].lastUsedAt).not.toBeNull();
    expect(api.token.startsWith(list.tokens[0].prefix)).toBe(true);
    expect((await api.call('DELETE', `/v1/tokens/${list.tokens[0].id}`)).status).toBe(200);
    const after = await api.call('GET', '/v1/me');
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  test('garbage bearer token → 401; agent key on a user endpoint → 401', async () => {
    expect((await t.request('/v1/me', { headers: { authorization: 'Bearer niro_pat_nope' } })).status).toBe(401);
    const res = await t.request('/v1/me', { headers: { 'x-niro-agent-key': 'niro_agent_abcdefghijkl_' + 'a'.repeat(43) } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('agent keys are not accepted');
  });
});
