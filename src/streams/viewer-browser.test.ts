// In real Chromium (1280×800) with a scripted agent: an agent-side filter that matched nothing yet says so instead of an empty pane, and when a rollout replaces the pod being viewed, the viewer says the pod is gone, its chip stops saying Running, and the workload's current pods are one click away.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { connectAgent, type ScriptedAgent } from '../testing/stream-agent';
import type { Capabilities, PodDetail } from '../contract';

const LOGS_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'test' } };

let t: TestApp;
let base: string;
let browser: Browser;
let user: Awaited<ReturnType<typeof makeUser>>;
let cluster: { clusterId: string; agentKey: string };
let agent: ScriptedAgent;

const webPod = (i: number, suffix: string): PodDetail =>
  makePod(i, { namespace: 'shop', name: `web-7d9f8b6c5-${suffix}`, ownerKind: 'Deployment', ownerName: 'web' });

beforeAll(async () => {
  t = await startTestApp();
  base = listen(t);
  user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Viewer', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  cluster = await createEnrolledCluster(t, api, { name: 'rollout', orgId: org.id });
  await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: [webPod(1, 'aaaaa'), webPod(2, 'bbbbb')], capabilities: LOGS_ON }));
  agent = await connectAgent(base, cluster.agentKey);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  agent?.close();
  t.app.server?.stop(true);
  await t.close();
});

test('a filter with no match yet says so; a pod replaced by a rollout is shown gone, with the pods that replaced it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/clusters/${cluster.clusterId}/pods/shop/web-7d9f8b6c5-aaaaa/logs`);
  const first = await agent.waitFor(() => agent.starts().find((f) => f.pod === 'web-7d9f8b6c5-aaaaa'), 5000, 'the first start');
  agent.lines(first.streamId, ['GET / 200']);
  await page.waitForFunction(() => document.querySelector('#log-lines')?.textContent?.includes('GET / 200'), undefined, { timeout: 5000 });
  expect(await page.locator('[data-empty-hint]').isVisible()).toBe(false);

  // The agent-side filter: the stream restarts with it; nothing has matched yet, and the pane says why it is empty.
  await page.fill('input[name=filter]', 'PANIC');
  await page.press('input[name=filter]', 'Enter');
  const filtered = await agent.waitFor(() => agent.starts().find((f) => f.filter?.pattern === 'PANIC'), 5000, 'the filtered start');
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 5000 });
  await page.waitForSelector('[data-empty-hint]', { state: 'visible', timeout: 3000 });
  expect(await page.textContent('[data-empty-hint]')).toContain('No line matched “PANIC” yet');
  agent.lines(filtered.streamId, ['PANIC: out of memory']);
  await page.waitForSelector('[data-empty-hint]', { state: 'hidden', timeout: 3000 });

  // A rollout replaces the pod: the next heartbeat has its successors, and the kubelet ends the follow.
  expect(await page.textContent('#log-pod-status')).toBe('Running · 0 restarts');
  await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: [webPod(3, 'ccccc'), webPod(4, 'ddddd')], capabilities: LOGS_ON }));
  agent.lines(filtered.streamId, [], { eof: true, err: 'pods "web-7d9f8b6c5-aaaaa" not found' });
  await page.waitForSelector('[data-pod-gone]', { timeout: 5000 });
  expect((await page.textContent('#log-pod-status'))?.trim()).toBe('gone');
  expect(await page.$$eval('[data-replacement]', (els) => els.map((e) => e.getAttribute('data-replacement')))).toEqual([
    'web-7d9f8b6c5-ccccc',
    'web-7d9f8b6c5-ddddd',
  ]);
  await page.click('[data-replacement="web-7d9f8b6c5-ccccc"] a');
  await agent.waitFor(() => agent.starts().find((f) => f.pod === 'web-7d9f8b6c5-ccccc'), 5000, 'the replacement’s stream');
  expect(new URL(page.url()).pathname).toBe(`/clusters/${cluster.clusterId}/pods/shop/web-7d9f8b6c5-ccccc/logs`);
  await page.close();
}, 60_000);
