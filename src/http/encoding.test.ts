// The wire: pages, fragments and JSON go br or gzip as the client accepts (small bodies and streams as they are),
// static assets pre-compressed, and an unchanged GET — a fleet poll, a JSON list — is answered 304 by its ETag.
import { afterAll, beforeAll, describe, expect, setSystemTime, test } from 'bun:test';
import { Elysia } from 'elysia';
import { html } from '@elysiajs/html';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import { MIN_COMPRESS_BYTES, matchesIfNoneMatch, negotiateCoding, responseEncoding } from './encoding';
import { assetUrl } from './assets';

const CHROMIUM = 'gzip, deflate, br, zstd';

function decode(res: Response, bytes: Uint8Array): string {
  const coding = res.headers.get('content-encoding');
  const plain = coding === 'br' ? brotliDecompressSync(bytes) : coding === 'gzip' ? gunzipSync(bytes) : bytes;
  return new TextDecoder().decode(plain);
}

async function waitFor<T>(read: () => T | undefined, ms: number): Promise<T | undefined> {
  const until = performance.now() + ms; // not Date: a test moves the system clock
  let v = read();
  while (v === undefined && performance.now() < until) {
    await Bun.sleep(10);
    v = read();
  }
  return v;
}

/** The bytes as they went on the wire: Response.arrayBuffer() here does not undo a content coding. */
async function wire(res: Response): Promise<{ bytes: Uint8Array; text: string }> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { bytes, text: decode(res, bytes) };
}

describe('negotiation', () => {
  test.each([
    [CHROMIUM, 'br'],
    ['gzip', 'gzip'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['BR', 'br'],
    ['*', 'br'],
    ['*;q=0', 'identity'],
    ['identity', 'identity'],
    ['deflate, zstd', 'identity'],
    ['', 'identity'],
  ])('Accept-Encoding %p → %p', (header, coding) => {
    expect(negotiateCoding(header)).toBe(coding as ReturnType<typeof negotiateCoding>);
  });

  test('If-None-Match names a body in any of its codings, weak or strong, or as *', () => {
    expect(matchesIfNoneMatch('"abc"', 'abc')).toBe(true);
    expect(matchesIfNoneMatch('"abc-br"', 'abc')).toBe(true);
    expect(matchesIfNoneMatch('W/"abc-gzip"', 'abc')).toBe(true);
    expect(matchesIfNoneMatch('"x", "abc"', 'abc')).toBe(true);
    expect(matchesIfNoneMatch('*', 'abc')).toBe(true);
    expect(matchesIfNoneMatch('"abcd"', 'abc')).toBe(false);
    expect(matchesIfNoneMatch('abc', 'abc')).toBe(false);
    expect(matchesIfNoneMatch(null, 'abc')).toBe(false);
  });
});

describe('responses a handler builds itself pass as they are', () => {
  const app = new Elysia()
    .use(responseEncoding())
    .use(html())
    .get(
      '/events',
      () =>
        new Response(`data: ${'x'.repeat(4000)}\n\n`, {
          headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' },
        }),
    )
    .get('/page', () => `<p>${'y'.repeat(4000)}</p>`);

  test('an event stream is neither compressed nor tagged', async () => {
    const res = await app.handle(new Request('http://localhost/events', { headers: { 'accept-encoding': CHROMIUM } }));
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    expect((await res.text()).length).toBe(4008);
  });

  test('while JSX beside it is', async () => {
    const res = await app.handle(new Request('http://localhost/page', { headers: { 'accept-encoding': CHROMIUM } }));
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await wire(res)).text).toBe(`<p>${'y'.repeat(4000)}</p>`);
  });
});

describe('through the app', () => {
  let t: TestApp;
  let browser: Browser;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let agentKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Wire Org', null, { userId: user.id, role: 'owner' });
    browser = await signIn(t, user);
    api = await apiClient(t, browser);
    for (let i = 0; i < 12; i++) {
      const c = await createEnrolledCluster(t, api, { name: `wire-${String(i).padStart(2, '0')}` });
      expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(5) }))).status).toBe(200);
      agentKey = c.agentKey;
    }
  });
  afterAll(async () => {
    setSystemTime();
    await t.close();
  });

  test('a page goes br to a browser, gzip to a client that only takes gzip, plain to one that names neither', async () => {
    const br = await browser.get('/', { 'accept-encoding': CHROMIUM });
    const gz = await browser.get('/', { 'accept-encoding': 'gzip' });
    const plain = await browser.get('/');
    expect([br.status, gz.status, plain.status]).toEqual([200, 200, 200]);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(plain.headers.get('content-encoding')).toBeNull();
    for (const res of [br, gz, plain]) expect(res.headers.get('vary')).toBe('Accept-Encoding, HX-Request');
    const [b, g, p] = [await wire(br), await wire(gz), await wire(plain)];
    expect(p.text.startsWith('<!doctype html><html')).toBe(true);
    expect(b.text).toBe(p.text);
    expect(g.text).toBe(p.text);
    expect(b.bytes.length).toBeLessThan(p.bytes.length / 3);
    // Each coding is its own representation: its own strong tag, on the same body hash.
    const tags = [br, gz, plain].map((r) => r.headers.get('etag')!);
    expect(tags[0]).toMatch(/^"[\w-]{22}-br"$/);
    expect(tags[1]).toBe(tags[0].replace('-br"', '-gzip"'));
    expect(tags[2]).toBe(tags[0].replace('-br"', '"'));
  });

  test('JSON goes compressed too; a body under the threshold goes as it is', async () => {
    const list = await api.call('GET', '/v1/clusters?limit=12');
    expect(list.headers.get('content-encoding')).toBeNull(); // the test client names no coding
    const listed = await t.request('/v1/clusters?limit=12', { headers: { authorization: `Bearer ${api.token}`, 'accept-encoding': 'gzip' } });
    expect(listed.headers.get('content-encoding')).toBe('gzip');
    expect(listed.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse((await wire(listed)).text)).toEqual(await list.json());

    const me = await t.request('/v1/me', { headers: { authorization: `Bearer ${api.token}`, 'accept-encoding': CHROMIUM } });
    const small = await wire(me);
    expect(small.bytes.length).toBeLessThan(MIN_COMPRESS_BYTES);
    expect(me.headers.get('content-encoding')).toBeNull();
    expect(JSON.parse(small.text).authenticatedBy).toBe('token');
  });

  test('an unchanged poll is the same bytes whatever the clock says, and is answered 304 with its tag', async () => {
    const poll = (headers: Record<string, string> = {}) => browser.get('/fleet/live', { 'hx-request': 'true', 'accept-encoding': CHROMIUM, ...headers });
    const first = await poll();
    const tag = first.headers.get('etag')!;
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const firstText = (await wire(first)).text;

    // Ten minutes later by the server's clock, nothing changed in the fleet: "12 s ago" would now read "10 min ago".
    setSystemTime(new Date(Date.now() + 10 * 60_000));
    const again = await poll();
    expect(again.headers.get('etag')).toBe(tag);
    expect((await wire(again)).text).toBe(firstText);

    const logged = t.logs.length;
    const notModified = await poll({ 'if-none-match': tag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(tag);
    expect(notModified.headers.get('content-encoding')).toBeNull();
    expect((await notModified.arrayBuffer()).byteLength).toBe(0);
    // The access log (written once the response has gone) says what the client got.
    const line = await waitFor(() => t.logs.slice(logged).find((l) => l.includes('"/fleet/live"') && l.includes('"status":304')), 2000);
    expect(line).toBeDefined();
    setSystemTime();

    // A heartbeat changes the row: a new tag, a whole answer.
    expect((await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: makePods(6) }))).status).toBe(200);
    const changed = await poll({ 'if-none-match': tag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    expect((await wire(changed)).text).toContain('6/6 running');
  });

  test('a JSON list is answered 304 when unchanged, and a write makes it 200 again', async () => {
    const get = (headers: Record<string, string> = {}) => t.request('/v1/clusters?limit=50', { headers: { authorization: `Bearer ${api.token}`, ...headers } });
    const first = await get();
    const tag = first.headers.get('etag')!;
    expect(tag).toMatch(/^"[\w-]{22}"$/);
    const again = await get({ 'if-none-match': tag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // A tag of another coding of the same body counts: the body did not change.
    expect((await get({ 'if-none-match': tag.replace(/"$/, '-gzip"') })).status).toBe(304);

    const created = await api.call('POST', '/v1/clusters', { name: 'wire-new', environment: 'dev' });
    expect(created.status).toBe(201);
    const after = await get({ 'if-none-match': tag });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { clusters: { name: string }[] }).clusters.map((c) => c.name)).toContain('wire-new');
  });

  test('only a GET that succeeded is tagged: a write and an error are not', async () => {
    const created = await api.call('POST', '/v1/clusters', { name: 'wire-untagged', environment: 'dev' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBeNull();
    const missing = await api.call('GET', '/v1/clusters/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
  });

  test('static assets are compressed once at start and served in the coding asked for', async () => {
    const url = assetUrl('htmx.js');
    const plain = await t.request(url);
    const br = await t.request(url, { headers: { 'accept-encoding': CHROMIUM } });
    const gz = await t.request(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    for (const res of [plain, br, gz]) {
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    const [p, b, g] = [await wire(plain), await wire(br), await wire(gz)];
    expect(b.text).toBe(p.text);
    expect(g.text).toBe(p.text);
    expect(b.bytes.length).toBeLessThan(g.bytes.length);
    expect(g.bytes.length).toBeLessThan(p.bytes.length / 2);
  });
});
