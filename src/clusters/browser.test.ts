// In real Chromium (1280×800): add a cluster, see its token and install command (one click to copy), and watch the fleet row turn Healthy and its heartbeat age tick without a reload; a cluster page's header refreshes with its poll; the timeline shows its total order; a ping shows in the command history at once.
// Ages are worded by the browser (they change with every request blocked), and an unchanged poll is answered 304.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { browserSignIn, launchBrowser, listen, waitFor } from '../testing/browser';
import { createEnrolledCluster, enroll, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { AGENT_KEY_HEADER, AGENT_PATHS, type CommandEnvelope } from '../contract';
import { addTimeline } from './timeline';

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
  const status = await waitFor(
    () => row.locator('[data-status]').getAttribute('data-status'),
    (s) => s === 'healthy',
    12_000,
  );
  expect(status).toBe('healthy');
  expect((await row.locator('td[data-pods]').textContent())!.trim()).toBe('20/20 running');
  const age1 = (await row.locator('td[data-last-heartbeat] time').textContent())!.trim();
  expect(age1).toMatch(/^\d+ s ago$/);
  const age2 = await waitFor(
    async () => (await row.locator('td[data-last-heartbeat] time').textContent())!.trim(),
    (a) => a !== age1,
    12_000,
  );
  expect(age2).not.toBe(age1);
  expect(age2).toMatch(/^\d+ s ago$/);
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  await page.close();
}, 60_000);

/** A signed-in page at 1280×800 of a new owner's org, with an API client and an enrolled cluster that has not beaten yet. */
async function clusterPage(name: string): Promise<{ page: Page; clusterId: string; agentKey: string }> {
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, `Org ${name}`, null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const { clusterId, agentKey } = await createEnrolledCluster(t, api, { name, orgId: org.id });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await browserSignIn(page, base, user.email, user.password);
  return { page, clusterId, agentKey };
}

test('the cluster header refreshes with the tab: status and last heartbeat change between two polls, without a reload', async () => {
  const { page, clusterId, agentKey } = await clusterPage('header-live');
  await page.goto(`${base}/clusters/${clusterId}`);
  const header = page.locator('[data-cluster-header]');
  expect(await header.locator('[data-status]').getAttribute('data-status')).toBe('pending');
  expect((await header.locator('[data-last-heartbeat]').textContent())!.trim()).toBe('Last heartbeat never');
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));

  // The first heartbeat: the next poll turns the header Healthy and dates it, together with the nodes below.
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(5) }))).status).toBe(200);
  await waitFor(
    () => header.locator('[data-status]').getAttribute('data-status'),
    (s) => s === 'healthy',
    12_000,
  );
  const first = await header.locator('[data-last-heartbeat] time').getAttribute('datetime');
  expect(first).not.toBeNull();
  expect(await page.locator('#cluster-live tr[id^="node-"]').count()).toBeGreaterThan(0);

  // Another heartbeat: the header's time is the new one after the following poll.
  await Bun.sleep(1100);
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(5, 1) }))).status).toBe(200);
  const second = await waitFor(
    () => header.locator('[data-last-heartbeat] time').getAttribute('datetime'),
    (d) => d !== first,
    12_000,
  );
  expect(Date.parse(second!)).toBeGreaterThan(Date.parse(first!));
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await page.close();
}, 60_000);

test('the Timeline tab is newest first by time, then id, also for entries of the same millisecond', async () => {
  const { page, clusterId } = await clusterPage('timeline-ui');
  const same = new Date(Date.now() - 60_000);
  await addTimeline(
    t.db,
    clusterId,
    ['first', 'second', 'third'].map((m) => ({ kind: 'restart' as const, message: `same instant ${m}`, at: same })),
    same,
  );
  await addTimeline(t.db, clusterId, [{ kind: 'status', message: 'an hour before, written last', at: new Date(Date.now() - 3_600_000) }], new Date());
  await page.goto(`${base}/clusters/${clusterId}/timeline`);
  const shown = await page.$$eval('tr[data-entry]', (rows) => rows.map((r) => r.querySelector('td.wrap')?.textContent?.trim() ?? ''));
  const mine = shown.filter((m) => m.startsWith('same instant') || m.startsWith('an hour before'));
  expect(mine).toEqual(['same instant third', 'same instant second', 'same instant first', 'an hour before, written last']);
  await page.close();
}, 60_000);

test('a ping shows in the command history as soon as it is answered, without waiting for a reload', async () => {
  const { page, clusterId, agentKey } = await clusterPage('ping-history');
  expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(2) }))).status).toBe(200);
  await page.goto(`${base}/clusters/${clusterId}/commands`);
  expect(await page.locator('#command-history tr[id^="command-"]').count()).toBe(0);
  // The agent's long-poll picks the ping up and answers it.
  const agent = (async () => {
    const res = await t.request(AGENT_PATHS.commands, { headers: { [AGENT_KEY_HEADER]: agentKey } });
    const { commands } = (await res.json()) as { commands: CommandEnvelope[] };
    for (const c of commands) {
      await t.request(AGENT_PATHS.commandResult.replace(':id', c.id), {
        method: 'POST',
        headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json' },
        body: JSON.stringify({ commandId: c.id, ok: true, message: 'pong', durationMs: 1 }),
      });
    }
  })();
  const clicked = Date.now();
  await page.click('button:has-text("Ping")');
  await page.waitForSelector('#ping-result[data-latency]:not([data-latency=""])', { timeout: 12_000 });
  await agent;
  // At once, not at the next 5 s tick: the ping's answer tells the live tab to refresh.
  await page.waitForSelector('#command-history tr[id^="command-"][data-status="succeeded"]', { timeout: 3000 });
  expect(Date.now() - clicked).toBeLessThan(12_000);
  expect(await page.locator('#command-history tr[id^="command-"]').count()).toBe(1);
  await page.close();
}, 60_000);

test('heartbeat ages are worded by the browser, never shown absolute once it runs; an unchanged poll is answered 304', async () => {
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Wire Fleet', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const cluster = await createEnrolledCluster(t, api, { name: 'edge-wire-01', orgId: org.id });
  expect((await sendHeartbeat(t, cluster.agentKey, makeHeartbeat({ pods: makePods(3) }))).status).toBe(200);

  const page: Page = await browser.newPage();
  await browserSignIn(page, base, user.email, user.password);
  const time = page.locator('tr[data-cluster="edge-wire-01"] td[data-last-heartbeat] time');
  expect(await time.getAttribute('data-relative')).toBe('ago');
  expect((await time.textContent())!.trim()).toMatch(/^\d+ s ago$/);
  // From here on, any relative time that shows the server's absolute text (even between a swap and the next tick) is caught.
  await page.evaluate(() => {
    const w = window as unknown as { absoluteSeen: string[] };
    w.absoluteSeen = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('time[data-relative]')) if (el.textContent?.includes('UTC')) w.absoluteSeen.push(el.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  // Nothing changes in the fleet: the first poll of /fleet/live fills the browser's cache, the next goes out with
  // If-None-Match on its own and is answered 304 (the access log records what was sent).
  const polled304 = await waitFor(async () => t.logs.some((l) => l.includes('"path":"/fleet/live"') && l.includes('"status":304')), Boolean, 20_000);
  expect(polled304).toBe(true);
  expect(await page.locator('tr[data-cluster="edge-wire-01"] [data-status]').getAttribute('data-status')).toBe('healthy');

  // No request reaches the server any more, and the words still change: the browser words them from datetime.
  await page.route('**/*', (route) => route.abort());
  const before = (await time.textContent())!.trim();
  const after = await waitFor(
    async () => (await time.textContent())!.trim(),
    (a) => a !== before,
    5_000,
  );
  expect(after).not.toBe(before);
  expect(after).toMatch(/^\d+ s ago$/);
  await page.unroute('**/*');
  expect(await page.evaluate(() => (window as unknown as { absoluteSeen: string[] }).absoluteSeen)).toEqual([]);
  await page.close();
}, 60_000);
