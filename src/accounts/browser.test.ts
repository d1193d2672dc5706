// In real Chromium: sign in, see the shell, create an API token (shown with its header, one click to copy), use it with fetch against /v1/me; reloading after a form created something (a token, a cluster) creates nothing more.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { ACCOUNT_AT_ADDRESS, accountAtAddressKey } from './login';
import { makeOrg, makeUser, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t.app.stop?.();
  await t.close();
});

test('sign in, see the shell, create a token and call /v1/me with it', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Browser Org', null, { userId: user.id, role: 'owner' });
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/settings/tokens`);
  // The shell: nav and org switcher.
  for (const label of ['Fleet', 'Pods', 'Incidents', 'Deployments', 'Settings'])
    expect(await page.locator('header.top nav a', { hasText: label }).count()).toBe(1);
  expect(await page.locator('select[name=orgId] option', { hasText: 'Browser Org' }).count()).toBe(1);
  await page.fill('input[name=name]', 'from-browser');
  await page.click('text=Create token');
  const token = (await page.locator('[data-token]').textContent())!.trim();
  expect(token).toMatch(/^niro_pat_/);
  // The header to send, with the token in it (as the browser shows it, not as markup).
  expect(await page.locator('#new-token').innerText()).toContain(`Authorization: Bearer ${token}`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.click('#new-token button.copy-button');
  await page.waitForSelector('#new-token button.copy-button[data-copied]');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  const me = await page.evaluate(async (tok) => {
    const res = await fetch('/v1/me', { headers: { authorization: `Bearer ${tok}` }, credentials: 'omit' });
    return { status: res.status, body: await res.json() };
  }, token);
  expect(me.status).toBe(200);
  expect(me.body.email).toBe(user.email);
  expect(me.body.authenticatedBy).toBe('token');
  await page.close();
});

test('reloading after "Create token" or "Create cluster" creates nothing: post/redirect/get, the secret shown once', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Reload Org', null, { userId: user.id, role: 'owner' });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/settings/tokens`);
  await page.fill('input[name=name]', 'reloaded');
  await page.click('text=Create token');
  expect(new URL(page.url()).pathname).toBe('/settings/tokens');
  const token = (await page.locator('[data-token]').textContent())!.trim();
  expect(token).toMatch(/^niro_pat_/);
  // No "resubmit the form?" and no second token: the reload is a GET of the list.
  page.on('dialog', (d) => void d.accept());
  await page.reload();
  await page.reload();
  const names = await page.$$eval('table tbody tr td:first-child', (tds) => tds.map((td) => td.textContent?.trim()));
  expect(names.filter((n) => n === 'reloaded').length).toBe(1);
  expect(await page.locator('[data-token]').count()).toBe(0);
  expect(await page.content()).not.toContain(token);

  await page.goto(`${base}/clusters/new`);
  await page.fill('input[name=name]', 'reload-edge');
  await page.click('button:has-text("Create cluster")');
  expect(await page.locator('[data-install-command]').count()).toBe(1);
  await page.reload();
  // Back on the cluster, waiting for its agent: no "already exists", no second cluster.
  expect(new URL(page.url()).pathname).toMatch(/^\/clusters\/[0-9a-f-]{36}$/);
  expect(await page.locator('[data-install-command]').count()).toBe(0);
  const clusters = await page.evaluate(async () => ((await (await fetch('/v1/clusters?q=reload-edge')).json()) as { clusters: unknown[] }).clusters.length);
  expect(clusters).toBe(1);
  await page.close();
}, 60_000);

test('a sign-in link with a hostile next lands on our own origin', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Redirect Org', null, { userId: user.id, role: 'owner' });
  const page = await browser.newPage();
  // Had the browser left for the other origin, it would land here (no network needed).
  await page.route('http://evil.example/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>evil</h1>' }));
  for (const next of ['/\t/evil.example/x', '/\\evil.example/x', '/.//evil.example/x', '//evil.example/x']) {
    await page.context().clearCookies();
    await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', user.password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
    expect(new URL(page.url()).origin).toBe(base);
    expect(await page.locator('h1', { hasText: 'evil' }).count()).toBe(0);
  }
  await page.close();
});

test('a guesser is slowed at their address while the owner signs in from another', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Throttle Org', null, { userId: user.id, role: 'owner' });
  // Two clients behind a proxy that reports their addresses (NIRO_TRUST_PROXY=1 in the test app).
  const attacker = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.66' } });
  const owner = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '198.51.100.77' } });
  // The guesser spends the free budget (5) from one tab; each wrong password is a plain 401.
  const guesser = await attacker.newPage();
  for (let i = 0; i < ACCOUNT_AT_ADDRESS.free; i++) expect(await submitLogin(guesser, user.email, `wrong-${i}`)).toBe(401);
  // They have kept at it for a while: their next attempt is 10 minutes away. (Set in the database, as a test
  // cannot wait the doubling delays out; that concurrent guesses get exactly the budget through is checked
  // over HTTP in throttle.test.ts, where 60 land at once.)
  await t.db.execute(
    sql`update login_throttle set blocked_until = now() + interval '10 minutes' where key = ${accountAtAddressKey(user.email, '203.0.113.66')}`,
  );
  // Three more tabs at once, one with the right password: every one is refused before its password is looked at.
  const pages = await Promise.all(Array.from({ length: 3 }, () => attacker.newPage()));
  const statuses = await Promise.all(pages.map((page, i) => submitLogin(page, user.email, i === 0 ? user.password : `wrong-more-${i}`)));
  expect(statuses).toEqual([429, 429, 429]);
  const refused = pages[0];
  expect(await refused.locator('.flash').textContent()).toContain('Too many failed sign-ins');
  expect(await refused.locator('.flash').textContent()).toContain('10 minutes');
  expect(new URL(refused.url()).pathname).toBe('/login');

  // The owner, elsewhere, is not slowed at all.
  const page = await owner.newPage();
  await browserSignIn(page, base, user.email, user.password);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator('header.top').count()).toBe(1);
  await attacker.close();
  await owner.close();
});

/** Fills the sign-in form on a fresh /login and submits it; the status of the POST. */
async function submitLogin(page: Page, email: string, password: string): Promise<number> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
    page.click('button[type=submit]'),
  ]);
  return res.status();
}
