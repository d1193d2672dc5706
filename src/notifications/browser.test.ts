// In real Chromium: an admin creates a webhook channel through the form, sends a test (the flash says how it
// went, the delivery log shows it, a real receiver got it signed), disables it, and deletes it.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { makeOrg, makeUser, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { startHttpReceiver, type HttpReceiver } from '../testing/receivers';
import { verifyWebhookSignature } from './signature';

let t: TestApp;
let browser: Browser;
let base: string;
let rx: HttpReceiver;
beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  browser = await launchBrowser();
  rx = startHttpReceiver();
});
afterAll(async () => {
  await browser?.close();
  await rx.stop();
  await t.app.stop?.();
  await t.close();
});

test('create a webhook channel, send a test, see it in the log, disable it, delete it', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Paging Org', null, { userId: user.id, role: 'owner' });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/settings/notifications`);
  await page.click('text=New Webhook channel');
  const secret = 'whsec-browser-0123456789';
  await page.fill('input[name=name]', 'On-call hook');
  await page.fill('input[name=url]', `${rx.url}/hook`);
  await page.fill('input[name=secret]', secret);
  await page.selectOption('select[name=minSeverity]', 'medium');
  await page.check('input[name=onAcknowledge]');
  await Promise.all([page.waitForURL(/\/settings\/notifications\/[0-9a-f-]{36}$/), page.click('button:has-text("Create")')]);
  expect(await page.locator('.flash').innerText()).toContain('created');
  expect(await page.locator('input[name=secret]').getAttribute('placeholder')).toBe('••••6789 (leave empty to keep)');
  expect(await page.locator('input[name=secret]').inputValue()).toBe('');

  await Promise.all([page.waitForLoadState('load'), page.click('#send-test')]);
  await page.waitForSelector('.flash');
  expect(await page.locator('.flash').innerText()).toContain('Test delivered (200)');
  expect(await page.locator('#delivery-log tbody tr').count()).toBe(1);
  expect(await page.locator('#delivery-log tbody tr').first().innerText()).toContain('delivered');
  const [req] = await rx.waitFor(1);
  expect(verifyWebhookSignature(secret, req.headers.get('x-niro-signature'), req.body, Math.floor(Date.now() / 1000)).ok).toBe(true);

  // Disable: the secret left empty is kept.
  await page.uncheck('input[name=enabled]');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Save")')]);
  await page.waitForSelector('.flash');
  expect(await page.locator('p.muted').first().innerText()).toContain('disabled');
  expect(await page.locator('input[name=secret]').getAttribute('placeholder')).toBe('••••6789 (leave empty to keep)');

  await page.goto(`${base}/settings/notifications`);
  expect(await page.locator('#notification-channels tbody').innerText()).toContain('On-call hook');
  await page.click('text=On-call hook');
  page.once('dialog', (d) => void d.accept());
  await Promise.all([page.waitForURL(`${base}/settings/notifications`), page.click('button:has-text("Delete")')]);
  expect(await page.locator('#notification-channels tbody').innerText()).not.toContain('On-call hook');
  await page.close();
});
