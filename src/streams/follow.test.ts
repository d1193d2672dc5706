// A pod's log in one request, like kubectl logs -f (curl -N): GET …/logs answers text/plain as a stream, opened through the same checks and audit as POST …/logs; hanging up stops the agent's Kubernetes request; without follow the response ends with the log; refusals are JSON errors before anything streams.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePod, sendHeartbeat } from '../testing/heartbeats';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, testConfig, type TestApp } from '../testing/app';
import { listen } from '../testing/browser';
import { connectAgent, type ScriptedAgent } from '../testing/stream-agent';
import type { Capabilities, PodDetail, StartLogFrame } from '../contract';
import { waitUntil } from '../../agent/testing/agent-process';

const LOGS_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, logs: { enabled: true, detectedBy: 'SelfSubjectAccessReview get pods/log' } };

let t: TestApp;
let base = '';
let auth: Record<string, string>;
let clusterId = '';
let darkId = '';
let agent: ScriptedAgent;

/** A pod with an init container, its app container and a native sidecar. */
function apiPod(): PodDetail {
  const pod = makePod(2, { namespace: 'shop', name: 'api-1', containers: ['api'] });
  const c = pod.containerDetails[0];
  pod.containerDetails = [
    { ...c, name: 'migrate', kind: 'init', state: 'terminated', stateReason: 'Completed' },
    { ...c, name: 'api' },
    { ...c, name: 'mesh', kind: 'sidecar' },
  ];
  return pod;
}

beforeAll(async () => {
  t = await startTestApp({ streams: { ...testConfig().streams, perCluster: 50, perOrg: 50 } });
  base = listen(t);
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Follow', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  auth = { authorization: `Bearer ${api.token}` };
  const c = await createEnrolledCluster(t, api, { name: 'edge', orgId: org.id });
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: [apiPod()], capabilities: LOGS_ON }))).status).toBe(200);
  clusterId = c.clusterId;
  agent = await connectAgent(base, c.agentKey);
  const dark = await createEnrolledCluster(t, api, { name: 'dark', orgId: org.id });
  await sendHeartbeat(t, dark.agentKey, makeHeartbeat({ pods: [apiPod()], capabilities: ALL_CAPABILITIES_OFF }));
  darkId = dark.clusterId;
});
afterAll(async () => {
  agent?.close();
  t.app.server?.stop(true);
  await t.close();
});

/** Reads a streamed body as it arrives; `until` waits for a text with a bound. */
function reader(res: Response): { text(): string; until(want: string, ms: number): Promise<void>; ended: Promise<void> } {
  let text = '';
  const body = res.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    for (;;) {
      const chunk = await body.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      text += decoder.decode(chunk.value, { stream: true });
    }
  })();
  return {
    text: () => text,
    async until(want, ms) {
      await waitUntil(() => text.includes(want), ms, `"${want}" in the body (got ${JSON.stringify(text.slice(-200))})`);
    },
    ended,
  };
}

async function startOf(pod: string, container: string, after: number): Promise<StartLogFrame> {
  return agent.waitFor(
    () =>
      agent
        .starts()
        .slice(after)
        .find((f) => f.pod === pod && f.container === container),
    3000,
    `start-log for ${pod}:${container}`,
  );
}

test('follow=true streams text/plain from the main container until the client hangs up, which stops the stream', async () => {
  const before = agent.starts().length;
  const hangUp = new AbortController();
  const res = await fetch(`${base}/v1/clusters/${clusterId}/pods/shop/api-1/logs?follow=true&tailLines=20`, { headers: auth, signal: hangUp.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(res.headers.get('x-niro-container')).toBe('api');
  const streamId = res.headers.get('x-niro-stream-id')!;
  const body = reader(res);
  await body.until('# niro: log of shop/api-1, container api\n', 3000);
  const start = await startOf('api-1', 'api', before);
  expect(start).toMatchObject({ streamId, follow: true, tailLines: 20, previous: false, timestamps: false });
  agent.lines(streamId, ['listening on :8080', 'GET /healthz 200']);
  await body.until('listening on :8080\nGET /healthz 200\n', 3000);
  agent.lines(streamId, ['a later line']);
  await body.until('a later line\n', 3000);

  hangUp.abort();
  await agent.waitFor(() => agent.received.some((f) => f.type === 'stop' && f.streamId === streamId), 5000, 'the stop frame after the client hung up');
  const row = await waitUntil(
    async () => {
      const [r] = await queryRows<{ ended_at: Date | null; end_reason: string | null; lines: number }>(
        t.db,
        sql`select ended_at, end_reason, lines::int from log_streams where id = ${streamId}`,
      );
      return r.ended_at ? r : null;
    },
    5000,
    'the stream row ended',
  );
  expect(row.end_reason).toMatch(/^stopped by /);
  expect(row.lines).toBe(3);
  const actions = async () =>
    (await queryRows<{ action: string }>(t.db, sql`select action from audit_events where target = ${streamId} order by id`)).map((a) => a.action);
  await waitUntil(async () => (await actions()).length === 2, 3000, 'the stop audited');
  expect(await actions()).toEqual(['logs.start', 'logs.stop']);
});

test('without follow the response ends with the log, as kubectl logs does; a sidecar by name; grep runs in the agent', async () => {
  const before = agent.starts().length;
  const res = await fetch(`${base}/v1/clusters/${clusterId}/pods/shop/api-1/logs?container=mesh&grep=ERR&timestamps=1`, { headers: auth });
  expect(res.status).toBe(200);
  const streamId = res.headers.get('x-niro-stream-id')!;
  const body = reader(res);
  const start = await startOf('api-1', 'mesh', before);
  expect(start).toMatchObject({ follow: false, timestamps: true, filter: { pattern: 'ERR', regex: false } });
  agent.lines(streamId, ['ERR upstream reset'], { eof: true });
  await body.ended;
  expect(body.text()).toBe('# niro: log of shop/api-1, container mesh\nERR upstream reset\n# niro: stream ended: end of log\n');
  // It ended by itself, and says so: nobody stopped it.
  const row = await waitUntil(
    async () => {
      const [r] = await queryRows<{ ended_at: Date | null; end_reason: string | null }>(
        t.db,
        sql`select ended_at, end_reason from log_streams where id = ${streamId}`,
      );
      return r.ended_at ? r : null;
    },
    5000,
    'the stream row ended',
  );
  expect(row.end_reason).toBe('end of log');
});

test('refusals are JSON errors before anything streams', async () => {
  const refused = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: auth });
    return { status: res.status, type: res.headers.get('content-type'), error: ((await res.json()) as { error: { code: string; message: string } }).error };
  };
  const noContainer = await refused(`/v1/clusters/${clusterId}/pods/shop/api-1/logs?container=nope`);
  expect(noContainer).toMatchObject({ status: 400, error: { code: 'invalid_request' } });
  expect(noContainer.error.message).toContain('(it has: migrate, api, mesh)');
  expect(noContainer.type).toContain('application/json');
  expect(await refused(`/v1/clusters/${darkId}/pods/shop/api-1/logs?follow=true`)).toMatchObject({ status: 403, error: { code: 'logs_not_enabled' } });
  expect((await refused(`/v1/clusters/${clusterId}/pods/shop/api-1/logs?follow=maybe`)).error.message).toBe(
    'follow: must be one of true, false, 1, 0 (got "maybe")',
  );
  expect((await refused(`/v1/clusters/${clusterId}/pods/shop/api-1/logs?regex=1`)).error.message).toBe('regex: only with grep');
  expect((await refused(`/v1/clusters/00000000-0000-4000-8000-000000000000/pods/shop/api-1/logs`)).status).toBe(404);
});
