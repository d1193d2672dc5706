// In real Chromium: a workload's finding shows on /policies with why it matters and the YAML that fixes it,
// can be waived from there, and shows in the drawer of a pod of that workload with its fix.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { createEnrolledCluster, makeHeartbeat, makePod, makeWorkload, sendHeartbeat } from '../testing/heartbeats';

let t: TestApp;
let base: string;
let browser: Browser;
let user: { email: string; password: string };
let clusterId = '';
const POD = 'web-1-7d9f8b6c5-x2m9k';

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 600, heartbeatBurst: 100 });
  base = listen(t);
  const u = await makeUser(t.db);
  user = u;
  await makeOrg(t.db, 'Browser Policies', null, { userId: u.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, u));
  const c = await createEnrolledCluster(t, api, { name: 'shop-prod', environment: 'production' });
  clusterId = c.clusterId;
  const pod = makePod(1, {
    namespace: 'shop',
    name: POD,
    ownerKind: 'ReplicaSet',
    ownerName: 'web-1-7d9f8b6c5',
    ownerChain: [
      { kind: 'ReplicaSet', name: 'web-1-7d9f8b6c5' },
      { kind: 'Deployment', name: 'web-1' },
    ],
  });
  const res = await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: [pod], workloads: [makeWorkload(1)] }));
  expect(res.status).toBe(200);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t.app.stop?.();
  await t.close();
});

test('a finding shows on /policies with its fix, can be waived, and shows in the pod drawer with its fix', async () => {
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);

  await page.goto(`${base}/policies?view=workload`);
  const finding = page.locator('details.finding[data-rule="readiness-probe"]');
  await finding.waitFor({ timeout: 10_000 });
  expect(await finding.locator('summary').innerText()).toContain('No readiness probe');
  await finding.locator('summary').click();
  expect(await finding.locator('[data-why]').innerText()).toContain('receives traffic');
  expect(await finding.locator('[data-fix]').innerText()).toContain('readinessProbe:');
  expect(await page.locator('section.finding-group h2').first().innerText()).toContain('shop/Deployment/web-1');

  // Waive it from the page: the page comes back with the finding marked as waived.
  await finding.locator('input[name=reason]').fill('sidecar answers readiness');
  await Promise.all([page.waitForLoadState('load'), finding.locator('button[type=submit]').click()]);
  await page.locator('details.finding[data-rule="readiness-probe"] [data-waived]').waitFor({ timeout: 10_000 });

  // The pod's drawer lists the workload's findings with their fixes.
  await page.goto(`${base}/pods?cluster=${clusterId}&pod=${encodeURIComponent(`${clusterId}/shop/${POD}`)}`);
  const section = page.locator('[data-pod-policies]');
  await section.waitFor({ timeout: 10_000 });
  expect(await section.innerText()).toContain('open for shop/Deployment/web-1');
  const inDrawer = section.locator('details.finding[data-rule="seccomp-profile"]');
  await inDrawer.locator('summary').click();
  expect(await inDrawer.locator('[data-fix]').innerText()).toContain('type: RuntimeDefault');
  await page.close();
});
