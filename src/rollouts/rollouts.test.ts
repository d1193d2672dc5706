// Self-update rollouts over HTTP on real Postgres: waves in order (production last), the heartbeat answer's `update`, a cluster that never comes back pauses the rollout with the reason, resume, abort, audit and tenancy.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';
import type { HeartbeatResponse } from '../contract';
import { advanceRollouts } from './engine';
import type { RolloutJson } from './responses';
import { planWaves } from './waves';

const OLD = '0.4.0';
const NEW = '0.5.0';
const IMAGE = 'registry.example/niro/niro-agent:0.5.0';
const TIMEOUT_S = 600;
const SELF_UPDATE_ON = {
  ...ALL_CAPABILITIES_OFF,
  selfUpdate: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps niro-agent in niro-system' },
};

type Api = Awaited<ReturnType<typeof apiClient>>;
let t: TestApp;
let api: Api;
let outsider: Api;
let browser: Browser;
let orgId = '';
const keys = new Map<string, { clusterId: string; agentKey: string }>();

async function beat(name: string, version: string, capabilities = SELF_UPDATE_ON): Promise<HeartbeatResponse> {
  const res = await sendHeartbeat(t, keys.get(name)!.agentKey, makeHeartbeat({ agentVersion: version, capabilities }));
  expect(res.status).toBe(200);
  return (await res.json()) as HeartbeatResponse;
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

const stateOf = (r: RolloutJson): Record<string, string> => Object.fromEntries(r.targets.map((x) => [x.clusterName, x.state]));

beforeAll(async () => {
  t = await startTestApp({ agentVersion: NEW, agentImage: IMAGE, rolloutTimeoutSeconds: TIMEOUT_S });
  const owner = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Rollout Org', null, { userId: owner.id, role: 'owner' });
  orgId = org.id;
  browser = await signIn(t, owner);
  api = await apiClient(t, browser);
  const other = await makeUser(t.db);
  await makeOrg(t.db, 'Other Org', null, { userId: other.id, role: 'owner' });
  outsider = await apiClient(t, await signIn(t, other));
  const fleet: [string, string][] = [
    ['a-dev', 'dev'],
    ['b-staging', 'staging'],
    ['c-dev', 'dev'],
    ['d-prod', 'production'],
    ['e-prod', 'production'],
    ['f-no-capability', 'dev'],
  ];
  for (const [name, environment] of fleet) keys.set(name, await createEnrolledCluster(t, api, { name, environment, orgId: org.id }));
  for (const [name] of fleet) await beat(name, OLD, name === 'f-no-capability' ? ALL_CAPABILITIES_OFF : SELF_UPDATE_ON);
  keys.set('outside', await createEnrolledCluster(t, outsider, { name: 'outside' }));
});
afterAll(async () => {
  await t.close();
});

describe('wave plan', () => {
  test('one cluster, then 10 %, then the rest; production last, cut the same way when only production is left', () => {
    const c = (name: string, environment: string) => ({ id: name, name, environment });
    const dev = Array.from({ length: 20 }, (_, i) => c(`dev-${String(i).padStart(2, '0')}`, 'dev'));
    const waves = planWaves([...dev, c('prod-1', 'production'), c('prod-2', 'production')]);
    expect(waves.map((w) => w.length)).toEqual([1, 3, 16, 2]);
    expect(waves.at(-1)).toEqual(['prod-1', 'prod-2']);
    expect(planWaves([c('p1', 'production'), c('p2', 'production'), c('p3', 'production')])).toEqual([['p1'], ['p2'], ['p3']]);
    expect(planWaves([])).toEqual([]);
  });
});

describe('a fleet rollout of 5 clusters', () => {
  let rolloutId = '';

  test('clusters show their version, "update available" and whether self-update is on', async () => {
    const list = await json<{
      clusters: { name: string; agent: { version: string; offeredVersion: string; updateAvailable: boolean; selfUpdate: boolean } }[];
    }>(await api.call('GET', '/v1/clusters'), 200);
    const a = list.clusters.find((c) => c.name === 'a-dev')!;
    expect(a.agent).toMatchObject({ version: OLD, offeredVersion: NEW, updateAvailable: true, selfUpdate: true });
    expect(list.clusters.find((c) => c.name === 'f-no-capability')!.agent.selfUpdate).toBe(false);
  });

  test('starts with the canary told; the cluster without the capability is skipped with the reason', async () => {
    const r = await json<RolloutJson>(await api.call('POST', '/v1/rollouts', {}), 201);
    rolloutId = r.id;
    expect(r).toMatchObject({ status: 'running', targetVersion: NEW, targetImage: IMAGE, currentWave: 0, waveCount: 4 });
    const wave = Object.fromEntries(r.targets.map((x) => [x.clusterName, x.wave]));
    expect(wave).toMatchObject({ 'a-dev': 0, 'b-staging': 1, 'c-dev': 2, 'd-prod': 3, 'e-prod': 3 });
    expect(stateOf(r)).toEqual({
      'a-dev': 'updating',
      'b-staging': 'waiting',
      'c-dev': 'waiting',
      'd-prod': 'waiting',
      'e-prod': 'waiting',
      'f-no-capability': 'skipped',
    });
    expect(r.targets.find((x) => x.clusterName === 'f-no-capability')!.message).toContain('NIRO_ENABLE_SELF_UPDATE=1');
    // A second fleet rollout while this one runs is refused.
    expect((await json<{ error: { code: string } }>(await api.call('POST', '/v1/rollouts', {}), 409)).error.code).toBe('rollout_active');
  });

  test('only the told cluster’s heartbeat answer carries the update', async () => {
    expect((await beat('a-dev', OLD)).update).toEqual({ image: IMAGE, version: NEW });
    expect((await beat('b-staging', OLD)).update).toBeUndefined();
    expect((await beat('d-prod', OLD)).update).toBeUndefined();
  });

  test('a wave proceeds only when its clusters heartbeat with the new version; production goes last', async () => {
    await advanceRollouts(t.db, new Date(), TIMEOUT_S * 1000);
    let r = await json<RolloutJson>(await api.call('GET', `/v1/rollouts/${rolloutId}`), 200);
    expect(stateOf(r)['b-staging']).toBe('waiting'); // a-dev has not come back yet
    for (const [name, next] of [
      ['a-dev', 'b-staging'],
      ['b-staging', 'c-dev'],
      ['c-dev', 'd-prod'],
    ] as const) {
      expect((await beat(name, NEW)).update).toBeUndefined();
      await advanceRollouts(t.db, new Date(), TIMEOUT_S * 1000);
      r = await json<RolloutJson>(await api.call('GET', `/v1/rollouts/${rolloutId}`), 200);
      expect(stateOf(r)[name]).toBe('done');
      expect(stateOf(r)[next]).toBe('updating');
    }
    expect(stateOf(r)['e-prod']).toBe('updating');
    expect(r.currentWave).toBe(3);
    expect((await beat('d-prod', OLD)).update).toEqual({ image: IMAGE, version: NEW });
  });

  test('a cluster that never comes back pauses the rollout, visibly and with the reason', async () => {
    await beat('d-prod', NEW);
    // e-prod keeps heartbeating with the old version (its new pod never started): the timeout passes.
    await beat('e-prod', OLD);
    await advanceRollouts(t.db, new Date(Date.now() + (TIMEOUT_S - 5) * 1000), TIMEOUT_S * 1000);
    let r = await json<RolloutJson>(await api.call('GET', `/v1/rollouts/${rolloutId}`), 200);
    expect(r.status).toBe('running');
    expect(stateOf(r)['d-prod']).toBe('done');
    await advanceRollouts(t.db, new Date(Date.now() + (TIMEOUT_S + 1) * 1000), TIMEOUT_S * 1000);
    r = await json<RolloutJson>(await api.call('GET', `/v1/rollouts/${rolloutId}`), 200);
    expect(r.status).toBe('paused');
    expect(r.pauseReason).toContain('e-prod');
    expect(r.pauseReason).toContain(`within ${TIMEOUT_S} s (still reports ${OLD}`);
    expect(stateOf(r)['e-prod']).toBe('failed');
    // Paused: nobody is told to update.
    expect((await beat('e-prod', OLD)).update).toBeUndefined();
    expect((await json<{ error: { code: string } }>(await api.call('POST', `/v1/rollouts/${rolloutId}/pause`), 409)).error.code).toBe('rollout_finished');
  });

  test('resume tells the failed cluster again; when it comes back the rollout completes', async () => {
    const resumed = await json<RolloutJson>(await api.call('POST', `/v1/rollouts/${rolloutId}/resume`), 200);
    expect(resumed.status).toBe('running');
    expect(resumed.pauseReason).toBeNull();
    expect(stateOf(resumed)['e-prod']).toBe('updating');
    expect((await beat('e-prod', OLD)).update).toEqual({ image: IMAGE, version: NEW });
    await beat('e-prod', NEW);
    await advanceRollouts(t.db, new Date(), TIMEOUT_S * 1000);
    const r = await json<RolloutJson>(await api.call('GET', `/v1/rollouts/${rolloutId}`), 200);
    expect(r.status).toBe('completed');
    expect(r.counts).toEqual({ total: 6, done: 5, updating: 0, waiting: 0, failed: 0, skipped: 1 });
    const actions = await queryRows<{ action: string; actor: string }>(
      t.db,
      sql`select action, actor from audit_events where target = ${rolloutId} order by id`,
    );
    expect(actions.map((a) => a.action)).toEqual(['rollout.start', 'rollout.pause', 'rollout.resume', 'rollout.complete']);
    expect(actions[1]!.actor).toBe('niro');
  });
});

describe('one cluster, pause and abort, tenancy', () => {
  test('update one cluster; pause then abort; the agent is no longer told', async () => {
    await beat('a-dev', OLD); // say it was rolled back by hand
    const { clusterId } = keys.get('a-dev')!;
    const r = await json<RolloutJson>(await api.call('POST', `/v1/clusters/${clusterId}/agent-update`), 201);
    expect(r.targets.map((x) => [x.clusterName, x.state])).toEqual([['a-dev', 'updating']]);
    expect((await beat('a-dev', OLD)).update).toEqual({ image: IMAGE, version: NEW });
    const paused = await json<RolloutJson>(await api.call('POST', `/v1/rollouts/${r.id}/pause`), 200);
    expect(paused.pauseReason).toContain('paused by');
    expect((await beat('a-dev', OLD)).update).toBeUndefined();
    const aborted = await json<RolloutJson>(await api.call('POST', `/v1/rollouts/${r.id}/abort`), 200);
    expect(aborted.status).toBe('aborted');
    expect(stateOf(aborted)['a-dev']).toBe('skipped');
    expect((await json<{ error: { code: string } }>(await api.call('POST', `/v1/rollouts/${r.id}/resume`), 409)).error.code).toBe('rollout_finished');
    const actions = await queryRows<{ action: string }>(t.db, sql`select action from audit_events where target = ${r.id} order by id`);
    expect(actions.map((a) => a.action)).toEqual(['rollout.start', 'rollout.pause', 'rollout.abort']);
  });

  test('a cluster without the capability, or already on the version, cannot be updated', async () => {
    const res = await api.call('POST', `/v1/clusters/${keys.get('f-no-capability')!.clusterId}/agent-update`);
    expect((await json<{ error: { code: string } }>(res, 409)).error.code).toBe('nothing_to_update');
    const current = await api.call('POST', `/v1/clusters/${keys.get('b-staging')!.clusterId}/agent-update`);
    expect((await json<{ error: { code: string } }>(current, 409)).error.code).toBe('nothing_to_update');
  });

  test('another org’s rollouts and clusters answer 404; its list does not show them', async () => {
    const mine = await json<{ rollouts: { id: string }[] }>(await api.call('GET', '/v1/rollouts'), 200);
    expect(mine.rollouts).toHaveLength(2);
    const id = mine.rollouts[0]!.id;
    expect((await outsider.call('GET', `/v1/rollouts/${id}`)).status).toBe(404);
    for (const action of ['pause', 'resume', 'abort']) expect((await outsider.call('POST', `/v1/rollouts/${id}/${action}`)).status).toBe(404);
    expect((await outsider.call('POST', `/v1/clusters/${keys.get('c-dev')!.clusterId}/agent-update`)).status).toBe(404);
    expect((await json<{ rollouts: unknown[] }>(await outsider.call('GET', '/v1/rollouts'), 200)).rollouts).toEqual([]);
    // Its own fleet has one cluster on the old version without the capability: nothing to update.
    await beat('outside', OLD, ALL_CAPABILITIES_OFF);
    expect((await outsider.call('POST', '/v1/rollouts', {})).status).toBe(409);
    const bad = await api.call('POST', '/v1/rollouts', { orgId: 'not-a-uuid' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('orgId');
  });
});

describe('pages', () => {
  const text = async (res: Response): Promise<string> => (await res.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  test('the cluster page offers the update, or says how to turn self-update on', async () => {
    const on = await (await browser.get(`/clusters/${keys.get('a-dev')!.clusterId}`)).text();
    expect(on).toContain(`update available: ${NEW}`);
    expect(on).toContain(`action="/clusters/${keys.get('a-dev')!.clusterId}/agent-update"`);
    const off = await text(await browser.get(`/clusters/${keys.get('f-no-capability')!.clusterId}`));
    expect(off).toContain('Self-update is off: re-run the install command with NIRO_ENABLE_SELF_UPDATE=1');
    const fleet = await (await browser.get('/')).text();
    expect(new RegExp(`<tr id="cluster-${keys.get('a-dev')!.clusterId}"[\\s\\S]*?data-update-available`).test(fleet)).toBe(true);
  });

  test('start a fleet update from the page, pause it, see why, abort it', async () => {
    const list = await text(await browser.get('/rollouts'));
    expect(list).toContain(`This server offers agent ${NEW}`);
    expect(list).toContain('Update the fleet of Rollout Org');
    const started = await browser.post('/rollouts', { orgId });
    expect(started.status).toBe(303);
    const location = started.headers.get('location')!;
    expect(location).toMatch(/^\/rollouts\/[0-9a-f-]{36}$/);
    let page = await text(await browser.follow(started));
    expect(page).toContain(`Agent update to ${NEW}`);
    expect(page).toContain('Running');
    expect(page).toContain('a-dev');
    expect(page).toContain('Skipped');
    expect((await browser.post(`${location}/pause`, {})).status).toBe(303);
    page = await text(await browser.get(location));
    expect(page).toContain('Paused: paused by');
    const live = await browser.get(`${location}/live`);
    expect(live.status).toBe(200);
    expect(await live.text()).toContain('data-rollout-status="paused"');
    expect((await browser.post(`${location}/abort`, {})).status).toBe(303);
    page = await text(await browser.get(location));
    expect(page).toContain('Aborted');
    // Another org's rollout page is a 404, like one that does not exist.
    const other = await makeUser(t.db);
    await makeOrg(t.db, 'Third Org', null, { userId: other.id, role: 'owner' });
    const stranger = await signIn(t, other);
    expect((await stranger.get(location)).status).toBe(404);
    expect((await stranger.post(`${location}/pause`, {})).status).toBe(404);
  });
});
