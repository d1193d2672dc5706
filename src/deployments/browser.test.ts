// In real Chromium: import manifests on /deployments, see the policy check inline before anything is stored, create,
// apply from the deployment page, and watch the cluster's status turn applied without a reload when the agent's result
// arrives; then the diff view between two revisions shows the changed lines.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { AGENT_KEY_HEADER, AGENT_PATHS, type Capabilities, type CommandEnvelope } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen, waitFor } from '../testing/browser';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';

const APPLY_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } };
const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: nginx:latest
`;

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await startTestApp({ commandsPollSeconds: 1 });
  base = listen(t);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t.app.stop?.();
  await t.close();
});

test('import → findings inline → create → apply → applied without reload → diff', async () => {
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Browser Deployments', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const cluster = await createEnrolledCluster(t, api, { name: 'edge-ui', environment: 'production', orgId: org.id });
  expect((await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ capabilities: APPLY_ON }))).status).toBe(200);

  const page: Page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/deployments`);
  await page.fill('input[name=name]', 'shop');
  await page.fill('input[name=namespace]', 'shop');
  await page.check('input[name=environments][value=production]');
  await page.fill('textarea[name=manifests]', MANIFESTS);
  await page.click('button:has-text("Check manifests and policies")');
  await page.waitForSelector('#manifests-check [data-check="ok"]');
  expect(await page.locator('#manifests-check').textContent()).toContain('1 object(s): Deployment web');
  expect(await page.locator('#manifests-check li[data-rule]').count()).toBeGreaterThan(0);

  await page.click('button:has-text("Create deployment")');
  await page.waitForSelector('[data-deployment-status="active"]');
  expect(await page.locator('[data-candidate="edge-ui"]').textContent()).toContain('apply enabled');
  page.on('dialog', (d) => void d.accept());
  await page.click('button:has-text("Apply revision 1")');
  await page.waitForSelector('tr[data-cluster="edge-ui"] [data-target-status]');
  // Marks this document: if the page reloaded, the mark would be gone.
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

  const polled = await t.request(AGENT_PATHS.commands, { headers: { [AGENT_KEY_HEADER]: cluster.agentKey } });
  const [command] = ((await polled.json()) as { commands: CommandEnvelope[] }).commands;
  expect(command.type).toBe('apply');
  const result = await t.request(AGENT_PATHS.commandResult.replace(':id', command.id), {
    method: 'POST',
    headers: { [AGENT_KEY_HEADER]: cluster.agentKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      commandId: command.id,
      ok: true,
      message: 'applied 1 object(s)',
      durationMs: 3,
      details: { objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', action: 'created' }] },
    }),
  });
  expect(result.status).toBe(204);
  const status = await waitFor(
    () => page.locator('tr[data-cluster="edge-ui"] [data-target-status]').getAttribute('data-target-status'),
    (s) => s === 'applied',
    15_000,
  );
  expect(status).toBe('applied');
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

  await page.fill('#new-revision textarea[name=manifests]', MANIFESTS.replace('nginx:latest', 'nginx:1.27'));
  await page.click('button:has-text("Save revision")');
  await page.waitForSelector('tr[data-revision="2"]');
  await page.click('button:has-text("Show diff")');
  await page.waitForSelector('table[data-diff]');
  expect(await page.locator('tr[data-line="remove"]').textContent()).toContain('image: nginx:latest');
  expect(await page.locator('tr[data-line="add"]').textContent()).toContain('image: nginx:1.27');
}, 60_000);
