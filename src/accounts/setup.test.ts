// The first run: a server without an owner hands out one setup token (replaced at each start), /setup turns it into
// the first owner, their root organization and a session, once; afterwards the link and the form are closed.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { startTestApp, type TestApp } from '../testing/app';
import { createLogger } from '../log';
import { issueSetupToken, offerSetup, ownerExists } from './setup';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function count(table: 'users' | 'orgs' | 'setup_tokens'): Promise<number> {
  const [row] = await queryRows<{ n: number }>(t.db, sql.raw(`select count(*)::int as n from ${table}`));
  return row.n;
}

/** Opens the setup link like a browser: the form's CSRF token and the cookie that must come back with it. */
async function openForm(token: string): Promise<{ status: number; csrf: string; cookie: string }> {
  const res = await t.request(`/setup?token=${encodeURIComponent(token)}`);
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const cookie =
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('niro_setup_csrf='))
      ?.split(';')[0] ?? '';
  return { status: res.status, csrf, cookie };
}

function submit(
  token: string,
  form: { csrf: string; cookie: string },
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams({
    token,
    _csrf: form.csrf,
    orgName: 'Northwind MSP',
    name: 'Ada Ops',
    email: 'ada@northwind.test',
    password: 'a long first password',
    ...fields,
  });
  return t.request('/setup', { method: 'POST', body, headers: { ...FORM, cookie: form.cookie, ...headers } });
}

test('an empty server offers setup: the login page says how, and each start prints a new URL that replaces the last', async () => {
  expect(await ownerExists(t.db)).toBe(false);
  expect(await (await t.request('/login')).text()).toContain('id="setup-pending"');
  const lines: string[] = [];
  await offerSetup(
    t.db,
    'https://niro.example.com',
    createLogger('info', (l) => lines.push(l)),
  );
  const first = (JSON.parse(lines[0]) as { setupUrl: string }).setupUrl;
  expect(first).toMatch(/^https:\/\/niro\.example\.com\/setup\?token=[\w-]{40,}$/);
  const second = await issueSetupToken(t.db);
  expect(second).not.toBeNull();
  expect(await count('setup_tokens')).toBe(1);
  expect((await openForm(new URL(first).searchParams.get('token')!)).status).toBe(404);
  expect((await openForm(second!)).status).toBe(200);
  expect((await openForm('made-up')).status).toBe(404);
  expect((await t.request('/setup')).status).toBe(404);
});

test('the form is refused without its CSRF cookie, from another site, with a wrong token; a bad field keeps the link usable', async () => {
  const token = (await issueSetupToken(t.db))!;
  const form = await openForm(token);
  expect(form.cookie).not.toBe('');
  expect((await submit(token, { ...form, cookie: '' })).status).toBe(403);
  expect((await submit(token, { ...form, csrf: 'forged' })).status).toBe(403);
  expect((await submit(token, form, {}, { origin: 'http://evil.example' })).status).toBe(403);
  expect((await submit('not-the-token', form)).status).toBe(404);
  const short = await submit(token, form, { password: 'short' });
  expect(short.status).toBe(400);
  expect(await short.text()).toContain('password: must be at least 10 characters');
  const noOrg = await submit(token, form, { orgName: '  ' });
  expect(noOrg.status).toBe(400);
  expect(await count('users')).toBe(0);
  expect((await openForm(token)).status).toBe(200);
});

test('setup creates the owner and the root organization, signs them in on the fleet, and closes for good', async () => {
  const token = (await issueSetupToken(t.db))!;
  const form = await openForm(token);
  const done = await submit(token, form, { email: 'Ada@Northwind.test' });
  expect(done.status).toBe(303);
  expect(done.headers.get('location')).toBe('/');
  const session = done.headers.getSetCookie().find((c) => c.startsWith('niro_session='))!;
  expect(session).toContain('HttpOnly');
  const cookie = session.split(';')[0];
  const me = (await (await t.request('/v1/me', { headers: { cookie } })).json()) as {
    email: string;
    name: string;
    orgs: { name: string; role: string; parentId: string | null; plan: string }[];
  };
  expect(me).toMatchObject({
    email: 'ada@northwind.test',
    name: 'Ada Ops',
    orgs: [{ name: 'Northwind MSP', role: 'owner', parentId: null, plan: 'enterprise' }],
  });
  expect((await t.request('/', { headers: { cookie } })).status).toBe(200);
  expect(await count('setup_tokens')).toBe(0);

  // Closed: the same form again, the link, a restart (no new token), and the login page no longer hints at setup.
  const again = await submit(token, form, { email: 'mallory@evil.test' });
  expect(again.status).toBe(303);
  expect(again.headers.get('location')).toBe('/login');
  expect((await t.request(`/setup?token=${token}`)).headers.get('location')).toBe('/login');
  expect(await issueSetupToken(t.db)).toBeNull();
  expect(await (await t.request('/login')).text()).not.toContain('id="setup-pending"');
  expect(await count('users')).toBe(1);
  expect(await count('orgs')).toBe(1);
});
