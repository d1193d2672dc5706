// Checks the control-plane client over real HTTP: paths, the key header, the gzipped heartbeat body,
// and how each status maps to what the loops do (401, 413, 429 + Retry-After, 5xx, off-contract answers).
import { afterAll, describe, expect, test } from 'bun:test';
import { AGENT_KEY_HEADER, type HeartbeatV2 } from '../src/contract/index.ts';
import { createNiroClient } from './niro-client.ts';

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
}

const seen: Seen[] = [];
let respond: (request: Request) => Response = () => Response.json({});
const server = Bun.serve({
  port: 0,
  async fetch(request) {
    seen.push({ method: request.method, path: new URL(request.url).pathname, headers: request.headers, body: new Uint8Array(await request.arrayBuffer()) });
    return respond(request);
  },
});
afterAll(() => server.stop(true));

const client = createNiroClient(`http://127.0.0.1:${server.port}`, { agentVersion: '0.4.0' });
const signal = new AbortController().signal;

const heartbeat: HeartbeatV2 = {
  agentVersion: '0.4.0',
  protocol: 2,
  k8sVersion: 'v1.31.4+k3s1',
  distribution: 'k3s',
  platform: 'linux/amd64',
  nodes: [],
  counts: { pods: 0, podsRunning: 0, podsFailed: 0, namespaces: 0 },
  pods: [],
  podsTruncated: false,
  podsTotal: 0,
  events: [],
  capabilities: {
    pods: { enabled: true, detectedBy: 'x' },
    logs: { enabled: false, detectedBy: 'x' },
    apply: { enabled: false, detectedBy: 'x' },
    selfUpdate: { enabled: false, detectedBy: 'x' },
    podMetrics: { enabled: false, detectedBy: 'x' },
  },
};

describe('heartbeat', () => {
  test('POSTs gzipped JSON with the key header and parses the answer', async () => {
    seen.length = 0;
    respond = () => Response.json({ nextIntervalSeconds: 20, commandsPending: true, serverTime: '2026-06-12T10:00:00Z' });
    const result = await client.heartbeat('niro_ak_1', heartbeat, signal);
    expect(result).toEqual({ ok: true, value: { nextIntervalSeconds: 20, commandsPending: true, serverTime: '2026-06-12T10:00:00Z' } });
    const request = seen[0]!;
    expect([request.method, request.path]).toEqual(['POST', '/v1/agent/heartbeat']);
    expect(request.headers.get(AGENT_KEY_HEADER)).toBe('niro_ak_1');
    expect(request.headers.get('content-encoding')).toBe('gzip');
    expect(request.headers.get('user-agent')).toBe('niro-agent/0.4.0');
    expect(JSON.parse(new TextDecoder().decode(Bun.gunzipSync(request.body)))).toEqual(heartbeat);
  });

  const cases: [number, Record<string, string>, string][] = [
    [401, {}, 'unauthorized'],
    [413, {}, 'too-large'],
    [429, { 'Retry-After': '7' }, 'rate-limited'],
    [400, {}, 'rejected'],
    [422, {}, 'rejected'],
    [503, {}, 'unavailable'],
  ];
  for (const [status, headers, kind] of cases) {
    test(`${status} → ${kind}, with the server's message`, async () => {
      respond = () => Response.json({ error: { code: 'some_code', message: 'explained' } }, { status, headers });
      const result = await client.heartbeat('k', heartbeat, signal);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.failure).toMatchObject({ kind, status, message: 'some_code: explained' });
      if (status === 429) expect(result.failure.retryAfterSeconds).toBe(7);
    });
  }

  test('an answer off the contract counts as unavailable, naming the field', async () => {
    respond = () => Response.json({ nextIntervalSeconds: 'soon', commandsPending: false, serverTime: 'x' });
    const result = await client.heartbeat('k', heartbeat, signal);
    expect(!result.ok && result.failure.kind).toBe('unavailable');
    expect(!result.ok && result.failure.message).toContain('/nextIntervalSeconds');
  });
});

test('network failure → unavailable with status 0', async () => {
  const dead = createNiroClient('http://127.0.0.1:1', { agentVersion: '0.4.0' });
  const result = await dead.pollCommands('k', signal);
  expect(!result.ok && [result.failure.kind, result.failure.status]).toEqual(['unavailable', 0]);
});

test('enroll sends no key; commands and results use theirs', async () => {
  seen.length = 0;
  respond = (request) => {
    const path = new URL(request.url).pathname;
    if (path === '/v1/agent/enroll') return Response.json({ agentKey: 'niro_ak_2', clusterId: 'c9', heartbeatIntervalSeconds: 15 });
    if (path === '/v1/agent/commands') return Response.json({ commands: [{ id: 'a/b', type: 'ping', createdAt: 'x', payload: {} }] });
    return new Response(null, { status: 204 });
  };
  expect(await client.enroll({ token: 'niro_et_1', agentVersion: '0.4.0', protocol: 2 }, signal)).toMatchObject({ ok: true, value: { agentKey: 'niro_ak_2' } });
  expect(await client.pollCommands('niro_ak_2', signal)).toMatchObject({ ok: true, value: { commands: [{ id: 'a/b' }] } });
  expect(await client.postResult('niro_ak_2', { commandId: 'a/b', ok: true, message: 'pong', durationMs: 1 }, signal)).toEqual({ ok: true, value: null });
  expect(seen.map((s) => [s.method, s.path, s.headers.get(AGENT_KEY_HEADER)])).toEqual([
    ['POST', '/v1/agent/enroll', null],
    ['GET', '/v1/agent/commands', 'niro_ak_2'],
    ['POST', '/v1/agent/commands/a%2Fb/result', 'niro_ak_2'],
  ]);
  expect(JSON.parse(new TextDecoder().decode(seen[0]!.body))).toEqual({ token: 'niro_et_1', agentVersion: '0.4.0', protocol: 2 });
});
