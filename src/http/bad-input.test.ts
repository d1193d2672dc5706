// The error boundary: client mistakes get a clear 4xx naming the field, never a 500 or a stack trace.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { createApp } from '../testing/app';
import { createLogger } from '../log';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, TEST_ORIGIN, type TestApp } from '../testing/app';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp({ maxBodyBytes: 64 * 1024 });
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

type ErrorBody = { error: { code: string; message: string } };

async function send(path: string, body: string, method = 'POST', contentType = 'application/json'): Promise<{ status: number; body: ErrorBody; text: string }> {
  const res = await t.request(path, { method, body, headers: { authorization: `Bearer ${api.token}`, 'content-type': contentType } });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as ErrorBody, text };
}

test('malformed JSON → 400', async () => {
  const r = await send('/v1/tokens', '{"name": ');
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('malformed_body');
});

test('wrong type → 400 naming the field', async () => {
  const r = await send('/v1/tokens', JSON.stringify({ name: 42 }));
  expect(r.status).toBe(400);
  expect(r.body.error.message).toStartWith('name:');
});

test('missing field → 400 naming the field', async () => {
  const r = await send(`/v1/orgs/${orgId}/members`, JSON.stringify({ email: 'a@b.co' }));
  expect(r.status).toBe(400);
  expect(r.body.error.message).toContain('role');
});

test('unknown field → 400 naming it', async () => {
  const r = await send('/v1/tokens', JSON.stringify({ name: 'ok', admin: true }));
  expect(r.status).toBe(400);
  expect(r.body.error.message).toContain('admin');
});

test('bad enum value → 400 naming the field', async () => {
  const r = await send(`/v1/orgs/${orgId}/members`, JSON.stringify({ email: 'a@b.co', role: 'god' }));
  expect(r.status).toBe(400);
  expect(r.body.error.message).toStartWith('role');
});

test('oversize body → 413 (over a real socket)', async () => {
  t.app.listen({ port: 0, hostname: '127.0.0.1', maxRequestBodySize: t.config.maxBodyBytes * 4 });
  try {
    const res = await fetch(`http://127.0.0.1:${t.app.server!.port}/v1/tokens`, {
      method: 'POST',
      body: JSON.stringify({ name: 'x'.repeat(70 * 1024) }),
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe('payload_too_large');
  } finally {
    await t.app.stop();
  }
});

test('out-of-range query → 400; unknown path → 404 JSON', async () => {
  const r = await t.request('/v1/audit?limit=100000', { headers: { authorization: `Bearer ${api.token}` } });
  expect(r.status).toBe(400);
  expect(((await r.json()) as ErrorBody).error.message).toStartWith('limit');
  const nf = await t.request('/v1/nope', { headers: { authorization: `Bearer ${api.token}` } });
  expect(nf.status).toBe(404);
  expect(((await nf.json()) as ErrorBody).error.code).toBe('not_found');
});

test('no response ever carries a stack trace', async () => {
  for (const body of ['{', '[]', 'null', '"x"', JSON.stringify({ name: null })]) {
    const r = await send('/v1/tokens', body);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.text).not.toMatch(/at .*\.ts:\d+|node_modules|Error:/);
  }
});

test('an answer that breaks its response schema is a logged 500, never blamed on the client, and its values are not logged', async () => {
  const logs: string[] = [];
  const app = createApp({ db: t.db, bus: t.bus, config: t.config, log: createLogger('info', (l) => logs.push(l)) }).get(
    '/v1/misdocumented',
    () => ({ token: 'niro_pat_shown-once' }) as never,
    {
      response: { 200: Type.Object({ documented: Type.Boolean() }) },
    },
  );
  const res = await app.handle(new Request(`${TEST_ORIGIN}/v1/misdocumented`));
  expect(res.status).toBe(500);
  expect(((await res.json()) as ErrorBody).error.code).toBe('internal');
  const logged = logs.find((l) => l.includes('does not match its schema'));
  expect(logged).toContain('/documented');
  expect(logs.join('\n')).not.toContain('shown-once');
});

test('pages render errors as HTML pages', async () => {
  const res = await t.request('/no-such-page');
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(await res.text()).toContain('Error 404');
});

test('a workload tail naming a cluster id that is no uuid finds no pods (page) or nothing to tail (API), never a 500', async () => {
  const member = await makeUser(t.db);
  await makeOrg(t.db, 'Workloads', null, { userId: member.id, role: 'member' });
  const browser = await signIn(t, member);
  const page = await browser.get('/logs/workload?kind=Deployment&name=web&cluster=abc');
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('No pods of Deployment/web');
  const tail = await send('/v1/tails', JSON.stringify({ ownerKind: 'Deployment', ownerName: 'web', clusterIds: ['abc', "'; select 1; --"] }));
  expect(tail.status).toBe(404);
});
