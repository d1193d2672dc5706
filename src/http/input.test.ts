// What no route has to check for itself: JSON too deep, text Postgres cannot store (NUL, lone surrogates)
// in any parameter or field, numbers written any way but plain decimal — each a 400 naming the field,
// refused before anything is written.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { installWriteCounter, type WriteCounter } from '../testing/writes';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../contract';
import { createEnrolledCluster } from '../testing/heartbeats';
import { findUnstorableText, jsonTooDeep } from './input';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let browser: Browser;
let orgId: string;
let clusterId: string;
let writes: WriteCounter;

type ErrorBody = { error: { code: string; message: string } };

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' })).id;
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
  const created = await api.call('POST', '/v1/clusters', { name: 'edge-1', orgId });
  clusterId = ((await created.json()) as { cluster: { id: string } }).cluster.id;
  writes = await installWriteCounter(t.db);
});
afterAll(async () => {
  await t.close();
});

/** The response and how many rows it wrote. */
async function measured(send: () => Promise<Response>): Promise<{ status: number; text: string; written: number }> {
  const before = await writes.read();
  const res = await send();
  const text = await res.text();
  return { status: res.status, text, written: (await writes.read()) - before };
}

function messageOf(text: string): string {
  return (JSON.parse(text) as ErrorBody).error.message;
}

test('JSON nested past the bound is a 400 before anything reads it, signed in or not', async () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const anonymous = await t.request('/v1/orgs', { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
  expect(anonymous.status).toBe(400);
  expect(((await anonymous.json()) as ErrorBody).error).toEqual({ code: 'malformed_body', message: 'body: nested deeper than 64 levels' });
  const objects = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  const signedIn = await t.request('/v1/tokens', {
    method: 'POST',
    body: objects,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
  });
  expect(signedIn.status).toBe(400);
  // Agent endpoints read their own bodies, with the same bound.
  const enroll = await t.request(AGENT_PATHS.enroll, {
    method: 'POST',
    body: '['.repeat(1000) + ']'.repeat(1000),
    headers: { 'content-type': 'application/json' },
  });
  expect(enroll.status).toBe(400);
  // Brackets inside strings are text, not nesting.
  expect(jsonTooDeep(JSON.stringify({ name: '['.repeat(1000) }))).toBe(false);
  expect(jsonTooDeep(`{"a":"\\"[[[[["}`, 1)).toBe(false);
});

test('a JSON body that is not an object is a 400 saying so, not a complaint about its characters', async () => {
  for (const body of ['"x"', '[1,2]', '12', 'null']) {
    const res = await t.request(`/v1/clusters/${clusterId}/pods/default/web/logs`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    });
    expect({ body, status: res.status }).toEqual({ body, status: 400 });
    expect(((await res.json()) as ErrorBody).error.message).toBe('body: expected a JSON object');
  }
});

test('text or bytes where JSON belongs is a 415 naming the body', async () => {
  for (const contentType of ['text/plain', 'application/octet-stream']) {
    const res = await t.request('/v1/tokens', { method: 'POST', body: '--x', headers: { authorization: `Bearer ${api.token}`, 'content-type': contentType } });
    expect({ contentType, status: res.status }).toEqual({ contentType, status: 415 });
    expect(((await res.json()) as ErrorBody).error.message).toStartWith('body: ');
  }
});

test('a NUL or a lone surrogate in a name is a 400 naming it, and nothing is created', async () => {
  for (const name of ['a\u0000b', 'a\ud800b', '\udfff']) {
    for (const [path, body] of [
      ['/v1/tokens', { name }],
      ['/v1/orgs', { name, parentId: orgId }],
      ['/v1/clusters', { name, orgId }],
    ] as const) {
      const r = await measured(() => api.call('POST', path, body));
      expect({ path, name: escape(name), status: r.status, written: r.written }).toEqual({ path, name: escape(name), status: 400, written: 0 });
      expect(messageOf(r.text)).toStartWith('name: ');
    }
  }
  const renamed = await measured(() => api.call('PATCH', `/v1/clusters/${clusterId}`, { name: 'x\u0000' }));
  expect([renamed.status, renamed.written]).toEqual([400, 0]);
});

test('NUL in query parameters, path parameters and form fields is a 400 naming the parameter', async () => {
  const cases: [string, () => Promise<Response>, string][] = [
    ['q', () => api.call('GET', '/v1/clusters?q=%00'), 'q: '],
    ['action', () => api.call('GET', '/v1/audit?action=%00'), 'action: '],
    ['namespace', () => api.call('POST', `/v1/clusters/${clusterId}/pods/%00/web/logs`, {}), 'namespace: '],
    ['name', () => api.call('POST', `/v1/clusters/${clusterId}/pods/default/we%00b/logs`, {}), 'name: '],
    ['pod path', () => api.call('GET', `/v1/clusters/${clusterId}/pods/default/%00`), 'name: '],
    [
      'body of a nested field',
      () => api.call('POST', `/v1/clusters/${clusterId}/commands`, { type: 'apply', payload: { manifests: ['ok', 'x\u0000'] } }),
      'payload.manifests.1: ',
    ],
  ];
  for (const [label, send, prefix] of cases) {
    const r = await measured(send);
    expect({ label, status: r.status, written: r.written }).toEqual({ label, status: 400, written: 0 });
    expect(messageOf(r.text)).toStartWith(prefix);
  }
  // A path segment whose %-escapes are not UTF-8 (a lone surrogate's bytes, %FF) reached a handler as null.
  for (const path of [`/v1/clusters/${clusterId}/pods/%ED%A0%80/web`, `/v1/clusters/${clusterId}/pods/default/%FF`, '/v1/orgs/%FF']) {
    const res = await api.call('GET', path);
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/^(namespace|name|id): not valid UTF-8/);
  }
  for (const path of ['/?q=%00', '/fleet/live?q=%00', '/logs/workload?kind=%00&name=web', '/logs/workload?kind=Deployment&name=web&namespace=%00']) {
    const res = await browser.get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
  }
  const form = await measured(() => browser.post('/settings/tokens', { name: 'ci\u0000' }));
  expect([form.status, form.written]).toEqual([400, 0]);
  expect(form.text).toContain('name: must not contain NUL');
});

test('bodies the agent endpoints read themselves are held to the same text rules', async () => {
  const enroll = await t.request(AGENT_PATHS.enroll, {
    method: 'POST',
    body: JSON.stringify({ token: 'niro_enr_x', agentVersion: '0.4\u0000', protocol: 2 }),
    headers: { 'content-type': 'application/json' },
  });
  expect(enroll.status).toBe(400);
  expect(((await enroll.json()) as ErrorBody).error.message).toStartWith('agentVersion: must not contain NUL');
  const agent = await createEnrolledCluster(t, api, { name: 'edge-agent', orgId });
  const id = crypto.randomUUID();
  const result = { commandId: id, ok: false, message: 'x', details: { code: 'invalid_payload', agentVersion: '\ud800' }, durationMs: 5 };
  const r = await measured(() =>
    t.request(AGENT_PATHS.commandResult.replace(':id', id), {
      method: 'POST',
      body: JSON.stringify(result),
      headers: { [AGENT_KEY_HEADER]: agent.agentKey, 'content-type': 'application/json' },
    }),
  );
  expect([r.status, r.written]).toEqual([400, 0]);
  expect(messageOf(r.text)).toStartWith('details.agentVersion: must be valid Unicode text');
});

test('numbers are plain decimal integers; anything else is a 400 naming the parameter as sent', async () => {
  for (const value of ['0x10', '%206e1%20', '1e3', '1.0', '+5', '010', '', '5abc', '99999999999999999999']) {
    const res = await api.call('GET', `/v1/clusters?limit=${value}`);
    expect({ value, status: res.status }).toEqual({ value, status: 400 });
    expect(((await res.json()) as ErrorBody).error.message).toStartWith('limit: ');
  }
  for (const cursor of ['0x10', '%206e1%20', '1e3', '-5', '0']) expect((await api.call('GET', `/v1/audit?cursor=${cursor}`)).status).toBe(400);
  expect((await api.call('GET', '/v1/audit?cursor=16')).status).toBe(200);
  const tooMany = await api.call('GET', '/v1/audit?limit=1000');
  expect(((await tooMany.json()) as ErrorBody).error.message).toStartWith('limit: ');
  expect((await api.call('GET', '/v1/clusters?limit=16')).status).toBe(200);
  for (const ttlSeconds of [' 6e1 ', '0x3c', '6e1', 1e9]) {
    const r = await measured(() => api.call('POST', `/v1/clusters/${clusterId}/commands`, { type: 'ping', ttlSeconds }));
    expect({ ttlSeconds, status: r.status, written: r.written }).toEqual({ ttlSeconds, status: 400, written: 0 });
    expect(messageOf(r.text)).toStartWith('ttlSeconds: ');
  }
  // A word list says which words it takes.
  const status = await api.call('GET', '/v1/clusters?status=purple');
  expect(((await status.json()) as ErrorBody).error.message).toBe(
    'status: must be one of pending, healthy, warning, critical, unknown, offline (got "purple")',
  );
});

test('the walk names the first unstorable string by its path, keys included, without recursion', () => {
  expect(findUnstorableText({ a: ['ok', { b: 'x\u0000' }] })).toEqual({ field: 'a.1.b', problem: 'must not contain NUL (\\u0000) characters' });
  expect(findUnstorableText({ 'k\ud800': 1 })?.field).toBe('"k\\ud800"');
  expect(findUnstorableText({ ok: 'fine', n: 1, list: [true, null] })).toBeNull();
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(findUnstorableText(deep)).toBeNull();
});

function escape(s: string): string {
  return JSON.stringify(s);
}
