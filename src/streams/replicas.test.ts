// Two control-plane processes on one Postgres, the real agent (and simulator) connected to B, viewers on A: lines arrive in order with no gaps; replica A is killed mid-stream and the viewer — an SSE client, and Chromium behind a load balancer — reconnects to B with Last-Event-ID and resumes with no lost or duplicated seq; replica B (the agent's) is killed mid-stream, the viewers on A are told the stream waits, and once the agent is back on A every line arrives exactly once with no gap announced.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { connect, createServer, type Server as TcpServer } from 'node:net';
import type { Browser } from 'playwright-core';
import type { Server } from 'bun';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { spawnControlPlane, type Child } from '../testing/spawn';
import { browserSignIn, launchBrowser } from '../testing/browser';
import { startLogCluster, type LogCluster } from '../testing/log-cluster';
import { checkSequence, linesOf, openSse, type Numbered, type SseClient } from '../testing/sse';
import { waitUntil } from '../../agent/testing/agent-process';

let t: TestApp;
let user: Awaited<ReturnType<typeof makeUser>>;
let api: Awaited<ReturnType<typeof apiClient>>;
let orgId = '';
const children: Child[] = [];
const clusters: LogCluster[] = [];
const proxies: Server<unknown>[] = [];
const tcpProxies: TcpServer[] = [];
let browser: Browser | null = null;

/** Replica env: one database, one secret; a detach grace long enough to reconnect. */
const replicaEnv = (publicUrl?: string): Record<string, string> => ({
  ...(publicUrl ? { NIRO_PUBLIC_URL: publicUrl } : {}),
  DATABASE_URL: t.testDb.url,
  NIRO_HEARTBEAT_INTERVAL: '2',
  NIRO_HEARTBEAT_RATE_PER_MINUTE: '600',
  NIRO_LOG_STREAM_DETACH_SECONDS: '30',
  NIRO_LOG_LEVEL: 'info',
});

beforeAll(async () => {
  // The in-process app only prepares users, orgs and clusters in the shared database.
  t = await startTestApp();
  user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Replicas', null, { userId: user.id, role: 'owner' })).id;
  api = await apiClient(t, await signIn(t, user));
});

afterAll(async () => {
  await browser?.close();
  for (const c of clusters) await c.stop();
  for (const p of proxies) p.stop(true);
  for (const p of tcpProxies) p.close();
  // By pid: SIGTERM (a killed one has exited already).
  for (const c of children) {
    if (c.proc.exitCode === null && !c.proc.killed) await c.kill();
    else await c.proc.exited;
  }
  await t.close();
});

type Replica = Child & { url: string };

/**
 * Two replicas, a cluster whose agent talks to B, and a pod writing nothing until told. `agentUrl` is where
 * the agent dials (B itself by default); `logRingLines` how much log the pod keeps for a resumed request.
 */
async function fleet(
  name: string,
  opts: { publicUrl?: string; agentUrl?: (a: Replica, b: Replica) => string; logRingLines?: number } = {},
): Promise<{ a: Replica; b: Replica; clusterId: string; sim: LogCluster['sim'] }> {
  const [a, b] = await Promise.all([spawnControlPlane(replicaEnv(opts.publicUrl)), spawnControlPlane(replicaEnv(opts.publicUrl))]);
  children.push(a, b);
  const created = await api.call('POST', '/v1/clusters', { name, orgId });
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  const cluster = await startLogCluster({
    controlPlaneUrl: opts.agentUrl?.(a, b) ?? b.url,
    token: body.enrollment.token,
    name,
    pods: [{ namespace: 'shop', name: 'web-1', containers: [{ name: 'web', image: 'nginx:1.27' }] }],
    logRingLines: opts.logRingLines,
  });
  clusters.push(cluster);
  await waitUntil(
    async () => {
      const c = (await (await api.call('GET', `/v1/clusters/${body.cluster.id}`)).json()) as {
        capabilities: { logs?: { enabled: boolean } } | null;
        pods: { listed: number };
      };
      return c.capabilities?.logs?.enabled && c.pods.listed > 0;
    },
    30_000,
    'capabilities and pods',
  );
  await cluster.agent.waitForLog((l) => l.msg === 'stream connected', 15_000, 'agent stream socket');
  await b.waitFor((l) => l.includes('"msg":"agent stream connected"'), 15_000);
  return { a, b, clusterId: body.cluster.id, sim: cluster.sim };
}

/** Writes numbered lines into the pod until stopped: `prefix 0`, `prefix 1`, … */
function writer(sim: LogCluster['sim'], prefix: string): { stop(): Promise<number> } {
  let n = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      sim.emitLines(
        'shop',
        'web-1',
        'web',
        Array.from({ length: 5 }, () => `${prefix} ${n++}`),
      );
      await Bun.sleep(15);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return n;
    },
  };
}

test('SSE client on A, agent on B: in order, no gaps; A killed → reconnect to B with Last-Event-ID, nothing lost or doubled', async () => {
  const { a, b, clusterId, sim } = await fleet('replicas-sse');
  const auth = { authorization: `Bearer ${api.token}` };
  const opened = await fetch(`${a.url}/v1/clusters/${clusterId}/pods/shop/web-1/logs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ tailLines: 0 }),
  });
  expect(opened.status).toBe(201);
  const { streamId } = (await opened.json()) as { streamId: string };
  const first: SseClient = await openSse(`${a.url}/v1/streams/${streamId}`, { headers: auth });
  await first.waitFor(() => first.events.some((e) => e.event === 'state' && e.data.includes('live')), 10_000, 'live on A');
  // tailLines 0: only lines written once the agent's Kubernetes request is open belong to the stream.
  await waitUntil(() => sim.openLogRequests() === 1, 10_000, 'the log request open');

  const w = writer(sim, 'line');
  await first.waitFor(() => linesOf(first).length >= 300, 10_000, '300 lines relayed to A');
  // A crashes (no goodbye): the client sees its response break, and reconnects to B.
  a.proc.kill('SIGKILL');
  await first.closed;
  const second = await openSse(`${b.url}/v1/streams/${streamId}`, { headers: auth, lastEventId: first.lastEventId });
  await second.waitFor(() => linesOf(second).length >= 300, 10_000, '300 more lines on B');
  const written = await w.stop();
  await second.waitFor(() => linesOf(second).at(-1) === `line ${written - 1}`, 10_000, 'the last line written');
  second.close();

  const all: Numbered[] = [...first.entries, ...second.entries];
  expect(checkSequence(all)).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 0 });
  // Every line written arrived exactly once, in order.
  expect([...linesOf(first), ...linesOf(second)]).toEqual(Array.from({ length: written }, (_, i) => `line ${i}`));
  await fetch(`${b.url}/v1/streams/${streamId}`, { method: 'DELETE', headers: auth });
}, 90_000);

/** Passes a response body through; a replica dying mid-response ends the client's response (no end event). */
function relayBody(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.close();
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  });
}

/** A load balancer in front of the replicas: each request goes to the first of `targets` that answers. */
function balancer(targets: string[]): string {
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      for (const target of targets) {
        try {
          const headers = new Headers(request.headers);
          headers.delete('host');
          const res = await fetch(target + url.pathname + url.search, { method: request.method, headers, body, redirect: 'manual', signal: request.signal });
          const out = new Headers(res.headers);
          out.delete('content-encoding');
          out.delete('content-length');
          return new Response(res.body ? relayBody(res.body) : null, { status: res.status, headers: out });
        } catch {
          // That replica is gone: try the next.
        }
      }
      return new Response('no replica answered', { status: 502 });
    },
  });
  proxies.push(server);
  return `http://127.0.0.1:${server.port}`;
}

test('Chromium through a load balancer: A killed mid-stream, the viewer reconnects to B and resumes without a lost or doubled line', async () => {
  // The balancer is the replicas' public URL (their login checks the Origin against it).
  const targets: string[] = [];
  const lb = balancer(targets);
  const { a, b, clusterId, sim } = await fleet('replicas-browser', { publicUrl: lb });
  targets.push(a.url, b.url);
  browser = await launchBrowser();
  const page = await browser.newPage();
  await browserSignIn(page, lb, user.email, user.password);
  await page.goto(`${lb}/clusters/${clusterId}/pods/shop/web-1/logs`);
  await page.fill('input[name=tailLines]', '0');
  await page.dispatchEvent('input[name=tailLines]', 'change');
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 10_000 });
  // The first stream (tail 500) was replaced by the tail-0 one: one request open, the new one.
  await waitUntil(() => sim.openLogRequests() === 1, 10_000, 'only the new log request open');

  const w = writer(sim, 'row');
  await page.waitForFunction(() => document.querySelectorAll('#log-lines .log-line[data-seq]').length >= 200, undefined, { timeout: 10_000 });
  a.proc.kill('SIGKILL');
  await page.waitForSelector('#log-state[data-state="reconnecting"]', { timeout: 10_000 });
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 15_000 });
  const countAtResume = await page.$$eval('#log-lines .log-line[data-seq]', (els) => els.length);
  await page.waitForFunction((n) => document.querySelectorAll('#log-lines .log-line[data-seq]').length >= n + 200, countAtResume, { timeout: 10_000 });
  const written = await w.stop();
  await page.waitForFunction((last) => [...document.querySelectorAll('#log-lines .log-line')].some((e) => e.textContent === last), `row ${written - 1}`, {
    timeout: 10_000,
  });

  const shown = await page.$$eval('#log-lines .log-line', (els) =>
    els.map((e) => ({ seq: (e as HTMLElement).dataset.seq ?? null, text: e.textContent ?? '', cls: e.className })),
  );
  const rows = shown.filter((l) => l.seq !== null && l.cls === 'log-line');
  expect(shown.filter((l) => l.cls.includes('log-gap'))).toEqual([]);
  const seqs = rows.map((r) => Number(r.seq));
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
  expect(rows.map((r) => r.text)).toEqual(Array.from({ length: written }, (_, i) => `row ${i}`));
  await page.close();
}, 120_000);

/**
 * A TCP entry in front of the replicas (HTTP and WebSocket alike): each connection goes to the first of
 * `targets` that accepts it, and ends when that replica's end does — as a load balancer would.
 */
function tcpProxy(targets: string[]): string {
  const server = createServer((client) => {
    client.pause();
    client.on('error', () => {});
    const tryTarget = (i: number): void => {
      if (i >= targets.length || client.destroyed) {
        client.destroy();
        return;
      }
      const { hostname, port } = new URL(targets[i]);
      const upstream = connect(Number(port), hostname);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) tryTarget(i + 1);
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      client.on('close', () => upstream.destroy());
    };
    tryTarget(0);
  });
  server.listen(0, '127.0.0.1');
  tcpProxies.push(server);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy did not bind');
  return `http://127.0.0.1:${address.port}`;
}

test('the agent’s replica B is SIGKILLed: viewers on A see the stream wait, then every line once, no gap announced', async () => {
  // The agent dials B first and, once B is gone, A; the browser reaches A alone (its public URL).
  const agentTargets: string[] = [];
  const agentUrl = tcpProxy(agentTargets);
  const viewerTargets: string[] = [];
  const viewerUrl = tcpProxy(viewerTargets);
  const { a, b, clusterId, sim } = await fleet('replicas-agent-killed', {
    publicUrl: viewerUrl,
    agentUrl: (a, b) => {
      agentTargets.push(b.url, a.url);
      return agentUrl;
    },
    // The lines written while no replica holds the agent's request must still be there to read again.
    logRingLines: 100_000,
  });
  viewerTargets.push(a.url);
  const auth = { authorization: `Bearer ${api.token}` };
  // The simulated container starts a few seconds after its pod is created (its startup lines carry that
  // time): write once it runs, so the log is in time order as a resumed request reads it.
  const pod = sim.get('pods', 'shop', 'web-1') as { status: { containerStatuses: { state: { running?: { startedAt: string } } }[] } } | null;
  const startedAt = Date.parse(pod?.status.containerStatuses[0].state.running?.startedAt ?? '');
  expect(Number.isNaN(startedAt)).toBe(false);
  await waitUntil(() => Date.now() > startedAt, 10_000, 'the container running');

  browser ??= await launchBrowser();
  const page = await browser.newPage();
  await browserSignIn(page, viewerUrl, user.email, user.password);
  await page.goto(`${viewerUrl}/clusters/${clusterId}/pods/shop/web-1/logs`);
  await page.fill('input[name=tailLines]', '0');
  await page.dispatchEvent('input[name=tailLines]', 'change');
  await page.waitForSelector('#log-state[data-state="live"]', { timeout: 10_000 });
  await waitUntil(() => sim.openLogRequests() === 1, 10_000, 'the viewer’s log request open');

  const opened = await fetch(`${a.url}/v1/clusters/${clusterId}/pods/shop/web-1/logs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ tailLines: 0 }),
  });
  expect(opened.status).toBe(201);
  const { streamId } = (await opened.json()) as { streamId: string };
  const viewer: SseClient = await openSse(`${a.url}/v1/streams/${streamId}`, { headers: auth });
  await viewer.waitFor(() => viewer.events.some((e) => e.event === 'state' && e.data.includes('live')), 10_000, 'live on A');
  await waitUntil(() => sim.openLogRequests() === 2, 10_000, 'both log requests open');

  const w = writer(sim, 'n');
  await viewer.waitFor(() => linesOf(viewer).length >= 300, 10_000, '300 lines relayed to A');
  // Every state the page shows from now on ("state: label"), however briefly.
  await page.evaluate(() => {
    const el = document.getElementById('log-state')!;
    const shownStates: string[] = [];
    (window as unknown as { shownStates: string[] }).shownStates = shownStates;
    new MutationObserver(() => shownStates.push(`${el.dataset.state}: ${el.textContent}`)).observe(el, {
      attributes: true,
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  const beforeKill = viewer.events.length;
  const linesAtKill = linesOf(viewer).length;
  b.proc.kill('SIGKILL');

  // A hears B no more: the stream waits (the agent is away) and the viewers say so; then A adopts it.
  const waitedAt = await viewer.waitFor(
    () => viewer.events.findIndex((e, i) => i >= beforeKill && e.event === 'state' && e.data.includes('waiting')) + 1,
    30_000,
    'the waiting state',
  );
  await viewer.waitFor(() => viewer.events.some((e, i) => i >= waitedAt && e.event === 'state' && e.data.includes('live')), 30_000, 'live again');
  await page.waitForFunction(
    () => {
      const states = (window as unknown as { shownStates: string[] }).shownStates;
      const waited = states.findIndex((x) => x.startsWith('waiting: reconnecting to the cluster'));
      return waited >= 0 && states.slice(waited).some((x) => x.startsWith('live:'));
    },
    undefined,
    { timeout: 30_000 },
  );
  await viewer.waitFor(() => linesOf(viewer).length >= linesAtKill + 300, 15_000, '300 more lines on A');
  const written = await w.stop();
  await viewer.waitFor(() => linesOf(viewer).at(-1) === `n ${written - 1}`, 15_000, 'the last line written');
  viewer.close();

  // Exactly once, in order: no seq repeated or skipped, no gap announced, no seam note, every line written.
  expect(checkSequence(viewer.entries)).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 0 });
  expect(viewer.entries.filter((e) => typeof e.item !== 'string')).toEqual([]);
  expect(linesOf(viewer)).toEqual(Array.from({ length: written }, (_, i) => `n ${i}`));

  await page.waitForFunction((last) => [...document.querySelectorAll('#log-lines .log-line')].some((e) => e.textContent === last), `n ${written - 1}`, {
    timeout: 15_000,
  });
  const shown = await page.$$eval('#log-lines .log-line', (els) =>
    els.map((e) => ({ seq: (e as HTMLElement).dataset.seq ?? null, text: e.textContent ?? '', cls: e.className })),
  );
  expect(shown.filter((l) => l.cls !== 'log-line')).toEqual([]);
  const seqs = shown.map((r) => Number(r.seq));
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
  expect(shown.map((r) => r.text)).toEqual(Array.from({ length: written }, (_, i) => `n ${i}`));
  await page.close();
  await fetch(`${a.url}/v1/streams/${streamId}`, { method: 'DELETE', headers: auth });
}, 150_000);
