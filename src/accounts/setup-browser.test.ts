// In real Chromium, from an empty database: `npm start` prints the setup URL, the form creates the owner and the
// organization, and the browser lands signed in on the fleet.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../testing/browser';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { spawnControlPlane, type Child } from '../testing/spawn';

let testDb: TestDatabase;
let server: Child & { url: string };
let browser: Browser;
beforeAll(async () => {
  testDb = await createTestDatabase();
  server = await spawnControlPlane({ DATABASE_URL: testDb.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.kill();
  await testDb.drop();
});

test('empty database → the printed setup URL → the form → the fleet, signed in', async () => {
  const printed = JSON.parse(await server.waitFor((l) => l.includes('"setupUrl"'), 30_000)) as { level: string; setupUrl: string };
  expect(printed.level).toBe('warn');
  // The URL names NIRO_PUBLIC_URL; this server listens on a port of its own choosing.
  const setupUrl = new URL(printed.setupUrl);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  await page.goto(`${server.url}/login`);
  expect(await page.locator('#setup-pending').count()).toBe(1);

  await page.goto(`${server.url}${setupUrl.pathname}${setupUrl.search}`);
  expect(await page.locator('h1').textContent()).toBe('Set up Niro');
  await page.fill('input[name=orgName]', 'Northwind MSP');
  await page.fill('input[name=name]', 'Ada Ops');
  await page.fill('input[name=email]', 'ada@northwind.test');
  await page.fill('input[name=password]', 'a long first password');
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('button[type=submit]')]);

  // Signed in, on the fleet, in the organization just made.
  expect(await page.locator('header.top nav a', { hasText: 'Fleet' }).count()).toBe(1);
  expect(await page.locator('select[name=orgId] option', { hasText: 'Northwind MSP' }).count()).toBe(1);
  expect(await page.locator('.flash', { hasText: 'Add your first cluster' }).count()).toBe(1);
  const me = await page.evaluate(async () => (await fetch('/v1/me')).json());
  expect(me).toMatchObject({ email: 'ada@northwind.test', orgs: [{ name: 'Northwind MSP', role: 'owner' }] });

  // Reloading the fleet creates nothing, and the setup link is spent.
  await page.reload();
  expect(new URL(page.url()).pathname).toBe('/');
  await page.goto(`${server.url}${setupUrl.pathname}${setupUrl.search}`);
  expect(new URL(page.url()).pathname).toBe('/');
  expect(errors).toEqual([]);
  await page.close();
}, 90_000);
