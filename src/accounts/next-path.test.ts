// After sign-in the browser goes only to a path on our own origin: hostile `next` values (and `back` on the
// org switcher) end at `/`, never on another origin and never as a 500.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { makeOrg, makeUser, signIn, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { safeNextPath } from './next-path';

const HOSTILE = [
  '/\t/evil.example/x',
  '/\n/evil.example/x',
  '/\r\n/x',
  '/\u0000/x',
  '//evil.example/x',
  '/\\evil.example/x',
  '/\\/evil.example/x',
  '/.//evil.example/x',
  '/x/..//evil.example',
  '/ /evil.example',
  'https://evil.example/x',
  'javascript:alert(1)',
  'evil.example',
  '',
];

describe('safeNextPath', () => {
  test('hostile destinations become /', () => {
    for (const raw of HOSTILE) expect(safeNextPath(raw)).toBe('/');
    expect(safeNextPath(undefined)).toBe('/');
    expect(safeNextPath('/' + 'a'.repeat(3000))).toBe('/');
  });

  test('same-origin paths survive, normalised for a Location header', () => {
    expect(safeNextPath('/clusters/abc?tab=pods#x')).toBe('/clusters/abc?tab=pods#x');
    expect(safeNextPath('/%09/x')).toBe('/%09/x');
    expect(safeNextPath('/pods?q=é')).toBe('/pods?q=%C3%A9');
    expect(safeNextPath('/a/../b')).toBe('/b');
  });
});

describe('POST /login', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    user = await makeUser(t.db);
    await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function login(next: string): Promise<Response> {
    return t.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ email: user.email, password: user.password, next }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.7' },
    });
  }

  test('a hostile next redirects to /, never elsewhere and never 500', async () => {
    for (const next of [...HOSTILE, '/%0a/x'.replace('%0a', '\n')]) {
      const res = await login(next);
      // A NUL is refused by the input guard before sign-in (400 naming the field), like NUL in any text.
      if (next.includes('\u0000')) {
        expect(res.status).toBe(400);
        expect(await res.text()).toContain('next');
        continue;
      }
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
    }
  });

  test('an encoded control character stays an encoded path on our origin', async () => {
    const res = await t.request('/login', {
      method: 'POST',
      body: 'email=' + encodeURIComponent(user.email) + '&password=' + encodeURIComponent(user.password) + '&next=/%250a/x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.8' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/%0a/x');
  });

  test('a same-origin next is kept', async () => {
    const res = await login('/pods?q=web');
    expect(res.headers.get('location')).toBe('/pods?q=web');
  });

  test('the login form carries only a safe next', async () => {
    const page = await (await t.request('/login?next=' + encodeURIComponent('/\t/evil.example/x'))).text();
    expect(page).toContain('name="next" value="/"');
  });

  test('the org switcher goes back only to a path on our origin', async () => {
    const b = await signIn(t, user);
    const res = await b.post('/org-switch', { orgId: '', back: '/\t/evil.example/x' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });
});
