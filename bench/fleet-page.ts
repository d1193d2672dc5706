// The fleet page at 500 clusters (quick: 100), behind the real app, as a browser gets it: the first load on the
// wire (the page and every asset it references, gzip and br), its 5 s poll when nothing changed (304) and when a
// third of the shown clusters beat since the last one (what live agents cause), and the JSON list. The clusters are
// created through the API and beat through the agents' heartbeat endpoint, on the real server with its jobs running
// (bench/lib/control-plane.ts). Baselines from the same run: the same answers uncompressed (what the wire carried
// before compression), and the page rendered without compressing.
// Request times are through app.handle (routing, session, queries, rendering, ETag, compression), not a socket;
// bytes on the wire are the status line, the headers the app sets, a Content-Length, and the body.
// Usage: bun bench/fleet-page.ts [--quick]   (DATABASE_URL or the local Postgres; a scratch database is made and dropped)
import { createEnrolledCluster, gzipJson } from '../src/testing/heartbeats';
import { CUSTOMERS, clusterInput, createCustomers, fleetHeartbeat } from './lib/fleet';
import { parallel, startBenchPlane } from './lib/control-plane';
import { median, percentile, printTable, startReport, summarize } from './lib/report';

const report = startReport('fleet_page');
const quick = report.quick;
const CLUSTERS = quick ? 100 : 500;
const RUNS = quick ? 40 : 200;
const WARMUP = quick ? 5 : 20;
/** Rows the fleet page shows (FLEET_PAGE_SIZE in src/clusters/pages.tsx): the clusters a poll carries. */
const SHOWN = 100;
/** Every 40th cluster was created but never enrolled (pending), as in a fleet being rolled out. */
const PENDING_EVERY = 40;
const CHROMIUM = 'gzip, deflate, br, zstd';
/** Goals from the issue: first load on the wire (gzip) and an unchanged poll. */
const FIRST_LOAD_GOAL_KB = 80;
const UNCHANGED_POLL_GOAL_BYTES = 2048;

// The fleet stays as it was beaten while it is measured: no cluster may turn Unknown (2.5 intervals of silence) or
// Offline under the status job mid-run, or the "unchanged" poll would not be.
const plane = await startBenchPlane({ config: { heartbeatIntervalSeconds: 3600, offlineAfterSeconds: 4 * 3600 } });
const { browser, api } = plane;

/** Bytes of a response on the wire (HTTP/1.1): status line, headers, Content-Length, body. */
async function onWire(res: Response): Promise<{ status: number; bytes: number; body: number; etag: string | null }> {
  const body = (await res.arrayBuffer()).byteLength;
  let head = `HTTP/1.1 ${res.status} ${res.statusText || 'OK'}\r\n`;
  res.headers.forEach((v, k) => (head += `${k}: ${v}\r\n`));
  if (res.status !== 304) head += `content-length: ${body}\r\n`;
  head += '\r\n';
  return { status: res.status, bytes: Buffer.byteLength(head) + body, body, etag: res.headers.get('etag') };
}

/** One heartbeat of cluster `c` through the heartbeat endpoint, as its agent sends it; `b` moves usage. */
async function beat(agentKey: string, c: number, b: number): Promise<void> {
  await plane.beat(agentKey, gzipJson(fleetHeartbeat(c, b)));
}

/**
 * Times every case RUNS times after WARMUP untimed rounds, round-robin (one call of each per round), so a noisy
 * moment on a shared machine hits every case alike; durations in ms by case.
 */
async function timeInterleaved(cases: Record<string, () => Promise<void>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const [key, fn] of Object.entries(cases)) {
      const t0 = performance.now();
      await fn();
      if (round >= WARMUP) out[key].push(performance.now() - t0);
    }
  }
  return out;
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

try {
  // --- The fleet: CLUSTERS clusters in the MSP's customer orgs, all but the pending ones enrolled and beaten twice.
  const customers = await createCustomers(api, plane.orgId);
  const enrolled: { id: string; agentKey: string; c: number }[] = [];
  const t0 = performance.now();
  await parallel(4, CLUSTERS, async (c) => {
    const input = clusterInput(c, customers);
    if (c % PENDING_EVERY === PENDING_EVERY - 1) {
      const res = await api.call('POST', '/v1/clusters', input);
      if (res.status !== 201) throw new Error(`cluster: ${res.status} ${await res.text()}`);
      return;
    }
    const cluster = await createEnrolledCluster(plane.t, api, input);
    for (let b = 0; b < 2; b++) await beat(cluster.agentKey, c, b);
    enrolled.push({ id: cluster.clusterId, agentKey: cluster.agentKey, c });
  });
  const loadMs = performance.now() - t0;

  const page = (encoding?: string) => browser.get('/', encoding ? { 'accept-encoding': encoding } : {});
  const poll = (headers: Record<string, string>) => browser.get('/fleet/live', { 'hx-request': 'true', 'accept-encoding': CHROMIUM, ...headers });
  const list = (headers: Record<string, string>) =>
    plane.t.request(`/v1/clusters?limit=${SHOWN}`, { headers: { authorization: `Bearer ${api.token}`, ...headers } });

  // --- First load on the wire: the document and every asset it references, with an empty cache.
  const html = await (await page()).text();
  const assetUrls = [...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))];
  const firstLoad = async (encoding: string | undefined): Promise<{ page: number; assets: number }> => {
    const doc = await onWire(await page(encoding));
    let assets = 0;
    for (const url of assetUrls) assets += (await onWire(await plane.t.request(url, { headers: encoding ? { 'accept-encoding': encoding } : {} }))).bytes;
    return { page: doc.bytes, assets };
  };
  const [loadRaw, loadGzip, loadBr] = [await firstLoad(undefined), await firstLoad('gzip'), await firstLoad(CHROMIUM)];

  // --- Polls: unchanged (the browser sends the tag it holds) and after a third of the shown clusters beat.
  const first = await poll({});
  const firstTag = first.headers.get('etag')!;
  const fragment = await (await browser.get('/fleet/live', { 'hx-request': 'true' })).text();
  const shownIds = new Set([...fragment.matchAll(/<tr id="cluster-([0-9a-f-]{36})"/g)].map((m) => m[1]));
  const shown = enrolled.filter(({ id }) => shownIds.has(id));
  if (shown.length < SHOWN * 0.9) throw new Error(`only ${shown.length} enrolled clusters found on the page`);
  const firstRaw = await onWire(await browser.get('/fleet/live', { 'hx-request': 'true' }));
  const unchanged = await onWire(await poll({ 'if-none-match': firstTag }));
  if (unchanged.body !== 0) throw new Error(`unchanged poll answered ${unchanged.status} with a body of ${unchanged.body} bytes`);
  const busyBytes: number[] = [];
  const busyRaw: number[] = [];
  let tag = firstTag;
  for (let round = 0; round < 6; round++) {
    // 5 s of a fleet beating every 15 s: a third of the shown clusters sent a heartbeat since the last poll.
    for (const { agentKey, c } of shown.filter((_, i) => i % 3 === round % 3)) await beat(agentKey, c, 2 + round);
    const res = await onWire(await poll({ 'if-none-match': tag }));
    busyBytes.push(res.bytes);
    busyRaw.push((await onWire(await browser.get('/fleet/live', { 'hx-request': 'true' }))).bytes);
    tag = res.etag!;
  }
  const listFirst = await onWire(await list({ 'accept-encoding': CHROMIUM }));
  const listRaw = await onWire(await list({}));
  const listUnchanged = await onWire(await list({ 'accept-encoding': CHROMIUM, 'if-none-match': listFirst.etag! }));

  // --- Times: the page as a browser asks for it (br) and uncompressed, the polls (unchanged: 304; changed: the
  // browser holds an older tag), the JSON list and its unchanged 304. Each checks its status.
  const expect =
    (status: number) =>
    async (res: Response | Promise<Response>): Promise<void> => {
      const r = await res;
      if (r.status !== status) throw new Error(`${r.url || 'request'}: ${r.status}, expected ${status}`);
      await r.arrayBuffer();
    };
  const times = await timeInterleaved({
    page_br: () => expect(200)(page(CHROMIUM)),
    page_plain: () => expect(200)(page()),
    poll_unchanged: () => expect(304)(poll({ 'if-none-match': tag })),
    poll_changed: () => expect(200)(poll({ 'if-none-match': firstTag })),
    clusters_json: () => expect(200)(list({ 'accept-encoding': CHROMIUM })),
    clusters_json_unchanged: () => expect(304)(list({ 'accept-encoding': CHROMIUM, 'if-none-match': listFirst.etag! })),
  });
  for (const [key, samples] of Object.entries(times)) report.addCase(key, summarize(samples));

  // --- Report.
  console.log(
    `fleet: ${CLUSTERS} clusters of ${CUSTOMERS.length} customer orgs (${enrolled.length} enrolled with 1–5 nodes and 10–59 pods; ${CLUSTERS - enrolled.length} pending), the page shows ${SHOWN}; created, enrolled and beaten through the API in ${(loadMs / 1000).toFixed(1)} s; ${RUNS} runs per case after ${WARMUP} warm-up`,
  );
  printTable([
    ['on the wire (KB)', 'uncompressed', 'gzip', 'br'],
    ['fleet page', kb(loadRaw.page), kb(loadGzip.page), kb(loadBr.page)],
    [`its ${assetUrls.length} assets`, kb(loadRaw.assets), kb(loadGzip.assets), kb(loadBr.assets)],
    ['first load', kb(loadRaw.page + loadRaw.assets), kb(loadGzip.page + loadGzip.assets), kb(loadBr.page + loadBr.assets)],
  ]);
  printTable([
    ['poll of /fleet/live', 'bytes', 'uncompressed'],
    [`unchanged (${unchanged.status})`, String(unchanged.bytes), String(firstRaw.bytes)],
    ['a third of the shown clusters beat (median of 6)', String(median(busyBytes)), String(median(busyRaw))],
    [`GET /v1/clusters?limit=${SHOWN}`, String(listFirst.bytes), String(listRaw.bytes)],
    [`  unchanged (${listUnchanged.status})`, String(listUnchanged.bytes), ''],
  ]);
  const firstLoadKb = (loadGzip.page + loadGzip.assets) / 1024;
  console.log(
    `goals: first load <= ${FIRST_LOAD_GOAL_KB} KB gzip (${firstLoadKb <= FIRST_LOAD_GOAL_KB ? 'met' : 'MISSED'}), unchanged poll 304 or <= ${UNCHANGED_POLL_GOAL_BYTES} bytes (${unchanged.status === 304 || unchanged.bytes <= UNCHANGED_POLL_GOAL_BYTES ? 'met' : 'MISSED'})`,
  );
  report.finish({
    render_p95_ms: percentile(
      times.page_br.toSorted((a, b) => a - b),
      0.95,
    ).toFixed(1),
    first_load_kb: firstLoadKb.toFixed(1),
    first_load_br_kb: ((loadBr.page + loadBr.assets) / 1024).toFixed(1),
    first_load_raw_kb: ((loadRaw.page + loadRaw.assets) / 1024).toFixed(1),
    page_kb: kb(loadGzip.page),
    page_raw_kb: kb(loadRaw.page),
    unchanged_poll_bytes: unchanged.bytes,
    unchanged_poll_status: unchanged.status,
    busy_poll_bytes: median(busyBytes),
    busy_poll_raw_bytes: median(busyRaw),
  });
} finally {
  await plane.stop();
}
