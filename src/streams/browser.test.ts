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
  t = await startTestApp({
    heartbeatIntervalSeconds: 2,
    heartbeatRatePerMinute: 600,
    heartbeatBurst: 100,
    streams: { ...testConfig().streams, detachSeconds: 3 },
  });
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
  await waitUntil(
    async () => {
      const res = await api.call('GET', `/v1/clusters/${clusterId}`);
      const c = (await res.json()) as { capabilities: { logs?: { enabled: boolean } } | null; pods: { listed: number } };
      return c.capabilities?.logs?.enabled && c.pods.listed > 0;
    },
    30_000,
    'logs capability and pods reported',
  );
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

const lines = (page: Page): Promise<string[]> =>
  page.$$eval('#log-lines .log-line:not(.log-note):not(.log-gap):not(.log-end)', (els) => els.map((e) => e.textContent ?? ''));

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
  cluster.sim.emitLines(
    'shop',
    'web-7f9c',
    'web',
    Array.from({ length: 6000 }, (_, i) => `bulk ${i}`),
  );
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
  await waitUntil(
    async () => {
      const res = await t.request(`/clusters/${clusterId}/logs?q=crashy`, { headers: { authorization: `Bearer ${api.token}` } });
      return (await res.text()).includes('Previous');
    },
    20_000,
    'the restarted pod in the inventory',
  );
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
  await page.waitForFunction(
    () => [...document.querySelectorAll('#log-lines .log-line')].some((e) => e.textContent?.endsWith('[INFO] <b>merged</b> line')),
    undefined,
    { timeout: 3000 },
  );
  const line = page.locator('#log-lines .log-line', { hasText: 'merged' });
  expect(await line.locator('.log-prefix').textContent()).toBe(`sim-logs/${coredns.metadata.name}:coredns`);
  expect(await line.locator('.log-prefix').getAttribute('class')).toMatch(/member-\d/);
  expect(await line.locator('b').count()).toBe(0);
  await page.close();
});

test('structured lines: JSON, logfmt and klog levels coloured, the level filter hides lower levels, pretty JSON expands records', async () => {
  cluster.sim.addPod({ namespace: 'shop', name: 'structured-1', containers: [{ name: 'app', image: 'busybox:1.37' }] });
  await waitUntil(async () => (await findPod('shop', 'structured-1')) !== null, 20_000, 'structured-1 in the inventory');
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await browserSignIn(page, base, user.email, user.password);
  await page.goto(`${base}/clusters/${clusterId}/pods/shop/structured-1/logs`);
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 5000 });
  await waitUntil(() => cluster.sim.openLogRequests() >= 1, 5000, 'request open');
  const emitted = [
    '{"level":"debug","msg":"json debug"}',
    '{"level":"info","msg":"json info","status":200}',
    '{"level":"error","msg":"json error","detail":{"code":42,"hosts":["a","b"]}}',
    '\tat com.example.Shop.charge(Shop.java:87)',
    'time="2025-01-15T10:31:02Z" level=warning msg="logfmt warn" volume=pvc-1',
    'ts=2025-01-15T10:31:02Z level=info msg="logfmt info"',
    'I0115 10:31:02.123456       1 server.go:191] "klog info" nodes=2',
    'E0115 10:31:02.123456       1 scraper.go:149] "klog error" node="agent-1"',
    'plain line that states no level',
    '{"level":"error","msg":"<img src=x onerror=alert(1)>"}',
    '{"level":"warn","msg":"looks like JSON" trailing',
    'structured done',
  ];
  cluster.sim.emitLines('shop', 'structured-1', 'app', emitted);
  await waitForLine(page, 'structured done', 5000);

  type Row = { text: string; cls: string; format: string; color: string; shown: boolean };
  const rows = (): Promise<Row[]> =>
    page.$$eval('#log-lines .log-line', (els) =>
      els.map((e) => ({
        text: e.textContent ?? '',
        cls: e.className,
        format: (e as HTMLElement).dataset.format ?? '',
        color: getComputedStyle(e).color,
        shown: (e as HTMLElement).offsetParent !== null,
      })),
    );
  const row = (all: Row[], text: string): Row => {
    const found = all.find((r) => r.text === text);
    if (!found) throw new Error(`no row ${text}`);
    return found;
  };
  const level = (r: Row): string => /lvl-(\w+)/.exec(r.cls)?.[1] ?? '';
  let all = await rows();
  expect(
    emitted.map((line) => {
      const r = row(all, line);
      return [r.format, level(r)];
    }),
  ).toEqual([
    ['json', 'debug'],
    ['json', 'info'],
    ['json', 'error'],
    ['text', 'error'], // a stack frame continues the error record above it
    ['logfmt', 'warn'],
    ['logfmt', 'info'],
    ['klog', 'info'],
    ['klog', 'error'],
    ['text', ''],
    ['json', 'error'],
    ['text', 'warn'],
    ['text', ''],
  ]);
  // Coloured by level: errors and warnings read differently from info, debug is dimmed.
  const colours = new Set(['json debug', 'json info', 'json error', 'logfmt warn'].map((m) => row(all, emitted.find((l) => l.includes(`"${m}"`))!).color));
  expect(colours.size).toBe(4);
  expect(await page.$$eval('#log-lines img, #log-lines script', (els) => els.length)).toBe(0);

  // Warnings and errors only: lower levels and lines with no level hide; the count says how many show.
  const before = all.length;
  await page.selectOption('select[name=level]', 'warn');
  await page.waitForFunction(() => document.querySelectorAll('#log-lines .lvl-out').length > 0, undefined, { timeout: 2000 });
  all = await rows();
  expect(emitted.filter((line) => row(all, line).shown)).toEqual([emitted[2], emitted[3], emitted[4], emitted[7], emitted[9], emitted[10]]);
  expect(all.filter((r) => r.cls.includes('lvl-info') || r.cls.includes('lvl-debug')).every((r) => !r.shown)).toBe(true);
  const shownCount = all.filter((r) => r.shown).length;
  expect(await page.textContent('.logs-bar span.muted:not(.mono)')).toBe(`${shownCount} of ${before} lines`);
  // Search does not land on hidden rows.
  await page.fill('input[name=search]', 'info');
  await page.waitForFunction(() => document.querySelector('.logs-bar .mono')?.textContent !== '', undefined, { timeout: 2000 });
  expect(await page.textContent('.logs-bar .mono')).toBe('no match');
  await page.fill('input[name=search]', '');
  await page.selectOption('select[name=level]', 'error');
  await page.waitForFunction(() => !document.querySelector('#log-lines .lvl-warn:not(.lvl-out)'), undefined, { timeout: 2000 });
  all = await rows();
  expect(emitted.filter((line) => row(all, line).shown)).toEqual([emitted[2], emitted[3], emitted[7], emitted[9]]);
  await page.selectOption('select[name=level]', '');
  await page.waitForFunction(() => document.querySelectorAll('#log-lines .lvl-out').length === 0, undefined, { timeout: 2000 });

  // Pretty JSON: records expand, re-indented as logged; other lines stay as they are; markup stays text.
  await page.check('input[name=pretty]');
  const pretty = '{\n  "level": "error",\n  "msg": "json error",\n  "detail": {\n    "code": 42,\n    "hosts": [\n      "a",\n      "b"\n    ]\n  }\n}';
  await waitForLine(page, pretty, 2000);
  all = await rows();
  expect(all.some((r) => r.text === emitted[4])).toBe(true);
  expect(all.some((r) => r.text === '{\n  "level": "error",\n  "msg": "<img src=x onerror=alert(1)>"\n}')).toBe(true);
  expect(all.some((r) => r.text === emitted[10])).toBe(true);
  const keys = await page.locator('#log-lines .log-line', { hasText: '"json error"' }).locator('.json-key').allTextContents();
  expect(keys).toEqual(['"level"', '"msg"', '"detail"', '"code"', '"hosts"']);
  expect(await page.$$eval('#log-lines img, #log-lines script', (els) => els.length)).toBe(0);
  await page.uncheck('input[name=pretty]');
  await waitForLine(page, emitted[2], 2000);
  expect(dialogs).toEqual([]);
  await page.close();
}, 60_000);

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
