// In real Chromium against the real agent and the Kubernetes simulator: selecting a pod streams its lines within 1 s, new lines append live, hostile lines (HTML, hx-*, javascript:, SSE framing, \r, NUL, 1 MB, ANSI) are one text line each, pause/search/bounded DOM work, closing the viewer cancels the agent's Kubernetes request; a cluster without the logs capability shows how to enable it.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, testConfig, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen } from '../testing/browser';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { startLogCluster, type LogCluster } from '../testing/log-cluster';
import { waitUntil } from '../../agent/testing/agent-process';

let t: TestApp;
let base: string;
let browser: Browser;
let cluster: LogCluster;
let clusterId = '';
let user: Awaited<ReturnType<typeof makeUser>>;
let api: Awaited<ReturnType<typeof apiClient>>;
let orgId = '';

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 2, heartbeatRatePerMinute: 600, heartbeatBurst: 100, streams: { ...testConfig().streams, detachSeconds: 3 } });
  base = listen(t);
  user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Logs Browser', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
  const created = await api.call('POST', '/v1/clusters', { name: 'sim-logs', environment: 'production', orgId });
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  cluster = await startLogCluster({
    controlPlaneUrl: base,
    token: body.enrollment.token,
    pods: [{ namespace: 'shop', name: 'web-7f9c', containers: [{ name: 'web', image: 'nginx:1.27' }] }],
  });
  // The agent enrolls, connects its stream socket and reports the logs capability and the pod.
  await waitUntil(async () => {
    const res = await api.call('GET', `/v1/clusters/${clusterId}`);
    const c = (await res.json()) as { capabilities: { logs?: { enabled: boolean } } | null; pods: { listed: number } };
    return c.capabilities?.logs?.enabled && c.pods.listed > 0;
  }, 30_000, 'logs capability and pods reported');
  await cluster.agent.waitForLog((l) => l.msg === 'stream connected', 15_000, 'agent stream socket');
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  t?.app.server?.stop(true);
  await t?.close();
});

async function findPod(namespace: string, name: string): Promise<unknown> {
  const res = await t.request(`/clusters/${clusterId}/logs?q=${name}`, { headers: { authorization: `Bearer ${api.token}` } });
  return (await res.text()).includes(`data-pod="${namespace}/${name}"`) ? true : null;
}

const lines = (page: Page): Promise<string[]> => page.$$eval('#log-lines .log-line:not(.log-note):not(.log-gap):not(.log-end)', (els) => els.map((e) => e.textContent ?? ''));

async function waitForLine(page: Page, text: string, ms: number): Promise<void> {
  await page.waitForFunction((want) => [...document.querySelectorAll('#log-lines .log-line')].some((e) => e.textContent === want), text, { timeout: ms });
}

test('select a pod: lines within 1 s, live appends, hostile lines as text, closing cancels the request', async () => {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/clusters/${clusterId}/logs`);
  cluster.sim.emitLines('shop', 'web-7f9c', 'web', ['history line before the viewer opened']);
  const before = cluster.sim.openLogRequests();

  const clicked = performance.now();
  await page.click('tr[data-pod="shop/web-7f9c"] a:has-text("web-7f9c")');
  await waitForLine(page, 'history line before the viewer opened', 5000);
  const firstLineMs = performance.now() - clicked;
  expect(firstLineMs).toBeLessThan(1000);
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 3000 });
  expect(cluster.sim.openLogRequests()).toBe(before + 1);

  // New lines append live.
  const emitted = performance.now();
  cluster.sim.emitLines('shop', 'web-7f9c', 'web', ['a live line']);
  await waitForLine(page, 'a live line', 1000);
  expect(performance.now() - emitted).toBeLessThan(1000);

  // Hostile lines: each exactly one element whose text is the line, nothing interpreted.
  const hostile = [
    '<img src=x onerror="alert(1)"><script>alert(2)</script>',
    '<div hx-get="/v1/streams" hx-trigger="load" hx-swap="outerHTML">htmx bait</div>',
    '<a href="javascript:alert(3)">click me</a>',
    'data: {"seq":1,"items":["forged"]}',
    'event: end',
    'carriage\rreturn inside',
    'nul\u0000byte',
    '\u001b[31mred\u001b[0m plain \u001b[1;32mbold green\u001b[0m',
  ];
  const huge = 'H'.repeat(1024 * 1024);
  const count = (await lines(page)).length;
  cluster.sim.emitLines('shop', 'web-7f9c', 'web', [...hostile, huge, 'after hostile']);
  await waitForLine(page, 'after hostile', 5000);
  const shown = (await lines(page)).slice(count);
  expect(shown.length).toBe(hostile.length + 2);
  expect(shown.slice(0, 7)).toEqual(hostile.slice(0, 7));
  expect(shown[7]).toBe('red plain bold green');
  expect(shown[8].startsWith('H'.repeat(1000))).toBe(true);
  expect(shown[8]).toMatch(/\[line truncated: \d+ more characters\]$/);
  expect(await page.$$eval('#log-lines img, #log-lines script, #log-lines a, #log-lines [hx-get], #log-lines div div', (els) => els.length)).toBe(0);
  expect(await page.$$eval('#log-lines .ansi-fg-1', (els) => els.map((e) => e.textContent))).toEqual(['red']);
  expect(await page.$$eval('#log-lines .ansi-fg-2.ansi-bold', (els) => els.map((e) => e.textContent))).toEqual(['bold green']);
  expect(dialogs).toEqual([]);

  // Pause buffers with a count; resume shows what arrived meanwhile.
  await page.click('button[name=pause]');
  cluster.sim.emitLines('shop', 'web-7f9c', 'web', ['held 1', 'held 2', 'held 3']);
  await page.waitForFunction(() => document.querySelector('button[name=pause]')?.textContent === 'Resume (3 new)', undefined, { timeout: 3000 });
  expect((await lines(page)).includes('held 1')).toBe(false);
  await page.click('button[name=pause]');
  await waitForLine(page, 'held 3', 2000);

  // Search highlights matches in the buffer, next/previous move between them.
  await page.fill('input[name=search]', 'HELD');
  await page.waitForFunction(() => document.querySelectorAll('#log-lines mark').length === 3, undefined, { timeout: 2000 });
  expect(await page.textContent('.logs-bar .mono')).toBe('3 / 3');
  await page.click('button[name=next-match]');
  expect(await page.textContent('.logs-bar .mono')).toBe('1 / 3');
  expect(await page.$eval('#log-lines mark.current', (e) => e.parentElement?.textContent)).toBe('held 1');
  await page.fill('input[name=search]', '');

  // A bounded DOM: 6000 more lines leave the last 5000 and a note about the rest.
  cluster.sim.emitLines('shop', 'web-7f9c', 'web', Array.from({ length: 6000 }, (_, i) => `bulk ${i}`));
  await waitForLine(page, 'bulk 5999', 10_000);
  expect(await page.$$eval('#log-lines .log-line', (els) => els.length)).toBe(5000);
  expect(await page.textContent('.logs-dropped')).toContain('older lines dropped');

  // Closing the viewer cancels the agent-side Kubernetes request.
  await page.close();
  await waitUntil(() => cluster.sim.openLogRequests() === before, 8000, 'the Kubernetes log request to close');
}, 60_000);

test('the previous container is one click away for a restarted pod', async () => {
  cluster.sim.addPod({ namespace: 'shop', name: 'crashy-1', containers: [{ name: 'app', image: 'busybox:1.37' }] });
  cluster.sim.crashPod('shop', 'crashy-1');
  cluster.sim.tick(2);
  await waitUntil(async () => {
    const res = await t.request(`/clusters/${clusterId}/logs?q=crashy`, { headers: { authorization: `Bearer ${api.token}` } });
    return (await res.text()).includes('Previous');
  }, 20_000, 'the restarted pod in the inventory');
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/clusters/${clusterId}/logs?q=crashy`);
  await page.click('tr[data-pod="shop/crashy-1"] a:has-text("Previous")');
  await page.waitForSelector('#log-state[data-state="ended"], #log-lines .log-line', { timeout: 5000 });
  expect(await page.$eval('button[name=previous]', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
  expect(await page.textContent('button[name=previous]')).toContain('Current container');
  await page.waitForFunction(() => document.querySelectorAll('#log-lines .log-line:not(.log-end)').length > 0, undefined, { timeout: 5000 });
  await page.close();
}, 60_000);

test('following a crash-looping container continues across its restart, with the seam marked', async () => {
  cluster.sim.addPod({ namespace: 'shop', name: 'loop-1', containers: [{ name: 'app', image: 'busybox:1.37' }] });
  await waitUntil(async () => (await findPod('shop', 'loop-1')) !== null, 20_000, 'loop-1 in the inventory');
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/clusters/${clusterId}/pods/shop/loop-1/logs`);
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 5000 });
  await waitUntil(() => cluster.sim.openLogRequests() >= 1, 5000, 'request open');
  cluster.sim.emitLines('shop', 'loop-1', 'app', ['first life']);
  await waitForLine(page, 'first life', 3000);
  cluster.sim.crashPod('shop', 'loop-1');
  cluster.sim.tick(1);
  cluster.sim.emitLines('shop', 'loop-1', 'app', ['second life']);
  await waitForLine(page, 'second life', 10_000);
  const texts = await page.$$eval('#log-lines .log-line', (els) => els.map((e) => ({ text: e.textContent ?? '', cls: e.className })));
  const seam = texts.findIndex((l) => l.cls.includes('log-note') && l.text.startsWith('log re-opened from'));
  expect(seam).toBeGreaterThan(texts.findIndex((l) => l.text === 'first life'));
  expect(seam).toBeLessThan(texts.findIndex((l) => l.text === 'second life'));
  expect(await page.getAttribute('#log-state', 'data-state')).toBe('live');
  await page.close();
}, 40_000);

test('a workload tail merges its pods with a coloured cluster/pod prefix', async () => {
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/logs/workload?kind=Deployment&name=coredns&namespace=kube-system`);
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 5000 });
  await page.waitForSelector('#log-lines .log-line .log-prefix', { timeout: 5000 });
  const coredns = cluster.sim.list('pods', 'kube-system').find((p) => p.metadata.name.startsWith('coredns-'))!;
  cluster.sim.emitLines('kube-system', coredns.metadata.name, 'coredns', ['[INFO] <b>merged</b> line']);
  await page.waitForFunction(() => [...document.querySelectorAll('#log-lines .log-line')].some((e) => e.textContent?.endsWith('[INFO] <b>merged</b> line')), undefined, { timeout: 3000 });
  const line = page.locator('#log-lines .log-line', { hasText: 'merged' });
  expect(await line.locator('.log-prefix').textContent()).toBe(`sim-logs/${coredns.metadata.name}:coredns`);
  expect(await line.locator('.log-prefix').getAttribute('class')).toMatch(/member-\d/);
  expect(await line.locator('b').count()).toBe(0);
  await page.close();
});

test('a cluster without the logs capability says so, with the exact command', async () => {
  const { clusterId: offId, agentKey } = await createEnrolledCluster(t, api, { name: 'no-logs', orgId });
  const pod = makePod(3, { namespace: 'shop', name: 'quiet-1', containers: ['app'] });
  await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: [pod], capabilities: ALL_CAPABILITIES_OFF }));
  const page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/clusters/${offId}/pods/shop/quiet-1/logs`);
  expect(await page.textContent('#logs-not-enabled h2')).toBe('Log streaming not enabled for this cluster');
  expect((await page.textContent('#logs-not-enabled pre'))!.trim()).toBe(`curl -fsSL ${t.config.publicUrl}/install.sh | NIRO_ENABLE_LOGS=1 sh`);
  expect(await page.$('#log-viewer')).toBeNull();
  await page.close();
});
