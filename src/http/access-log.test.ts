// The access log: every request is logged with its path (never the query), status and time; agents'
// and probes' routine successes at debug, so a fleet's heartbeats don't drown the operators' requests.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

type Line = { level: string; msg: string; path?: string; status: number };

/** The access-log line of `path` (written once the response has gone, so it may lag a moment). */
async function requestLine(path: string): Promise<Line | undefined> {
  for (let i = 0; i < 50; i++) {
    const found = t.logs.map((l) => JSON.parse(l) as Line).findLast((l) => l.msg === 'request' && l.path === path);
    if (found) return found;
    await Bun.sleep(10);
  }
  return undefined;
}

test('user requests at info, with the path but not the query', async () => {
  await t.request('/login?next=%2Fsecret-search');
  expect(await requestLine('/login')).toMatchObject({ level: 'info', status: 200 });
  expect(t.logs.join('\n')).not.toContain('secret-search');
});

test('probes and agent traffic that succeeds at debug; an agent refused at info', async () => {
  await t.request('/healthz');
  expect(await requestLine('/healthz')).toMatchObject({ level: 'debug', status: 200 });
  await t.request('/v1/agent/heartbeat', { method: 'POST', headers: { 'x-niro-agent-key': 'niro_ak_nope', 'content-type': 'application/json' }, body: '{}' });
  expect(await requestLine('/v1/agent/heartbeat')).toMatchObject({ level: 'info', status: 401 });
});

/** The access-log line of the next request to `path` logged after line `from`. */
async function lineAfter(from: number, path: string): Promise<Line | undefined> {
  for (let i = 0; i < 50; i++) {
    const found = t.logs
      .slice(from)
      .map((l) => JSON.parse(l) as Line)
      .find((l) => l.msg === 'request' && l.path === path);
    if (found) return found;
    await Bun.sleep(10);
  }
  return undefined;
}

test('the status logged is the one the client received: a value Elysia could not decode (400, not its 422), a failed sign-in, a page that sends you to sign in', async () => {
  const api = await apiClient(t, await signIn(t, await makeUser(t.db)));
  let from = t.logs.length;
  const res = await api.call('GET', '/v1/audit?limit=1000');
  expect(res.status).toBe(400);
  expect(await lineAfter(from, '/v1/audit')).toMatchObject({ status: 400 });
  from = t.logs.length;
  const login = await t.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ email: 'nobody@example.com', password: 'x' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(await lineAfter(from, '/login')).toMatchObject({ status: login.status });
  from = t.logs.length;
  const page = await t.request('/settings/profile');
  expect(page.status).toBe(303);
  expect(await lineAfter(from, '/settings/profile')).toMatchObject({ status: 303 });
});
