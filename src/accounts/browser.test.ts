// In real Chromium: sign in, see the shell, create an API token, use it with fetch against /v1/me.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
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
  for (const label of ['Fleet', 'Pods', 'Incidents', 'Deployments', 'Settings']) expect(await page.locator('header.top nav a', { hasText: label }).count()).toBe(1);
  expect(await page.locator('select[name=orgId] option', { hasText: 'Browser Org' }).count()).toBe(1);
  await page.fill('input[name=name]', 'from-browser');
  await page.click('text=Create token');
  const token = (await page.locator('[data-token]').textContent())!.trim();
  expect(token).toMatch(/^niro_pat_/);
  const me = await page.evaluate(async (tok) => {
    const res = await fetch('/v1/me', { headers: { authorization: `Bearer ${tok}` }, credentials: 'omit' });
    return { status: res.status, body: await res.json() };
  }, token);
  expect(me.status).toBe(200);
  expect(me.body.email).toBe(user.email);
  expect(me.body.authenticatedBy).toBe('token');
  await page.close();
});

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
