// In real Chromium with the real background job: a rollout started from the deployment page's button goes
// pending → applied and Healthy → completed on the page without a reload, as the agent answers and heartbeats.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { answerCommands, APPLY_ON, WEB_DEPLOYMENT } from '../testing/deployments';
import { browserSignIn, launchBrowser, listen, waitFor } from '../testing/browser';
import { createEnrolledCluster, makeHeartbeat, makeWorkload, sendHeartbeat } from '../testing/heartbeats';
import type { Job } from '../db/jobs';
import { createLogger } from '../log';
import { createDeployment } from './service';
import { startDeploymentJob } from './waves-job';

let t: TestApp;
let browser: Browser;
let base: string;
let job: Job;
beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000, commandsPollSeconds: 1 });
  base = listen(t);
  browser = await launchBrowser();
  job = startDeploymentJob({ db: t.db, log: createLogger('error', () => {}), metrics: t.replica.metrics, signals: t.replica.commandSignals, intervalMs: 300 });
});
afterAll(async () => {
  await job?.stop();
  await browser?.close();
  await t.app.stop?.();
  await t.close();
});

test('rolled out from the page: the cluster turns applied and Healthy and the rollout completes, without a reload', async () => {
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Browser Waves', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const c = await createEnrolledCluster(t, api, { name: 'edge-browser', orgId: org.id });
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ capabilities: APPLY_ON }))).status).toBe(200);
  const created = await createDeployment(
    t.db,
    { userId: user.id, email: user.email, ip: null },
    { orgId: org.id, name: 'web', namespace: 'shop', manifests: WEB_DEPLOYMENT, source: 'import', targets: { clusterIds: [c.clusterId] } },
  );
  if (!created.ok) throw new Error(created.message);
  const depId = created.deployment.id;

  const page: Page = await browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/deployments/${depId}`);
  await page.fill('[data-start-rollout] input[name=healthySeconds]', '0');
  await Promise.all([page.waitForURL(`${base}/deployments/${depId}`), page.click('[data-start-rollout] button')]);
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
  const row = page.locator(`#deployment-ops tr[data-cluster="${c.clusterId}"]`);
  expect(await row.getAttribute('data-apply-status')).toBe('pending');
  expect(await page.locator('[data-rollout-status]').getAttribute('data-rollout-status')).toBe('running');

  // The agent takes the apply and answers; its next heartbeat reports the workload ready.
  expect((await answerCommands(t, c.agentKey)).map((x) => x.type)).toEqual(['apply']);
  const web = makeWorkload(0, { name: 'web', labels: { app: 'web' } });
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ capabilities: APPLY_ON, workloads: [web] }))).status).toBe(200);

  const state = () => Promise.all([row.getAttribute('data-apply-status'), row.getAttribute('data-health')]);
  expect(await waitFor(state, ([s, h]) => s === 'applied' && h === 'Healthy', 15_000)).toEqual(['applied', 'Healthy']);
  const status = () => page.locator('[data-rollout-status]').getAttribute('data-rollout-status');
  expect(await waitFor(status, (s) => s === 'completed', 15_000)).toBe('completed');
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
});
