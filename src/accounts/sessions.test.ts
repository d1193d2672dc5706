// Sessions end when they should: a password change signs out every other session (and says so), and
// "sign out everywhere" ends them all, this one included.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { makeOrg, makeUser, signIn, startTestApp, type TestApp, type TestUser } from '../testing/app';
import { takeFlash } from '../http/page';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function owner(): Promise<TestUser> {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Org', null, { userId: user.id, role: 'owner' });
  return user;
}

/** The flash message a redirect carries to the next page. */
function flashOf(res: Response): string {
  const raw =
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('niro_flash='))
      ?.split(';')[0]
      .slice('niro_flash='.length) ?? '';
  const jar = { niro_flash: { value: decodeURIComponent(raw), set() {}, remove() {} } };
  return takeFlash(jar)?.text ?? '';
}

test('changing the password ends every other session, keeps this one, and says so', async () => {
  const user = await owner();
  const [here, laptop, phone] = [await signIn(t, user), await signIn(t, user), await signIn(t, user)];
  expect((await here.get('/settings/profile')).status).toBe(200);
  expect(await (await here.get('/settings/profile')).text()).toContain('signed in in 3 sessions');
  const res = await here.post('/settings/password', { current: user.password, password: 'a brand new password' });
  expect(res.status).toBe(303);
  expect(flashOf(res)).toBe('Password changed. You were signed out of 2 other sessions.');
  for (const other of [laptop, phone]) expect((await other.get('/v1/me')).status).toBe(401);
  expect((await here.get('/v1/me')).status).toBe(200);
  // The new password works, the old one does not.
  expect((await signIn(t, { ...user, password: 'a brand new password' })).cookie).toBeString();
  await expect(signIn(t, user)).rejects.toThrow('login failed: 401');
});

test('a wrong current password changes nothing and ends nothing', async () => {
  const user = await owner();
  const [here, other] = [await signIn(t, user), await signIn(t, user)];
  const res = await here.post('/settings/password', { current: 'not it', password: 'a brand new password' });
  expect(flashOf(res)).toBe('Current password is incorrect.');
  expect((await other.get('/v1/me')).status).toBe(200);
});

test('"sign out everywhere" ends every session of the user, this one included, and no one else’s', async () => {
  const user = await owner();
  const bystander = await owner();
  const [here, other] = [await signIn(t, user), await signIn(t, user)];
  const theirs = await signIn(t, bystander);
  const res = await here.post('/settings/sessions/end-all', {});
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/login');
  expect(flashOf(res)).toBe('Signed out everywhere (2 sessions).');
  for (const b of [here, other]) expect((await b.get('/v1/me')).status).toBe(401);
  expect((await theirs.get('/v1/me')).status).toBe(200);
});

test('"sign out everywhere" needs the CSRF proof', async () => {
  const user = await owner();
  const b = await signIn(t, user);
  const res = await b.send('/settings/sessions/end-all', {
    method: 'POST',
    body: new URLSearchParams({}),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(403);
  expect((await b.get('/v1/me')).status).toBe(200);
});
