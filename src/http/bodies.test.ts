// Request bodies cannot grow the server: large bodies are read only from callers who authenticated, a
// gzip body stops at the limit (413), and what all requests inflate at once stays within the replica's
// budget (503 with Retry-After beyond it).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, gzipJson, makeHeartbeat, makePods } from '../testing/heartbeats';
import { AGENT_KEY_HEADER, AGENT_PATHS } from '../contract';
import { ANONYMOUS_BODY_BYTES } from './body-guard';
import { createInflateBudget, readBody } from './body';

type Plane = { t: TestApp; api: Awaited<ReturnType<typeof apiClient>>; cookie: string; agentKey: string; base: string };

/** An app with a signed-in owner, an API token and an enrolled cluster, listening on a real socket. */
async function startPlane(maxBodyBytes: number): Promise<Plane> {
  const t = await startTestApp({ maxBodyBytes, inflateBudgetBytes: 2 * maxBodyBytes, heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Bodies Org', null, { userId: user.id, role: 'owner' });
  const browser = await signIn(t, user);
  const api = await apiClient(t, browser);
  const { agentKey } = await createEnrolledCluster(t, api, { name: 'bodies' });
  // Only over a socket does a request declare its size, and only there can a body be left unread.
  t.app.listen({ port: 0, hostname: '127.0.0.1', maxRequestBodySize: 2 * maxBodyBytes });
  return { t, api, cookie: browser.cookie, agentKey, base: `http://127.0.0.1:${t.app.server!.port}` };
}

async function stopPlane(p: Plane): Promise<void> {
  // Forcibly: refused bodies leave their connections half-read.
  await p.t.app.server?.stop(true);
  await p.t.close();
}

/** A body of `total` bytes of JSON-ish text that counts how much of it the server pulled. */
function countedBody(total: number): { body: ReadableStream<Uint8Array>; pulled(): number } {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => sent };
}

async function post(
  base: string,
  path: string,
  init: { body: BodyInit; headers?: Record<string, string> },
): Promise<{ status: number; code: string; retryAfter: string | null }> {
  const res = await fetch(base + path, { method: 'POST', ...init, duplex: 'half' } as RequestInit);
  const text = await res.text();
  const code = res.headers.get('content-type')?.includes('json') ? ((JSON.parse(text) as { error?: { code: string } }).error?.code ?? '') : '';
  return { status: res.status, code, retryAfter: res.headers.get('retry-after') };
}

describe('large bodies need credentials before they are read', () => {
  // A limit far above the anonymous one, so only the guard stands between a stranger and a 48 MiB read.
  let p: Plane;
  beforeAll(async () => {
    p = await startPlane(64 * 1024 * 1024);
  });
  afterAll(() => stopPlane(p));

  // The socket buffers take a few MiB whatever the server does; reading the body would take all of it.
  const UNREAD = 16 * 1024 * 1024;

  test('an anonymous 64 MiB stream (no declared size) is refused having pulled next to nothing of it', async () => {
    const stream = countedBody(64 * 1024 * 1024);
    const res = await post(p.base, '/v1/tokens', { body: stream.body, headers: { 'content-type': 'application/json' } });
    expect(res).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(stream.pulled()).toBeLessThan(UNREAD);
  });

  test('a declared 48 MiB body (under the limit) from nobody, or from a made-up session, is refused unread', async () => {
    for (const headers of [{}, { cookie: 'niro_session=made-up' }] as Record<string, string>[]) {
      const stream = countedBody(48 * 1024 * 1024);
      const res = await post(p.base, '/v1/tokens', {
        body: stream.body,
        headers: { 'content-type': 'application/json', 'content-length': String(48 * 1024 * 1024), ...headers },
      });
      expect(res).toMatchObject({ status: 413, code: 'payload_too_large' });
      expect(stream.pulled()).toBeLessThan(UNREAD);
    }
  });

  test('small anonymous bodies still reach their route', async () => {
    const res = await post(p.base, '/v1/tokens', { body: JSON.stringify({ name: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(res).toMatchObject({ status: 401 });
  });

  test('authenticated callers may send up to the limit; bad credentials get the 401 their route gives', async () => {
    const name = JSON.stringify({ name: 'x'.repeat(ANONYMOUS_BODY_BYTES * 2) });
    // Read and validated: the name is too long, which only reading the body can tell.
    expect(
      (await post(p.base, '/v1/tokens', { body: name, headers: { 'content-type': 'application/json', authorization: `Bearer ${p.api.token}` } })).status,
    ).toBe(400);
    expect((await post(p.base, '/v1/tokens', { body: name, headers: { 'content-type': 'application/json', cookie: p.cookie } })).status).toBe(400);
    expect(
      await post(p.base, '/v1/tokens', { body: name, headers: { 'content-type': 'application/json', authorization: 'Bearer niro_pat_nope' } }),
    ).toMatchObject({ status: 401 });
    const beat = JSON.stringify(makeHeartbeat({ pods: makePods(400) }));
    expect(beat.length).toBeGreaterThan(ANONYMOUS_BODY_BYTES);
    const agent = (key: string | null) => ({ 'content-type': 'application/json', ...(key ? { [AGENT_KEY_HEADER]: key } : {}) });
    expect((await post(p.base, AGENT_PATHS.heartbeat, { body: beat, headers: agent(p.agentKey) })).status).toBe(200);
    expect(await post(p.base, AGENT_PATHS.heartbeat, { body: beat, headers: agent(`${p.agentKey.slice(0, -4)}AAAA`) })).toMatchObject({
      status: 401,
      code: 'invalid_agent_key',
    });
    expect(await post(p.base, AGENT_PATHS.heartbeat, { body: beat, headers: agent(null) })).toMatchObject({ status: 413, code: 'payload_too_large' });
  });
});

/** `mib` MiB of zeros gzipped as a stream (the plain bytes never exist at once). */
async function gzipZeros(mib: number): Promise<Uint8Array<ArrayBuffer>> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((resolve) => gz.on('end', resolve));
  const zero = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) if (!gz.write(zero)) await new Promise((resolve) => gz.once('drain', resolve));
  gz.end();
  await done;
  return new Uint8Array(Buffer.concat(out));
}

const bombHeaders = (agentKey: string): Record<string, string> => ({
  'content-type': 'application/json',
  'content-encoding': 'gzip',
  [AGENT_KEY_HEADER]: agentKey,
});

/**
 * A heartbeat whose gzip stream has inflated `bytes` and then waits (flushed, unfinished): it holds
 * that much of the budget until `end` is called.
 */
function heldInflation(p: Plane, bytes: number): { response: Promise<Response>; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(new Uint8Array(gzipSync(new Uint8Array(bytes), { finishFlush: constants.Z_SYNC_FLUSH })));
    },
  });
  const response = p.t.request(AGENT_PATHS.heartbeat, { method: 'POST', headers: bombHeaders(p.agentKey), body, duplex: 'half' } as RequestInit);
  return { response, end: () => controller.close() };
}

async function waitUntil(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await Bun.sleep(5);
  if (!cond()) throw new Error(`timed out waiting until ${what}`);
}

describe('decompression is bounded per body and per replica', () => {
  // A 4 MiB limit and the default budget of two such bodies: 8 MiB.
  let p: Plane;
  let bomb: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    p = await startPlane(4 * 1024 * 1024);
    bomb = await gzipZeros(1024);
  });
  afterAll(() => stopPlane(p));
  const sendBomb = (): Promise<Response> => p.t.request(AGENT_PATHS.heartbeat, { method: 'POST', headers: bombHeaders(p.agentKey), body: bomb });

  const drained = (): Promise<void> => waitUntil('the budget has drained', () => p.t.replica.inflating.inUse() === 0);

  test('a heartbeat read in full gives its share back at once; a bomb gets 413 and gives it back within a second', async () => {
    const beat = await p.t.request(AGENT_PATHS.heartbeat, {
      method: 'POST',
      headers: bombHeaders(p.agentKey),
      body: gzipJson(makeHeartbeat({ pods: makePods(100) })),
    });
    expect(beat.status).toBe(200);
    expect(p.t.replica.inflating.inUse()).toBe(0);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const res = await sendBomb();
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('once decompressed');
    expect(p.t.replica.inflating.inUse()).toBeGreaterThan(0);
    await drained();
  });

  test('a body that would pass what others hold gets 503 with Retry-After; once they finish, the same body gets 413', async () => {
    // Two bodies hold 3 MiB each of the 8 MiB budget; a bomb then finds 2 MiB left, under its 4 MiB limit.
    const held = [heldInflation(p, 3 * 1024 * 1024), heldInflation(p, 3 * 1024 * 1024)];
    await waitUntil('both bodies hold their 3 MiB', () => p.t.replica.inflating.inUse() >= 6 * 1024 * 1024);
    const busy = await sendBomb();
    expect(busy.status).toBe(503);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('busy_decompressing');
    for (const h of held) h.end();
    // Cut off before the gzip trailer: malformed.
    for (const h of held) expect((await h.response).status).toBe(400);
    await drained();
    expect((await sendBomb()).status).toBe(413);
    await drained();
  });

  test('with the budget spent, a bomb with a known key is refused at once; a wrong secret still gets its 401; nothing stays held', async () => {
    const inflating = p.t.replica.inflating;
    await drained();
    const beat = await post(p.base, AGENT_PATHS.heartbeat, { body: gzipJson(makeHeartbeat()), headers: bombHeaders(p.agentKey) });
    expect(beat.status).toBe(200);
    // Others hold 7 of the 8 MiB: less is left than the bomb (about 1 MiB on the wire) must find free.
    expect(inflating.take(7 * 1024 * 1024)).toBe(true);
    expect(await post(p.base, AGENT_PATHS.heartbeat, { body: bomb, headers: bombHeaders(p.agentKey) })).toMatchObject({
      status: 503,
      code: 'busy_decompressing',
      retryAfter: '2',
    });
    expect(await post(p.base, AGENT_PATHS.heartbeat, { body: bomb, headers: bombHeaders(`${p.agentKey.slice(0, -4)}AAAA`) })).toMatchObject({
      status: 401,
      code: 'invalid_agent_key',
    });
    expect(inflating.inUse()).toBe(7 * 1024 * 1024);
    inflating.give(7 * 1024 * 1024, 0);
    expect((await post(p.base, AGENT_PATHS.heartbeat, { body: bomb, headers: bombHeaders(p.agentKey) })).status).toBe(413);
    await drained();
  });

  test('concurrent bombs over a socket: each gets 413 or 503 with Retry-After, and nothing stays held', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => post(p.base, AGENT_PATHS.heartbeat, { body: bomb, headers: bombHeaders(p.agentKey) })));
    for (const r of results) {
      expect([413, 503]).toContain(r.status);
      if (r.status === 503) expect(Number(r.retryAfter)).toBeGreaterThan(0);
    }
    await drained();
  });
});

describe('the inflate budget', () => {
  const MIB = 1024 * 1024;

  test('holds at most its size; a body read in full gives back at once, what a failed one inflated over the next second', () => {
    let now = 0;
    const budget = createInflateBudget(8 * MIB, () => now);
    expect(budget.take(6 * MIB)).toBe(true);
    expect(budget.take(3 * MIB)).toBe(false);
    expect(budget.take(2 * MIB)).toBe(true);
    budget.give(6 * MIB, 0);
    expect(budget.inUse()).toBe(2 * MIB);
    // A failed body that reserved 2 MiB and inflated 1.5 of them: half a MiB back now, the rest drains.
    budget.give(2 * MIB, 1.5 * MIB);
    expect(budget.inUse()).toBe(1.5 * MIB);
    expect(budget.take(7 * MIB)).toBe(false);
    now = 125; // an eighth of a second: a MiB has drained
    expect(budget.inUse()).toBe(0.5 * MIB);
    expect(budget.take(7 * MIB)).toBe(true);
    budget.give(7 * MIB, 0);
    now = 1000;
    expect(budget.inUse()).toBe(0);
  });

  test('a gzip body of declared size is read only if 8 bytes per wire byte (up to its limit) are free; refused, it stays unread', async () => {
    const budget = createInflateBudget(8 * MIB);
    // About 512 KiB on the wire: it asks for 8 × that, capped at its 4 MiB limit, before anything reads it.
    const bomb = await gzipZeros(512);
    const declared = (body: Uint8Array<ArrayBuffer>): Request =>
      new Request('http://niro.test/', { method: 'POST', headers: { 'content-encoding': 'gzip', 'content-length': String(body.byteLength) }, body });
    // Others hold 6 MiB: the 2 MiB left are less than the bomb asks for.
    expect(budget.take(6 * MIB)).toBe(true);
    const refused = declared(bomb);
    expect(bomb.byteLength * 8).toBeGreaterThan(2 * MIB);
    expect(await readBody(refused, 4 * MIB, budget)).toMatchObject({ ok: false, status: 503, headers: { 'retry-after': '2', connection: 'close' } });
    expect(refused.bodyUsed).toBe(false);
    expect(budget.inUse()).toBe(6 * MIB);
    // A small body still fits in what is left, and gives its share back once read.
    const beat = gzipJson(makeHeartbeat());
    expect(await readBody(declared(beat), 4 * MIB, budget)).toMatchObject({ ok: true });
    expect(budget.inUse()).toBe(6 * MIB);
    // Once the others are done, the bomb is read and gets its 413.
    budget.give(6 * MIB, 0);
    expect(await readBody(declared(bomb), 4 * MIB, budget)).toMatchObject({ ok: false, status: 413 });
  });

  test('a gzip body refused before it inflated anything leaves nothing behind', async () => {
    const budget = createInflateBudget(8 * MIB);
    const garbage = new Request('http://niro.test/', { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: 'not gzip at all' });
    expect(await readBody(garbage, MIB, budget)).toMatchObject({ ok: false, status: 400 });
    expect(budget.inUse()).toBe(0);
  });
});
