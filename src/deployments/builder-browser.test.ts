// In real Chromium: the builder's YAML and its policy findings follow the form as one types, before anything is
// saved — an untagged or :latest image and removed resources show their findings live, and the YAML updates.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { makeOrg, makeUser, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen, waitFor } from '../testing/browser';

let t: TestApp;
let base: string;
let browser: Browser;
let user: { email: string; password: string };

beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  const u = await makeUser(t.db);
  user = u;
  await makeOrg(t.db, 'Browser Builder', null, { userId: u.id, role: 'owner' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t.app.stop?.();
  await t.close();
});

const yamlOf = (page: Page) => page.locator('#builder-preview [data-yaml]').innerText();
const findingRules = (page: Page) => page.locator('#builder-preview details.finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')));

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const v = await waitFor(read, done, 10_000);
  if (!done(v)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
  return v;
}

test('typing an untagged or :latest image, or removing resources, shows the finding live and the YAML follows', async () => {
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  // The deployments page leads to the builder.
  await page.goto(`${base}/deployments`);
  await Promise.all([page.waitForURL((u) => u.pathname === '/deployments/new'), page.click('#build-deployment')]);
  // The empty form names what is missing.
  expect(await page.locator('#builder-preview [data-builder-error]').getAttribute('data-builder-error')).toBe('name');

  await page.fill('input[name=name]', 'web');
  await page.fill('input[name=namespace]', 'shop');
  await page.fill('input[name="resources.requests.cpu"]', '100m');
  await page.fill('input[name="resources.requests.memory"]', '128Mi');
  await page.fill('input[name="resources.limits.memory"]', '256Mi');
  await page.fill('input[name=image]', 'nginx');
  await until(
    () => yamlOf(page).catch(() => ''),
    (y) => y.includes('image: nginx\n'),
    'the YAML with the untagged image',
  );
  expect(await findingRules(page)).toContain('image-tag');
  expect(await findingRules(page)).not.toContain('memory-limit');
  expect(await yamlOf(page)).toContain('memory: 256Mi');

  // A pinned tag clears the finding; :latest brings it back.
  await page.fill('input[name=image]', 'nginx:1.27');
  await until(
    () => findingRules(page),
    (r) => !r.includes('image-tag'),
    'the image-tag finding to clear',
  );
  expect(await yamlOf(page)).toContain('image: nginx:1.27');
  await page.fill('input[name=image]', 'nginx:latest');
  await until(
    () => findingRules(page),
    (r) => r.includes('image-tag'),
    'the image-tag finding for :latest',
  );
  expect(await yamlOf(page)).toContain('image: nginx:latest');

  // Removing the resources: their findings show and the YAML loses them.
  await page.fill('input[name="resources.limits.memory"]', '');
  await page.fill('input[name="resources.requests.memory"]', '');
  await until(
    () => findingRules(page),
    (r) => r.includes('memory-limit') && r.includes('memory-requests'),
    'the resource findings',
  );
  expect(await yamlOf(page)).not.toContain('memory:');
  const finding = page.locator('#builder-preview details.finding[data-rule="memory-limit"]');
  await finding.locator('summary').click();
  expect(await finding.locator('[data-fix]').innerText()).toContain('memory: 256Mi');

  // A bad value names its input.
  await page.fill('input[name="ports.1.containerPort"]', 'eighty');
  await until(
    () =>
      page
        .locator('#builder-preview [data-builder-error]')
        .getAttribute('data-builder-error')
        .catch(() => null),
    (f) => f === 'ports.1.containerPort',
    'the error naming the port input',
  );
  await page.close();
});
