// Log streams through the real app on real Postgres with a scripted agent on the real WebSocket: open → start-log → lines over SSE (seq ids, resume, hostile text as one line each) → DELETE/close → stop; not-enabled 403, container choice, caps, throttling, idle and detach timeouts, concurrency limits, socket auth, audit without contents.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { apiClient, existingStreamHub, makeOrg, makeUser, signIn, startTestApp, testConfig, type TestApp } from '../testing/app';
import { listen } from '../testing/browser';
import { checkSequence, linesOf, openSse, type SseClient } from '../testing/sse';
import { connectAgent, type ScriptedAgent } from '../testing/stream-agent';
import type { Capabilities, PodDetail, StartLogFrame } from '../contract';
import type { StreamLimits } from '../config';
import { SEAM_NOTE } from './owner';
import { waitUntil } from '../../agent/testing/agent-process';

const LOGS_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'SelfSubjectAccessReview get pods/log' } };

type Api = Awaited<ReturnType<typeof apiClient>>;
type Env = { t: TestApp; base: string; api: Api; orgId: string; clusterId: string; agentKey: string; agent: ScriptedAgent; auth: Record<string, string> };

/** A pod with one app container, and one with init + app + sidecar containers. */
function pods(): PodDetail[] {
  const single = makePod(1, { namespace: 'shop', name: 'web-1', containers: ['web'] });
  single.containerDetails = [{ ...single.containerDetails[0], name: 'web' }];
  const multi = makePod(2, { namespace: 'shop', name: 'api-1', containers: ['api'] });
  const base = multi.containerDetails[0];
  multi.containerDetails = [
    { ...base, name: 'migrate', kind: 'init', state: 'terminated', stateReason: 'Completed' },
    { ...base, name: 'api' },
    { ...base, name: 'mesh', kind: 'sidecar' },
  ];
  return [single, multi];
}

async function setup(streams: Partial<StreamLimits> = {}, capabilities: Capabilities = LOGS_ON): Promise<Env> {
  const t = await startTestApp({ streams: { ...testConfig().streams, ...streams } });
  const base = listen(t);
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, `Logs ${Math.random().toString(36).slice(2, 6)}`, null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  const { clusterId, agentKey } = await createEnrolledCluster(t, api, { name: 'edge', orgId: org.id });
  const beat = await sendHeartbeat(t, agentKey, makeHeartbeat({ pods: pods(), capabilities }));
  expect(beat.status).toBe(200);
  const agent = await connectAgent(base, agentKey);
  return { t, base, api, orgId: org.id, clusterId, agentKey, agent, auth: { authorization: `Bearer ${api.token}` } };
}

async function teardown(env: Env | undefined): Promise<void> {
  if (!env) return;
  env.agent.close();
  env.t.app.server?.stop(true);
  await env.t.close();
}

async function open(
  env: Env,
  body: Record<string, unknown>,
  pod = 'web-1',
): Promise<{ status: number; json: Record<string, unknown> & { streamId: string; error?: { code: string; message: string } } }> {
  const res = await env.api.call('POST', `/v1/clusters/${env.clusterId}/pods/shop/${pod}/logs`, body);
  return { status: res.status, json: (await res.json()) as never };
}

function sse(env: Env, streamId: string, lastEventId?: string | null): Promise<SseClient> {
  return openSse(`${env.base}/v1/streams/${streamId}`, { headers: env.auth, lastEventId });
}

async function startFrame(env: Env, streamId: string): Promise<StartLogFrame> {
  return env.agent.waitFor(() => env.agent.starts().find((f) => f.streamId === streamId), 3000, `start-log for ${streamId}`);
}

async function row(
  env: Env,
  streamId: string,
): Promise<{ ended_at: Date | null; end_reason: string | null; lines: number; bytes: number; dropped_lines: number }> {
  const [r] = await queryRows<{ ended_at: Date | null; end_reason: string | null; lines: number; bytes: number; dropped_lines: number }>(
    env.t.db,
    sql`select ended_at, end_reason, lines::int, bytes::int, dropped_lines::int from log_streams where id = ${streamId}`,
  );
  return r;
}

describe('one container, one replica', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup({ detachSeconds: 2, perCluster: 50, perOrg: 50 });
  });
  afterAll(() => teardown(env));

  test('open → start-log with the options; lines arrive as numbered SSE events; DELETE → stop frame, end event, audited without contents', async () => {
    const { status, json } = await open(env, { tailLines: 50, timestamps: true, filter: { pattern: 'ERR', regex: false } });
    expect(status).toBe(201);
    expect(json.container).toBe('web');
    const start = await startFrame(env, json.streamId);
    expect(start).toMatchObject({
      type: 'start-log',
      namespace: 'shop',
      pod: 'web-1',
      container: 'web',
      follow: true,
      tailLines: 50,
      timestamps: true,
      previous: false,
      filter: { pattern: 'ERR', regex: false },
    });

    const viewer = await sse(env, json.streamId);
    expect(viewer.status).toBe(200);
    env.agent.lines(json.streamId, ['ERR one', 'ERR two']);
    env.agent.lines(json.streamId, ['ERR three']);
    await viewer.waitFor(() => linesOf(viewer).length === 3, 3000, 'three lines');
    expect(linesOf(viewer)).toEqual(['ERR one', 'ERR two', 'ERR three']);
    expect(viewer.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(viewer.lastEventId).toBe('3');
    expect(viewer.events.find((e) => e.event === 'state')?.data).toBe('{"state":"live"}');

    const del = await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
    expect(del.status).toBe(200);
    expect(((await del.json()) as { endReason: string }).endReason).toMatch(/^stopped by /);
    await env.agent.waitFor(() => env.agent.received.some((f) => f.type === 'stop' && f.streamId === json.streamId), 3000, 'stop frame');
    await viewer.waitFor(() => viewer.entries.some((e) => typeof e.item === 'object' && 'end' in e.item), 3000, 'end event');
    await viewer.closed;
    const r = await row(env, json.streamId);
    expect(r).toMatchObject({ lines: 3, end_reason: expect.stringMatching(/^stopped by /) });
    expect(r.ended_at).not.toBeNull();

    const audit = await queryRows<{ action: string; details: Record<string, unknown> }>(
      env.t.db,
      sql`select action, details from audit_events where target = ${json.streamId} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['logs.start', 'logs.stop']);
    expect(audit[0].details).toMatchObject({
      clusterId: env.clusterId,
      namespace: 'shop',
      pod: 'web-1',
      container: 'web',
      options: { follow: true, tailLines: 50, timestamps: true },
    });
    expect(audit[1].details).toMatchObject({ lines: 3, bytes: 'ERR one\nERR two\nERR three\n'.length, reason: expect.stringMatching(/^stopped by /) });
    expect(JSON.stringify(audit)).not.toContain('ERR one');
  });

  test('a reconnect with Last-Event-ID resumes after that seq: no gap, no duplicate', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const first = await sse(env, json.streamId);
    env.agent.lines(json.streamId, ['a', 'b', 'c']);
    await first.waitFor(() => linesOf(first).length === 3, 3000, 'first lines');
    first.close();
    env.agent.lines(json.streamId, ['d', 'e']);
    const second = await sse(env, json.streamId, first.lastEventId);
    env.agent.lines(json.streamId, ['f']);
    await second.waitFor(() => linesOf(second).length === 3, 3000, 'resumed lines');
    expect(linesOf(second)).toEqual(['d', 'e', 'f']);
    const all = [...first.entries, ...second.entries];
    expect(checkSequence(all)).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 0 });
    second.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
  });

  test('hostile lines arrive as exactly one line each, as text', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    const hostile = [
      '<img src=x onerror=alert(1)><script>alert(2)</script>',
      'carriage\rreturn',
      'fake\u2028separator and "quotes"',
      'id: 999',
      'event: end',
      ': a comment',
      'nul\u0000byte',
      '\u001b[31mred\u001b[0m \u001b[1;32mbold green\u001b[0m',
      '<div hx-get="/v1/streams" hx-trigger="load">htmx</div> <a href="javascript:alert(3)">x</a>',
    ];
    // A line holding the SSE frame separator: the agent splits on "\n", so it is two log lines at the source.
    env.agent.send({ type: 'data', streamId: json.streamId, seq: 1, data: hostile.map((l) => l + '\n').join('') });
    env.agent.send({ type: 'data', streamId: json.streamId, seq: 2, data: 'before\\n\\ndata: {"seq":1,"items":["forged"]}\n' });
    const huge = 'x'.repeat(1024 * 1024);
    env.agent.send({ type: 'data', streamId: json.streamId, seq: 3, data: huge + '\n' });
    await viewer.waitFor(() => linesOf(viewer).length === hostile.length + 2, 5000, 'every hostile line');
    const lines = linesOf(viewer);
    expect(lines.slice(0, hostile.length)).toEqual(hostile);
    expect(lines[hostile.length]).toBe('before\\n\\ndata: {"seq":1,"items":["forged"]}');
    const big = lines[hostile.length + 1];
    expect(big.startsWith('x'.repeat(1000))).toBe(true);
    expect(big).toMatch(/ … \[line truncated: \d+ more characters\]$/);
    expect(big.length).toBeLessThan(testConfig().streams.maxLineChars + 100);
    expect(checkSequence(viewer.entries).silentGaps).toEqual([]);
    viewer.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
  });

  test('a Kubernetes request the agent had to re-open (container restart) shows as a seam between the lines', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    env.agent.lines(json.streamId, ['before the restart']);
    env.agent.send({ type: 'data', streamId: json.streamId, seq: 2, data: '', seam: '2026-06-12T10:00:05Z' });
    env.agent.send({ type: 'data', streamId: json.streamId, seq: 3, data: 'after the restart\n' });
    await viewer.waitFor(() => linesOf(viewer).length === 2, 3000, 'both lines');
    expect(viewer.entries.map((e) => e.item)).toEqual([
      'before the restart',
      {
        note: 'log re-opened from 2026-06-12T10:00:05Z: the container restarted or the connection dropped; lines around this point may be missing or repeated',
      },
      'after the restart',
    ]);
    viewer.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
  });

  test('curl users can read plain text', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const res = await fetch(`${env.base}/v1/streams/${json.streamId}?format=text`, { headers: env.auth });
    expect(res.headers.get('content-type')).toContain('text/plain');
    env.agent.lines(json.streamId, ['plain one', 'plain two'], { eof: true });
    const text = await res.text();
    expect(text).toContain('plain one\nplain two\n');
    expect(text).toContain('# niro: stream ended: the log ended');
  });

  test('curl -N never gets terminal control characters from a log line unless it asks for raw bytes', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const url = `${env.base}/v1/streams/${json.streamId}?format=text`;
    const shown = await fetch(url, { headers: env.auth });
    const raw = await fetch(`${url}&raw=1`, { headers: env.auth });
    const hostile = [
      '\u001b[31mred\u001b[0m',
      '\u001b]0;retitled\u0007window',
      'progress 10%\rprogress 100%',
      'nul\u0000byte',
      'tab\tstays',
      'c1 csi \u009b2J',
      'del\u007f',
      'unicode ✓ é 😀',
    ];
    // The end reason quotes the cluster (a Kubernetes error): never raw.
    env.agent.lines(json.streamId, hostile, { eof: true, err: 'kubelet said \u001b[2J' });
    const end = '# niro: stream ended: kubelet said ␛[2J\n';
    expect(await shown.text()).toBe(
      [
        '# niro: log stream',
        '␛[31mred␛[0m',
        '␛]0;retitled␇window',
        'progress 10%␍progress 100%',
        'nul␀byte',
        'tab\tstays',
        'c1 csi \ufffd2J',
        'del␡',
        'unicode ✓ é 😀',
        '',
      ].join('\n') + end,
    );
    expect(await raw.text()).toBe(['# niro: log stream', ...hostile, ''].join('\n') + end);
    const refused = await fetch(`${url}&raw=yes`, { headers: env.auth });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(await refused.text()).toContain('raw');
  });

  test('closing the viewer (no SSE anywhere) stops the agent-side request after the detach grace', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    env.agent.lines(json.streamId, ['x']);
    await viewer.waitFor(() => linesOf(viewer).length === 1, 3000, 'a line');
    viewer.close();
    await env.agent.waitFor(() => env.agent.received.some((f) => f.type === 'stop' && f.streamId === json.streamId), 6000, 'stop after detach');
    // The agent is told first (its Kubernetes request ends at once); the row records the end just after.
    const ended = await waitUntil(async () => (await row(env, json.streamId)).end_reason, 3000, 'the end recorded');
    expect(ended).toBe('nobody watching for 2 s');
  });

  test('the container: auto-selected when the pod has one app container; init and sidecar containers by name; unknown ones refused', async () => {
    const auto = await open(env, {}, 'api-1');
    expect(auto.status).toBe(201);
    expect(auto.json.container).toBe('api');
    for (const name of ['migrate', 'mesh']) {
      const named = await open(env, { container: name }, 'api-1');
      expect(named.status).toBe(201);
      expect((await startFrame(env, named.json.streamId)).container).toBe(name);
      await env.api.call('DELETE', `/v1/streams/${named.json.streamId}`);
    }
    const unknown = await open(env, { container: 'nope' }, 'api-1');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error!.message).toContain('migrate, api, mesh');
    const badRegex = await open(env, { filter: { pattern: '([', regex: true } });
    expect(badRegex.status).toBe(400);
    expect(badRegex.json.error!.message).toContain('filter.pattern');
    // A pattern that could take exponential time in the agent is refused before anything reaches it.
    const redos = await open(env, { filter: { pattern: '(a+)+$', regex: true } });
    expect(redos.status).toBe(400);
    expect(redos.json.error!.message).toContain('nested repetition');
    const extra = await open(env, { container: 'web', evil: 1 });
    expect(extra.status).toBe(400);
    await env.api.call('DELETE', `/v1/streams/${auto.json.streamId}`);
  });

  test('GET reads, never starts: a stream of another org is a 404, and an ended stream answers its end', async () => {
    const other = await makeUser(env.t.db);
    await makeOrg(env.t.db, 'Elsewhere', null, { userId: other.id, role: 'owner' });
    const otherApi = await apiClient(env.t, await signIn(env.t, other));
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const starts = env.agent.starts().length;
    const foreign = await fetch(`${env.base}/v1/streams/${json.streamId}`, { headers: { authorization: `Bearer ${otherApi.token}` } });
    expect(foreign.status).toBe(404);
    expect((await otherApi.call('DELETE', `/v1/streams/${json.streamId}`)).status).toBe(404);
    expect((await otherApi.call('POST', `/v1/clusters/${env.clusterId}/pods/shop/web-1/logs`, {})).status).toBe(404);
    expect((await fetch(`${env.base}/v1/streams/not-a-uuid`, { headers: env.auth })).status).toBe(404);
    expect((await fetch(`${env.base}/v1/streams/${json.streamId}`)).status).toBe(401);
    const reader = await sse(env, json.streamId);
    await reader.waitFor(() => reader.events.some((e) => e.event === 'state'), 3000, 'state');
    expect(env.agent.starts().length).toBe(starts);
    reader.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
    const after = await sse(env, json.streamId);
    await after.closed;
    expect(after.entries.at(-1)!.item).toEqual({ end: expect.stringMatching(/^stopped by /) });
    expect(env.agent.starts().length).toBe(starts);
  });

  test('the agent socket takes only an agent key: no key, a user token, a browser cookie or a foreign Origin are refused', async () => {
    await expect(connectAgent(env.base, null)).rejects.toThrow();
    await expect(connectAgent(env.base, null, { authorization: `Bearer ${env.api.token}` })).rejects.toThrow();
    await expect(connectAgent(env.base, env.agentKey, { cookie: 'niro_session=abc' })).rejects.toThrow();
    await expect(connectAgent(env.base, env.agentKey, { origin: 'https://evil.example' })).rejects.toThrow();
    await expect(connectAgent(env.base, 'niro_agent_bogus_key')).rejects.toThrow();
    const refused = await fetch(`${env.base}/v1/agent/stream`, {
      headers: {
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        cookie: 'niro_session=abc',
      },
    });
    expect(refused.status).toBe(401);
    // The agent's own pings are answered.
    env.agent.send({ type: 'ping', ts: 42 });
    await env.agent.waitFor(() => env.agent.received.some((f) => f.type === 'pong' && f.ts === 42), 2000, 'pong');
  });

  test('an agent that reconnects resumes its streams exactly after the last delivered line, with no seam to show', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    env.agent.lines(json.streamId, ['before'], { lastTimestamp: '2026-06-12T10:00:05.123456789Z', lastTimestampLines: 2 });
    await viewer.waitFor(() => linesOf(viewer).length === 1, 3000, 'first line');
    env.agent.close();
    await env.agent.closed;
    await viewer.waitFor(() => viewer.events.some((e) => e.event === 'state' && e.data.includes('waiting')), 3000, 'waiting state');
    env.agent = await connectAgent(env.base, env.agentKey);
    const resumed = await startFrame(env, json.streamId);
    expect([resumed.resumeAfter, resumed.resumeAfterLines]).toEqual(['2026-06-12T10:00:05.123456789Z', 2]);
    env.agent.lines(json.streamId, ['after']);
    await viewer.waitFor(() => linesOf(viewer).length === 2, 3000, 'line after the reconnect');
    expect(viewer.entries.map((e) => e.item)).toEqual(['before', 'after']);
    expect(checkSequence(viewer.entries)).toEqual({ duplicates: [], silentGaps: [], announcedGaps: 0 });
    viewer.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
  });

  test('lines delivered without a timestamp: the resumed stream starts over and the viewer is shown the seam', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    env.agent.lines(json.streamId, ['before']);
    await viewer.waitFor(() => linesOf(viewer).length === 1, 3000, 'first line');
    env.agent.close();
    await env.agent.closed;
    env.agent = await connectAgent(env.base, env.agentKey);
    const resumed = await startFrame(env, json.streamId);
    expect(resumed.resumeAfter).toBeUndefined();
    env.agent.lines(json.streamId, ['after']);
    await viewer.waitFor(() => linesOf(viewer).length === 2, 3000, 'line after the seam');
    expect(viewer.entries.map((e) => e.item)).toEqual(['before', { note: SEAM_NOTE }, 'after']);
    viewer.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
  });
});

describe('throttling and concurrency', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup({ perCluster: 2, perOrg: 3, linesPerSecond: 5, detachSeconds: 60 });
  });
  afterAll(() => teardown(env));

  test('above the lines-per-second budget lines are dropped and the viewer is told how many', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    // The bucket holds two seconds' worth (10): 15 at once → 10 delivered, 5 dropped, then a line later is preceded by the note.
    env.agent.lines(
      json.streamId,
      Array.from({ length: 15 }, (_, i) => `burst ${i}`),
    );
    await viewer.waitFor(() => viewer.entries.some((e) => typeof e.item === 'object' && 'note' in e.item), 4000, 'throttled note');
    expect(linesOf(viewer).length).toBe(10);
    expect(viewer.entries.find((e) => typeof e.item === 'object' && 'note' in e.item)!.item).toEqual({ note: 'stream throttled: 5 lines dropped' });
    // The agent's own drops (its socket was backed up) are reported the same way.
    env.agent.lines(json.streamId, ['after'], { droppedLines: 7 });
    await viewer.waitFor(
      () => viewer.entries.some((e) => typeof e.item === 'object' && 'note' in e.item && e.item.note.includes('7 lines')),
      4000,
      'agent drops reported',
    );
    expect(checkSequence(viewer.entries).silentGaps).toEqual([]);
    viewer.close();
    await env.api.call('DELETE', `/v1/streams/${json.streamId}`);
    expect((await row(env, json.streamId)).dropped_lines).toBe(12);
  });

  test('per-cluster and per-org caps refuse new streams with 429 until one ends', async () => {
    const a = await open(env, {});
    const b = await open(env, {});
    expect([a.status, b.status]).toEqual([201, 201]);
    const c = await open(env, {});
    expect(c.status).toBe(429);
    expect(c.json.error!.message).toContain('at most 2');
    // Another cluster of the same org: the org cap (3) still has one slot.
    const second = await createEnrolledCluster(env.t, env.api, { name: 'edge-2', orgId: env.orgId });
    await sendHeartbeat(env.t, second.agentKey, makeHeartbeat({ pods: pods(), capabilities: LOGS_ON }));
    const d = await env.api.call('POST', `/v1/clusters/${second.clusterId}/pods/shop/web-1/logs`, {});
    expect(d.status).toBe(201);
    const e = await env.api.call('POST', `/v1/clusters/${second.clusterId}/pods/shop/web-1/logs`, {});
    expect(e.status).toBe(429);
    expect(((await e.json()) as { error: { message: string } }).error.message).toContain('organization');
    await env.api.call('DELETE', `/v1/streams/${a.json.streamId}`);
    expect((await open(env, {})).status).toBe(201);
  });
});

describe('caps and idle timeout', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup({ maxLines: 20, maxBytes: 4096, idleSeconds: 2, detachSeconds: 60 });
  });
  afterAll(() => teardown(env));

  test('a stream ends at its line cap and at its byte cap, and the viewer is told why', async () => {
    const byLines = await open(env, {});
    await startFrame(env, byLines.json.streamId);
    const viewer = await sse(env, byLines.json.streamId);
    for (let i = 0; i < 4; i++)
      env.agent.lines(
        byLines.json.streamId,
        Array.from({ length: 6 }, (_, j) => `l${i}-${j}`),
      );
    await viewer.waitFor(() => viewer.entries.find((e) => typeof e.item === 'object' && 'end' in e.item), 8000, 'end at the line cap');
    expect(viewer.entries.at(-1)!.item).toEqual({ end: 'line cap reached (20 lines per stream)' });
    expect(linesOf(viewer).length).toBe(20);
    await env.agent.waitFor(() => env.agent.received.some((f) => f.type === 'stop' && f.streamId === byLines.json.streamId), 3000, 'stop at cap');

    const byBytes = await open(env, {});
    await startFrame(env, byBytes.json.streamId);
    const viewer2 = await sse(env, byBytes.json.streamId);
    env.agent.lines(byBytes.json.streamId, ['y'.repeat(3000), 'z'.repeat(3000)]);
    await viewer2.waitFor(() => viewer2.entries.find((e) => typeof e.item === 'object' && 'end' in e.item), 4000, 'end at the byte cap');
    expect(viewer2.entries.at(-1)!.item).toEqual({ end: 'byte cap reached (4 KiB per stream)' });
  });

  test('a stream with no output for the idle timeout ends', async () => {
    const { json } = await open(env, {});
    await startFrame(env, json.streamId);
    const viewer = await sse(env, json.streamId);
    await viewer.waitFor(() => viewer.entries.find((e) => typeof e.item === 'object' && 'end' in e.item), 6000, 'idle end');
    expect(viewer.entries.at(-1)!.item).toEqual({ end: 'idle: no output for 2 s' });
    await env.agent.waitFor(() => env.agent.received.some((f) => f.type === 'stop' && f.streamId === json.streamId), 3000, 'stop at idle');
  });
});

describe('not enabled', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup({}, ALL_CAPABILITIES_OFF);
  });
  afterAll(() => teardown(env));

  test('a cluster without the logs capability: 403 with the enablement command, nothing queued, no row', async () => {
    const { status, json } = await open(env, {});
    expect(status).toBe(403);
    expect(json.error!.code).toBe('logs_not_enabled');
    expect(json.error!.message).toContain('Log streaming not enabled for this cluster');
    expect(json.error!.message).toContain('curl -fsSL http://niro.test/install.sh | NIRO_ENABLE_LOGS=1 sh');
    // Frames arrive in order: once the pong is here, a start-log sent before it would be too.
    env.agent.send({ type: 'ping', ts: 7 });
    await env.agent.waitFor(() => env.agent.received.some((f) => f.type === 'pong' && f.ts === 7), 2000, 'pong');
    expect(env.agent.starts()).toEqual([]);
    const [{ n }] = await queryRows<{ n: number }>(env.t.db, sql`select count(*)::int as n from log_streams`);
    expect(n).toBe(0);
  });
});

describe('a deleted cluster', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(() => teardown(env));

  test('its agent loses the stream socket at once, and reconnecting is refused', async () => {
    await existingStreamHub(env.t.bus)!.ready(); // the replica listens (it starts to when its first agent connects)
    expect((await env.api.call('DELETE', `/v1/clusters/${env.clusterId}`)).status).toBe(200);
    const closed = await Promise.race([env.agent.closed, Bun.sleep(3000).then(() => null)]);
    expect(closed).toEqual({ code: 4401, reason: 'cluster deleted' });
    await expect(connectAgent(env.base, env.agentKey)).rejects.toThrow();
  });
});
