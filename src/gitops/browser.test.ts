// The Git page in Chromium: a member takes a deployment's manifests from Git through the form (the first sync runs at
// once and the page says "out of sync with Git at <commit>"), and a push webhook's new commit shows on the open page
// without a reload (the section polls itself).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { makeOrg, makeUser, startTestApp, testConfig, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen, waitFor } from '../testing/browser';
import { createTestRepo, tempDir, type TestRepo } from '../testing/git-server';
import { createDeployment } from '../deployments/service';
import { findSourceOfDeployment } from './store';

const SECRET = 'browser-webhook-secret-0123';
let t: TestApp;
let browser: Browser;
let base = '';
let root: { dir: string; remove: () => Promise<void> };
let repo: TestRepo;
let user: Awaited<ReturnType<typeof makeUser>>;
let deploymentId = '';

beforeAll(async () => {
  t = await startTestApp({ gitops: { ...testConfig().gitops, allowFileUrls: true } });
  user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Browser GitOps', null, { userId: user.id, role: 'member' });
  root = await tempDir();
  repo = await createTestRepo(root.dir, 'site');
  await repo.commit({ 'k8s/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site\n  namespace: site\ndata:\n  v: "1"\n' });
  const created = await createDeployment(
    t.db,
    { userId: user.id, email: user.email, ip: null },
    { orgId: org.id, name: 'site', namespace: 'site', source: 'import', targets: {}, manifests: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n' },
  );
  if (!created.ok) throw new Error(created.message);
  deploymentId = created.deployment.id;
  base = listen(t);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t.app.server?.stop(true);
  await root.remove();
  await t.close();
});

test('set through the form, then a push shows on the open page without a reload', async () => {
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/deployments/${deploymentId}`);
  await page.click('#git-source a[href$="/git"]');
  await page.fill('#git-source-form input[name=url]', `file://${repo.bare}`);
  await page.fill('#git-source-form input[name=path]', 'k8s');
  await page.fill('#git-source-form input[name=webhookSecret]', SECRET);
  await Promise.all([page.waitForURL(`${base}/deployments/${deploymentId}/git`), page.click('#git-source-form button')]);
  const first = (await Bun.$`git --git-dir=${repo.bare} rev-parse main`.text()).trim();
  expect(await page.textContent('[data-out-of-sync]')).toBe(`Out of sync with Git at ${first.slice(0, 12)}: revision 2 is not applied yet.`);

  // A push arrives while the page is open.
  const second = await repo.commit({ 'k8s/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: site\n  namespace: site\ndata:\n  v: "2"\n' });
  const source = (await findSourceOfDeployment(t.db, deploymentId))!;
  const body = JSON.stringify({ ref: 'refs/heads/main', after: second });
  const res = await fetch(`${base}/v1/integrations/git/webhook/${source.id}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'browser-1',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  expect(res.status).toBe(202);
  const shown = await waitFor(
    () => page.textContent('[data-out-of-sync]'),
    (text) => text?.includes(second.slice(0, 12)) ?? false,
    20_000,
  );
  expect(shown).toBe(`Out of sync with Git at ${second.slice(0, 12)}: revision 3 is not applied yet.`);
  await page.close();
}, 60_000);
