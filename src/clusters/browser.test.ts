// In real Chromium: add a cluster, see its token and install command (one click to copy), and watch the fleet row turn Healthy and its heartbeat age tick without a reload.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { makeOrg, makeUser, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { enroll, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';

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

/** Polls `read` until `done` holds, at most `ms`; returns the last value read. */
async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let v = await read();
  while (!done(v) && Date.now() < until) {
    await Bun.sleep(200);
    v = await read();
  }
  return v;
}

test('add a cluster, install command shown, row goes live after a heartbeat', async () => {
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Browser Fleet', null, { userId: user.id, role: 'owner' });
  const page: Page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(await page.locator('text=No clusters yet').count()).toBe(1);

  await page.click('text=Add cluster');
  await page.fill('input[name=name]', 'edge-browser-01');
  await page.selectOption('select[name=environment]', 'production');
  await page.click('button:has-text("Create cluster")');
  const token = (await page.locator('[data-token]').textContent())!.trim();
  const command = (await page.locator('[data-install-command]').textContent())!.trim();
  expect(token).toMatch(/^niro_enr_/);
  expect(command).toBe(`curl -fsSL ${t.config.publicUrl}/install.sh | NIRO_TOKEN=${token} sh`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.click('#enrollment button.copy-button');
  await page.waitForSelector('#enrollment button.copy-button[data-copied]');
  expect(await page.locator('#enrollment button.copy-button').textContent()).toBe('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);

  await page.goto(`${base}/`);
  const row = page.locator('tr[data-cluster="edge-browser-01"]');
  expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('pending');
  // Marks this document: if the page reloaded, the mark would be gone.
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

  const enrolled = await enroll(t, token);
  const { agentKey } = (await enrolled.json()) as { agentKey: string };
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(20) }))).status).toBe(200);

  // The 5 s poll brings the heartbeat in.
  const status = await waitFor(() => row.locator('[data-status]').getAttribute('data-status'), (s) => s === 'healthy', 12_000);
  expect(status).toBe('healthy');
  expect((await row.locator('td[data-pods]').textContent())!.trim()).toBe('20/20 running');
  const age1 = (await row.locator('td[data-last-heartbeat] time').textContent())!.trim();
  expect(age1).toMatch(/^\d+ s ago$/);
  const age2 = await waitFor(async () => (await row.locator('td[data-last-heartbeat] time').textContent())!.trim(), (a) => a !== age1, 12_000);
  expect(age2).not.toBe(age1);
  expect(age2).toMatch(/^\d+ s ago$/);
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  await page.close();
}, 60_000);
