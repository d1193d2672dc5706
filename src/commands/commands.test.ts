// The command channel on real Postgres: long-poll delivery (held ≤ the bound, woken at once, exactly once across concurrent polls and two replicas), results (own commands only, once), expiry, commandsPending, ping latency and 504, apply/delete capability checks, roles, org scope, audit, history pages.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { AnyElysia } from 'elysia';
import { openDatabase, queryRows, type Database } from '../db/client';
import { createLogger } from '../log';
import { AGENT_KEY_HEADER, AGENT_PATHS, type CommandEnvelope, type CommandResult, type Capabilities } from '../contract';
import { apiClient, commandSignals, createApp, makeOrg, makeUser, signIn, startTestApp, TEST_ORIGIN, type Browser, type TestApp } from '../testing/app';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makePods, sendHeartbeat } from '../testing/heartbeats';
import type { Org } from '../orgs/schema';
import { MAX_HELD_POLLS_PER_CLUSTER } from '../agents/commands-api';
import { waitUntil } from '../../agent/testing/agent-process';
import { RESULT_TIMEOUT_MS, claimCommands, effectiveStatus, expireCommands, findCommand } from './store';

type Api = Awaited<ReturnType<typeof apiClient>>;
type CommandJson = {
  id: string;
  type: string;
  status: string;
  summary: string;
  payload: Record<string, unknown>;
  latencyMs: number | null;
  result: CommandResult | null;
  createdBy: string | null;
};

const HOLD_SECONDS = 2;
const APPLY_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } };
const MANIFEST = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\ndata:\n  a: "1"\n';

let t: TestApp;
let owner: { api: Api; browser: Browser; email: string };
let viewer: Api;
let stranger: Api;
let org: Org;

beforeAll(async () => {
  t = await startTestApp({ commandsPollSeconds: HOLD_SECONDS, heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  org = await makeOrg(t.db, 'Command Org', null, { userId: user.id, role: 'owner' });
  const browser = await signIn(t, user);
  owner = { api: await apiClient(t, browser), browser, email: user.email };
  const v = await makeUser(t.db);
  await makeOrg(t.db, 'Viewer Home', null);
  const { setMembership } = await import('../orgs/store');
  await setMembership(t.db, org.id, v.id, 'viewer');
  viewer = await apiClient(t, await signIn(t, v));
  const s = await makeUser(t.db);
  await makeOrg(t.db, 'Elsewhere', null, { userId: s.id, role: 'owner' });
  stranger = await apiClient(t, await signIn(t, s));
});
afterAll(async () => {
  await t.close();
});

let seq = 0;
async function newCluster(capabilities: Capabilities = ALL_CAPABILITIES_OFF): Promise<{ id: string; key: string }> {
  const c = await createEnrolledCluster(t, owner.api, { name: `cmd-${++seq}`, orgId: org.id });
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(3), capabilities }))).status).toBe(200);
  return { id: c.clusterId, key: c.agentKey };
}

function poll(key: string, app: { handle(r: Request): Promise<Response> } = t.app): Promise<Response> {
  return app.handle(new Request(TEST_ORIGIN + AGENT_PATHS.commands, { headers: { [AGENT_KEY_HEADER]: key } }));
}

async function pollCommands(key: string, app?: { handle(r: Request): Promise<Response> }): Promise<{ commands: CommandEnvelope[]; ms: number }> {
  const t0 = performance.now();
  const res = await poll(key, app);
  if (res.status !== 200) throw new Error(`poll: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { commands: CommandEnvelope[] };
  return { commands: body.commands, ms: performance.now() - t0 };
}

function postResult(key: string, id: string, result: Partial<CommandResult> = {}): Promise<Response> {
  const body: CommandResult = { commandId: id, ok: true, message: 'pong', durationMs: 1, ...result };
  return t.request(AGENT_PATHS.commandResult.replace(':id', id), {
    method: 'POST',
    headers: { [AGENT_KEY_HEADER]: key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function queue(clusterId: string, body: Record<string, unknown>, api: Api = owner.api): Promise<Response> {
  return api.call('POST', `/v1/clusters/${clusterId}/commands`, body);
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  return { status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error };
}

describe('long-poll', () => {
  test('an empty poll is held for the configured bound, then answers no commands', async () => {
    const c = await newCluster();
    const { commands, ms } = await pollCommands(c.key);
    expect(commands).toEqual([]);
    expect(ms).toBeGreaterThanOrEqual(HOLD_SECONDS * 1000 - 50);
    expect(ms).toBeLessThan(HOLD_SECONDS * 1000 + 1500);
  });

  test('a held poll wakes as soon as a command is queued, and gets it with its payload', async () => {
    const c = await newCluster(APPLY_ON);
    const held = pollCommands(c.key);
    await waitUntil(() => commandSignals(t.bus).heldPolls(c.id) === 1, 2000, 'the poll to be held');
    const t0 = performance.now();
    const res = await queue(c.id, { type: 'apply', payload: { manifests: MANIFEST, defaultNamespace: 'shop' } });
    expect(res.status).toBe(202);
    const queued = (await res.json()) as CommandJson;
    const { commands } = await held;
    expect(performance.now() - t0).toBeLessThan(HOLD_SECONDS * 1000 - 500);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ id: queued.id, type: 'apply', payload: { manifests: MANIFEST, defaultNamespace: 'shop' } });
    expect(queued.status).toBe('queued');
    expect(queued.payload).toEqual({ defaultNamespace: 'shop', manifestsBytes: MANIFEST.length });
    expect(queued.summary).toBe('apply 1 object(s): ConfigMap shop/cfg');
  });

  test('a command queued before the poll is delivered at once, oldest first', async () => {
    const c = await newCluster();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await queue(c.id, { type: 'ping' })).json()) as CommandJson).id);
    const { commands, ms } = await pollCommands(c.key);
    expect(commands.map((x) => x.id)).toEqual(ids);
    expect(ms).toBeLessThan(1000);
  });

  test('exactly once: concurrent polls split the queue without a duplicate', async () => {
    const c = await newCluster();
    // As many polls as one cluster may hold on a replica; one more is turned away.
    const polls = Array.from({ length: MAX_HELD_POLLS_PER_CLUSTER }, () => pollCommands(c.key));
    await waitUntil(() => commandSignals(t.bus).heldPolls(c.id) === MAX_HELD_POLLS_PER_CLUSTER, 2000, 'the polls to be held');
    expect((await errorOf(await poll(c.key))).code).toBe('too_many_polls');
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add(((await (await queue(c.id, { type: 'ping' })).json()) as CommandJson).id);
    // Polls that answered early leave the rest queued: keep polling until all 30 arrived.
    const got: string[] = (await Promise.all(polls)).flatMap((p) => p.commands.map((x) => x.id));
    while (got.length < 30) {
      const more = await pollCommands(c.key);
      if (more.commands.length === 0) break;
      got.push(...more.commands.map((x) => x.id));
    }
    expect(got.length).toBe(30);
    expect(new Set(got)).toEqual(ids);
  });

  test('a second replica over the same database: its held poll wakes when the first replica queues, and the two never share a command', async () => {
    const c = await newCluster();
    const second: Database = await openDatabase({ databaseUrl: t.testDb.url, dataDir: '', maxConnections: 4 });
    try {
      const replica: AnyElysia = createApp({ db: second.db, bus: second.bus, config: t.config, log: createLogger('error', () => {}) });
      const listeners = async (): Promise<number> =>
        Number(
          (
            await queryRows<{ n: number }>(
              t.db,
              sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%niro_command_queued%'`,
            )
          )[0]!.n,
        );
      const before = await listeners();
      const held = pollCommands(c.key, replica);
      // The second replica's poll is held and its LISTEN is up: what follows can only reach it as a notification.
      await waitUntil(async () => commandSignals(second.bus).heldPolls(c.id) === 1 && (await listeners()) > before, 5000, 'the second replica’s LISTEN');
      const t0 = performance.now();
      const queued = (await (await queue(c.id, { type: 'ping' })).json()) as CommandJson;
      const { commands } = await held;
      expect(commands.map((x) => x.id)).toEqual([queued.id]);
      expect(performance.now() - t0).toBeLessThan(1000);

      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(((await (await queue(c.id, { type: 'ping' })).json()) as CommandJson).id);
      const [a, b] = await Promise.all([claimCommands(t.db, c.id, new Date(), 100), claimCommands(second.db, c.id, new Date(), 100)]);
      const all = [...a, ...b].map((r) => r.id);
      expect(all.sort()).toEqual([...ids].sort());
    } finally {
      await second.close();
    }
  });

  test('a deleted cluster’s agent is refused with the reason', async () => {
    const c = await newCluster();
    expect((await owner.api.call('DELETE', `/v1/clusters/${c.id}`)).status).toBe(200);
    const res = await errorOf(await poll(c.key));
    expect(res).toMatchObject({ status: 401, code: 'cluster_deleted' });
  });

  test('user credentials are refused on the agent endpoints', async () => {
    const res = await t.request(AGENT_PATHS.commands, { headers: { authorization: `Bearer ${owner.api.token}` } });
    expect(res.status).toBe(401);
  });
});

describe('results', () => {
  test('recorded once for the cluster’s own delivered command; others are refused', async () => {
    const a = await newCluster();
    const b = await newCluster();
    const queued = (await (await queue(a.id, { type: 'ping' })).json()) as CommandJson;
    expect(await errorOf(await postResult(a.key, queued.id))).toMatchObject({ status: 409, code: 'not_delivered' });
    await pollCommands(a.key);
    expect(await errorOf(await postResult(b.key, queued.id))).toMatchObject({ status: 404 });
    expect((await errorOf(await postResult(a.key, queued.id, { commandId: crypto.randomUUID() }))).message).toContain('commandId');
    expect(
      (
        await errorOf(
          await t.request(AGENT_PATHS.commandResult.replace(':id', queued.id), { method: 'POST', headers: { [AGENT_KEY_HEADER]: a.key }, body: '{"ok":1}' }),
        )
      ).status,
    ).toBe(400);
    expect((await postResult(a.key, queued.id, { details: { agentVersion: '0.1.0' } })).status).toBe(204);
    expect(await errorOf(await postResult(a.key, queued.id))).toMatchObject({ status: 409, code: 'already_reported' });
    const got = (await (await owner.api.call('GET', `/v1/clusters/${a.id}/commands/${queued.id}`)).json()) as CommandJson;
    expect(got).toMatchObject({ status: 'succeeded', result: { ok: true, message: 'pong' }, createdBy: owner.email });
    expect(got.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('a failed result is stored as failed with its message', async () => {
    const c = await newCluster(APPLY_ON);
    const queued = (await (
      await queue(c.id, { type: 'delete', payload: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' } })
    ).json()) as CommandJson;
    await pollCommands(c.key);
    await postResult(c.key, queued.id, { ok: false, message: 'apply capability not detected', details: { code: 'capability_missing' } });
    const got = (await (await owner.api.call('GET', `/v1/clusters/${c.id}/commands/${queued.id}`)).json()) as CommandJson;
    expect(got).toMatchObject({ status: 'failed', summary: 'delete ConfigMap shop/cfg', result: { ok: false, details: { code: 'capability_missing' } } });
  });
});

describe('expiry and commandsPending', () => {
  test('heartbeat says commandsPending while a command waits, not after delivery', async () => {
    const c = await newCluster();
    const pending = async () =>
      ((await (await sendHeartbeat(t, c.key, makeHeartbeat({ pods: makePods(3) }))).json()) as { commandsPending: boolean }).commandsPending;
    expect(await pending()).toBe(false);
    await queue(c.id, { type: 'ping' });
    expect(await pending()).toBe(true);
    await pollCommands(c.key);
    expect(await pending()).toBe(false);
  });

  test('an undelivered command past its deadline is never delivered and shows expired', async () => {
    const c = await newCluster();
    const queued = (await (await queue(c.id, { type: 'ping', ttlSeconds: 10 })).json()) as CommandJson;
    const later = new Date(Date.now() + 11_000);
    expect(await claimCommands(t.db, c.id, later, 10)).toEqual([]);
    const row = (await findCommand(t.db, c.id, queued.id))!;
    expect(effectiveStatus(row, later)).toBe('expired');
    expect(await expireCommands(t.db, later)).toBeGreaterThanOrEqual(1);
    expect((await findCommand(t.db, c.id, queued.id))!.status).toBe('expired');
    const list = (await (await owner.api.call('GET', `/v1/clusters/${c.id}/commands?status=expired`)).json()) as { commands: CommandJson[] };
    expect(list.commands.map((x) => x.id)).toEqual([queued.id]);
  });

  test('a delivered command without a result expires after the result timeout; a late result still lands', async () => {
    const c = await newCluster();
    const queued = (await (await queue(c.id, { type: 'ping' })).json()) as CommandJson;
    await pollCommands(c.key);
    const later = new Date(Date.now() + RESULT_TIMEOUT_MS + 1000);
    expect(effectiveStatus((await findCommand(t.db, c.id, queued.id))!, later)).toBe('expired');
    await expireCommands(t.db, later);
    expect((await findCommand(t.db, c.id, queued.id))!.status).toBe('expired');
    expect((await postResult(c.key, queued.id)).status).toBe(204);
    expect((await findCommand(t.db, c.id, queued.id))!.status).toBe('succeeded');
  });
});

describe('ping', () => {
  test('round trip through a (scripted) agent answers the latency', async () => {
    const c = await newCluster();
    const agent = (async () => {
      const { commands } = await pollCommands(c.key);
      await Bun.sleep(30); // the agent's execution time, so the latency has a known lower bound
      for (const cmd of commands) await postResult(c.key, cmd.id, { details: { agentVersion: '9.9.9' } });
    })();
    const res = await owner.api.call('POST', `/v1/clusters/${c.id}/ping`);
    await agent;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; latencyMs: number; agentVersion: string; command: CommandJson };
    expect(body).toMatchObject({ ok: true, agentVersion: '9.9.9', command: { type: 'ping', status: 'succeeded' } });
    expect(body.latencyMs).toBeGreaterThanOrEqual(30);
    expect(body.latencyMs).toBeLessThan(5000);
    const page = await (await owner.browser.get(`/clusters/${c.id}/commands`)).text();
    expect(page).toContain(`data-latency="${body.latencyMs}"`);
  });

  test('no agent: 504 after the bound, with a clear message; the ping expires undelivered', async () => {
    const c = await newCluster();
    const t0 = performance.now();
    const res = await owner.api.call('POST', `/v1/clusters/${c.id}/ping?timeoutSeconds=1`);
    expect(performance.now() - t0).toBeLessThan(3000);
    const err = await errorOf(res);
    expect(err).toMatchObject({ status: 504, code: 'agent_timeout' });
    expect(err.message).toMatch(/did not answer a ping within 1 s \(its last heartbeat was \d+ s ago\)/);
    const list = (await (await owner.api.call('GET', `/v1/clusters/${c.id}/commands`)).json()) as { commands: CommandJson[] };
    expect(list.commands[0]).toMatchObject({ type: 'ping', status: 'expired' });
  });

  test('the page’s Ping button answers a fragment (htmx) or a flash (plain form)', async () => {
    const c = await newCluster();
    const agent = (async () => {
      const { commands } = await pollCommands(c.key);
      for (const cmd of commands) await postResult(c.key, cmd.id);
    })();
    const res = await owner.browser.post(`/clusters/${c.id}/ping`, {}, { 'hx-request': 'true' });
    await agent;
    const html = await res.text();
    expect(html).toMatch(/^<span id="ping-result"[^>]*data-latency="\d+"/);
    expect(html).toContain('Pong in');
  });
});

describe('apply and delete', () => {
  test('refused with 409 and the installer hint while the cluster reports no apply capability', async () => {
    const c = await newCluster();
    const err = await errorOf(await queue(c.id, { type: 'apply', payload: { manifests: MANIFEST } }));
    expect(err).toMatchObject({ status: 409, code: 'capability_missing' });
    expect(err.message).toContain('NIRO_ENABLE_APPLY=1');
    expect((await errorOf(await queue(c.id, { type: 'delete', payload: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'b' } }))).status).toBe(
      409,
    );
    const [n] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from commands where cluster_id = ${c.id}`);
    expect(Number(n.n)).toBe(0);
  });

  test('bad payloads are 400s naming the field; namespaces are never deleted', async () => {
    const c = await newCluster(APPLY_ON);
    expect((await errorOf(await queue(c.id, { type: 'apply', payload: {} }))).message).toContain('payload.manifests');
    expect((await errorOf(await queue(c.id, { type: 'apply', payload: { manifests: 'a: [' } }))).message).toMatch(/payload\.manifests: document 1/);
    expect((await errorOf(await queue(c.id, { type: 'apply', payload: { manifests: 'kind: ConfigMap\n' } }))).message).toContain(
      'apiVersion, kind and metadata.name',
    );
    expect((await errorOf(await queue(c.id, { type: 'apply', payload: { manifests: MANIFEST, extra: 1 } }))).status).toBe(400);
    const ns = await errorOf(await queue(c.id, { type: 'delete', payload: { apiVersion: 'v1', kind: 'Namespace', namespace: 'x', name: 'x' } }));
    expect(ns).toMatchObject({ status: 400, code: 'forbidden_target' });
    expect((await errorOf(await queue(c.id, { type: 'self-update', payload: { image: 'x' } }))).status).toBe(400);
    expect((await errorOf(await queue(c.id, { type: 'ping', surprise: true }))).status).toBe(400);
  });

  test('creation is audited without the manifests', async () => {
    const c = await newCluster(APPLY_ON);
    const secretish = MANIFEST.replace('a: "1"', 'password: "hunter2"');
    const queued = (await (await queue(c.id, { type: 'apply', payload: { manifests: secretish } })).json()) as CommandJson;
    const [row] = await queryRows<{ actor: string; details: Record<string, unknown> }>(
      t.db,
      sql`select actor, details from audit_events where action = 'command.create' and target = ${queued.id}`,
    );
    expect(row.actor).toBe(owner.email);
    expect(row.details).toMatchObject({ clusterId: c.id, type: 'apply' });
    expect(JSON.stringify(row.details)).not.toContain('hunter2');
    const got = await (await owner.api.call('GET', `/v1/clusters/${c.id}/commands/${queued.id}`)).text();
    expect(got).not.toContain('hunter2');
  });
});

describe('scope, roles, history', () => {
  test('viewers read the history but cannot send; other orgs get 404 everywhere', async () => {
    const c = await newCluster(APPLY_ON);
    const queued = (await (await queue(c.id, { type: 'ping' })).json()) as CommandJson;
    expect((await viewer.call('GET', `/v1/clusters/${c.id}/commands`)).status).toBe(200);
    expect((await viewer.call('GET', `/v1/clusters/${c.id}/commands/${queued.id}`)).status).toBe(200);
    expect((await queue(c.id, { type: 'ping' }, viewer)).status).toBe(403);
    expect((await viewer.call('POST', `/v1/clusters/${c.id}/ping`)).status).toBe(403);
    for (const [method, path] of [
      ['GET', `/v1/clusters/${c.id}/commands`],
      ['GET', `/v1/clusters/${c.id}/commands/${queued.id}`],
      ['POST', `/v1/clusters/${c.id}/ping`],
    ] as const) {
      expect({ path, status: (await stranger.call(method, path)).status }).toEqual({ path, status: 404 });
    }
    expect((await queue(c.id, { type: 'ping' }, stranger)).status).toBe(404);
    // Another cluster's command id through a visible cluster is a 404 too.
    const other = await newCluster();
    expect((await owner.api.call('GET', `/v1/clusters/${other.id}/commands/${queued.id}`)).status).toBe(404);
    expect((await owner.api.call('GET', `/v1/clusters/${c.id}/commands/not-a-uuid`)).status).toBe(404);
  });

  test('history is newest first and keyset-paginated without gaps or repeats', async () => {
    const c = await newCluster();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(((await (await queue(c.id, { type: 'ping' })).json()) as CommandJson).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await owner.api.call('GET', `/v1/clusters/${c.id}/commands?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
        commands: CommandJson[];
        nextCursor: string | null;
      };
      seen.push(...page.commands.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await owner.api.call('GET', `/v1/clusters/${c.id}/commands?cursor=bad`)).status).toBe(400);
  });

  test('the Commands tab: Ping for members only, history escaped', async () => {
    const c = await newCluster(APPLY_ON);
    await queue(c.id, { type: 'apply', payload: { manifests: MANIFEST.replace('name: cfg', 'name: "<img src=x>"') } });
    const page = await (await owner.browser.get(`/clusters/${c.id}/commands`)).text();
    expect(page).toContain('<button>Ping</button>');
    expect(page).toContain('ConfigMap shop/&lt;img src=x&gt;');
    expect(page).not.toContain('<img src=x>');
    expect(page).toContain('id="command-history"');
    // The tab is live as a whole: header, tabs and history in one polled element.
    const live = await (await owner.browser.get(`/clusters/${c.id}/commands/live`, { 'hx-request': 'true' })).text();
    expect(live.startsWith('<div id="cluster-live" hx-get="/clusters/')).toBe(true);
    expect(live).toContain('data-last-heartbeat');
    expect(live).toContain('id="command-history"');
    expect(page).toContain(live.slice(0, live.indexOf('>') + 1));
    // A ping from the tab tells it to refresh at once: the ping is in the history before the next tick.
    const ping = await owner.browser.post(`/clusters/${c.id}/ping`, {}, { 'hx-request': 'true' });
    expect(ping.headers.get('hx-trigger')).toBe('niro:cluster-changed');
  });

  test('the routes are in the OpenAPI document', async () => {
    const doc = (await (await t.request('/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const p of [
      '/v1/clusters/{id}/ping',
      '/v1/clusters/{id}/commands',
      '/v1/clusters/{id}/commands/{commandId}',
      '/v1/agent/commands',
      '/v1/agent/commands/{id}/result',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
