// Deployment rollouts in waves on real Postgres through the real command channel and heartbeats: two clusters in
// two waves, a wave waits for applied + Healthy for the set time, an unhealthy cluster pauses with the reason,
// resume re-applies it, abort ends it, a cluster without the apply capability is refused before anything is
// queued; audit and tenancy.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import type { Capabilities, CommandEnvelope } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp, type TestUser } from '../testing/app';
import { answerCommands, APPLY_ON, WEB_DEPLOYMENT } from '../testing/deployments';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, makeWorkload, sendHeartbeat } from '../testing/heartbeats';
import { createDeployment } from './service';
import { advanceDeploymentRollouts } from './waves-engine';
import { applyWaveVia } from './waves-apply';
import { engineOptions } from './waves-job';
import type { DeploymentRolloutJson } from './waves-responses';

type Api = Awaited<ReturnType<typeof apiClient>>;

const MANIFESTS = `${WEB_DEPLOYMENT}---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
`;
const HEALTHY_S = 30;
const MIN = 60_000;

let t: TestApp;
let owner: TestUser;
let api: Api;
let session: Browser;
let outsider: Api;
let orgId = '';
const clusters = new Map<string, { clusterId: string; agentKey: string }>();

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000, commandsPollSeconds: 1 });
  owner = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Waves Org', null, { userId: owner.id, role: 'owner' });
  orgId = org.id;
  session = await signIn(t, owner);
  api = await apiClient(t, session);
  const other = await makeUser(t.db);
  await makeOrg(t.db, 'Other Org', null, { userId: other.id, role: 'owner' });
  outsider = await apiClient(t, await signIn(t, other));
  for (const name of ['a-edge', 'b-edge', 'c-no-apply']) {
    clusters.set(name, await createEnrolledCluster(t, api, { name, orgId }));
    await beat(name, null, name === 'c-no-apply' ? ALL_CAPABILITIES_OFF : APPLY_ON);
  }
});
afterAll(async () => {
  await t.close();
});

const web = (over: Parameters<typeof makeWorkload>[1] = {}) => makeWorkload(0, { name: 'web', labels: { app: 'web' }, ...over });

/** A heartbeat of the cluster: `workloads` null sends none (an agent before the apply). */
async function beat(name: string, workloads: ReturnType<typeof makeWorkload>[] | null, capabilities: Capabilities = APPLY_ON): Promise<void> {
  const res = await sendHeartbeat(t, clusters.get(name)!.agentKey, makeHeartbeat({ capabilities, ...(workloads ? { workloads } : {}) }));
  expect(res.status).toBe(200);
}

const agentAnswers = (name: string, error?: string): Promise<CommandEnvelope[]> => answerCommands(t, clusters.get(name)!.agentKey, error);

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function newDeployment(name: string, targets: string[]): Promise<string> {
  const res = await createDeployment(
    t.db,
    { userId: owner.id, email: owner.email, ip: null },
    { orgId, name, namespace: 'shop', manifests: MANIFESTS, source: 'import', targets: { clusterIds: targets.map((n) => clusters.get(n)!.clusterId) } },
  );
  if (!res.ok) throw new Error(`${res.field}: ${res.message}`);
  return res.deployment.id;
}

/** One pass of the job at `now`. */
async function pass(now: Date): Promise<void> {
  await advanceDeploymentRollouts(t.db, now, engineOptions(applyWaveVia(t.replica.commandSignals, [])));
}

const stateOf = (r: DeploymentRolloutJson): Record<string, string> => Object.fromEntries(r.clusters.map((c) => [c.clusterName, c.state]));
const show = async (depId: string, id: string): Promise<DeploymentRolloutJson> => json(await api.call('GET', `/v1/deployments/${depId}/rollouts/${id}`), 200);

describe('two clusters in two waves', () => {
  let depId = '';
  let rollout: DeploymentRolloutJson;

  test('start: wave 1 is applied at once, wave 2 waits', async () => {
    depId = await newDeployment('shop-web', ['a-edge', 'b-edge']);
    rollout = await json<DeploymentRolloutJson>(
      await api.call('POST', `/v1/deployments/${depId}/rollouts`, {
        waves: [[clusters.get('a-edge')!.clusterId]],
        healthySeconds: HEALTHY_S,
      }),
      201,
    );
    expect(rollout).toMatchObject({ revision: 1, status: 'running', currentWave: 0, waveCount: 2, healthySeconds: HEALTHY_S });
    expect(stateOf(rollout)).toEqual({ 'a-edge': 'applying', 'b-edge': 'waiting' });
    // Only a-edge has a command.
    expect((await agentAnswers('a-edge')).map((c) => c.type)).toEqual(['apply']);
    expect(await agentAnswers('b-edge')).toEqual([]);
  });

  test('applied but not yet reported: waits; Healthy starts the clock; the wave moves on only after the set time', async () => {
    const t0 = new Date();
    await pass(t0);
    let r = await show(depId, rollout.id);
    expect(r.clusters[0].message).toBe('applied; waiting for the heartbeat to report it (Deployment shop/web is not on the cluster)');
    await beat('a-edge', [web()]);
    await pass(t0);
    r = await show(depId, rollout.id);
    expect(r.clusters[0]).toMatchObject({ state: 'applying', healthySince: t0.toISOString(), message: `applied and Healthy for 0 s of ${HEALTHY_S} s` });
    await pass(new Date(t0.getTime() + (HEALTHY_S - 1) * 1000));
    expect(stateOf(await show(depId, rollout.id))).toEqual({ 'a-edge': 'applying', 'b-edge': 'waiting' });
    await pass(new Date(t0.getTime() + HEALTHY_S * 1000));
    r = await show(depId, rollout.id);
    expect(stateOf(r)).toEqual({ 'a-edge': 'done', 'b-edge': 'applying' });
    expect(r.currentWave).toBe(1);
    expect((await agentAnswers('b-edge')).map((c) => c.type)).toEqual(['apply']);
  });

  test('wave 2 turns Degraded: the rollout pauses and says which cluster and why', async () => {
    await beat('b-edge', [web({ ready: 0, available: 0 })]);
    // Ten minutes later it is still not ready: past the progress deadline.
    await pass(new Date(Date.now() + 11 * MIN));
    const r = await show(depId, rollout.id);
    expect(r.status).toBe('paused');
    expect(r.pauseReason).toStartWith('cluster "b-edge": unhealthy: Deployment shop/web: 0 of 2 pods ready, not ready for ');
    expect(stateOf(r)).toEqual({ 'a-edge': 'done', 'b-edge': 'failed' });
    const audit = await queryRows<{ action: string; actor: string }>(
      t.db,
      sql`select action, actor from audit_events where target = ${rollout.id} order by id`,
    );
    expect(audit.map((a) => `${a.actor} ${a.action}`)).toEqual([`${owner.email} deployment.rollout.start`, 'niro deployment.rollout.pause']);
    // Paused: further passes change nothing.
    await pass(new Date(Date.now() + 12 * MIN));
    expect((await show(depId, rollout.id)).status).toBe('paused');
  });

  test('the page shows the pause reason and a Resume button', async () => {
    const res = await api.call('GET', `/deployments/${depId}/ops`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('data-pause-reason');
    expect(html).toContain('Paused: cluster &quot;b-edge&quot;: unhealthy');
    expect(html).toContain(`/deployments/${depId}/rollouts/${rollout.id}/resume`);
    // The page reads health at the real now: b-edge's pods have been not ready for seconds, not the 11 min the pass saw.
    expect(html).toContain('data-health="Progressing"');
    expect(html).toContain('Deployment shop/web: 0 of 2 pods available');
  });

  test('resume applies the failed cluster again; Healthy for the set time completes the rollout', async () => {
    const resumed = await json<DeploymentRolloutJson>(await api.call('POST', `/v1/deployments/${depId}/rollouts/${rollout.id}/resume`), 200);
    expect(resumed.status).toBe('running');
    expect(stateOf(resumed)).toEqual({ 'a-edge': 'done', 'b-edge': 'applying' });
    expect((await agentAnswers('b-edge')).map((c) => c.type)).toEqual(['apply']);
    await beat('b-edge', [web()]);
    const t1 = new Date();
    await pass(t1);
    await pass(new Date(t1.getTime() + HEALTHY_S * 1000));
    const r = await show(depId, rollout.id);
    expect(r.status).toBe('completed');
    expect(stateOf(r)).toEqual({ 'a-edge': 'done', 'b-edge': 'done' });
    const audit = await queryRows<{ action: string }>(t.db, sql`select action from audit_events where target = ${rollout.id} order by id`);
    expect(audit.map((a) => a.action)).toEqual([
      'deployment.rollout.start',
      'deployment.rollout.pause',
      'deployment.rollout.resume',
      'deployment.rollout.complete',
    ]);
  });

  test('health per cluster in the API: both Healthy and applied', async () => {
    const h = await json<{ clusters: { clusterName: string; status: string; health: string; appliedRevision: number }[] }>(
      await api.call('GET', `/v1/deployments/${depId}/health`),
      200,
    );
    expect(h.clusters.map((c) => [c.clusterName, c.status, c.health, c.appliedRevision])).toEqual([
      ['a-edge', 'applied', 'Healthy', 1],
      ['b-edge', 'applied', 'Healthy', 1],
    ]);
  });
});

describe('failures and refusals', () => {
  test('a failed apply pauses with the Kubernetes error; abort skips what is left', async () => {
    const depId = await newDeployment('shop-api', ['a-edge', 'b-edge']);
    const r0 = await json<DeploymentRolloutJson>(await api.call('POST', `/v1/deployments/${depId}/rollouts`, { healthySeconds: 0 }), 201);
    expect(r0.waveCount).toBe(2);
    const first = r0.clusters.find((c) => c.wave === 0)!.clusterName;
    await agentAnswers(first, 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value');
    await pass(new Date());
    const r1 = await show(depId, r0.id);
    expect(r1.status).toBe('paused');
    expect(r1.pauseReason).toContain(`cluster "${first}": apply of revision 1 failed:`);
    expect(r1.pauseReason).toContain('spec.template.spec.containers[0].image: Required value');
    const aborted = await json<DeploymentRolloutJson>(await api.call('POST', `/v1/deployments/${depId}/rollouts/${r0.id}/abort`), 200);
    expect(aborted.status).toBe('aborted');
    expect(aborted.clusters.map((c) => c.state).sort()).toEqual(['skipped', 'skipped']);
    const again = await api.call('POST', `/v1/deployments/${depId}/rollouts/${r0.id}/resume`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('rollout_finished');
  });

  test('a first wave without the apply capability is refused with the hint; nothing is queued or kept', async () => {
    const depId = await newDeployment('shop-refused', ['c-no-apply']);
    const res = await api.call('POST', `/v1/deployments/${depId}/rollouts`, {});
    expect(res.status).toBe(409);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('capability_missing');
    expect(err.message).toContain('c-no-apply');
    const rows = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from deployment_rollouts where deployment_id = ${depId}`);
    expect(rows[0].n).toBe(0);
    expect(await agentAnswers('c-no-apply')).toEqual([]);
  });

  test('bad input names the field; a second active rollout is refused; another org answers 404', async () => {
    const depId = await newDeployment('shop-input', ['a-edge', 'b-edge']);
    const bad = async (body: unknown, field: string) => {
      const res = await api.call('POST', `/v1/deployments/${depId}/rollouts`, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toStartWith(field);
    };
    await bad({ revision: 9 }, 'revision');
    await bad({ waves: [['00000000-0000-4000-8000-000000000000']] }, 'waves[0][0]');
    await bad({ waves: [[clusters.get('a-edge')!.clusterId, clusters.get('a-edge')!.clusterId]] }, 'waves[0][1]');
    const r = await json<DeploymentRolloutJson>(await api.call('POST', `/v1/deployments/${depId}/rollouts`, { healthySeconds: 0 }), 201);
    const second = await api.call('POST', `/v1/deployments/${depId}/rollouts`, {});
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('deployment_rollout_active');
    expect((await outsider.call('GET', `/v1/deployments/${depId}/rollouts/${r.id}`)).status).toBe(404);
    expect((await outsider.call('POST', `/v1/deployments/${depId}/rollouts/${r.id}/abort`)).status).toBe(404);
    expect((await outsider.call('GET', `/v1/deployments/${depId}/health`)).status).toBe(404);
    expect((await api.call('POST', `/v1/deployments/${depId}/rollouts/${r.id}/abort`)).status).toBe(200);
    // The page's form: a bad number comes back as a flash naming the field, and nothing starts.
    const posted = await session.post(`/deployments/${depId}/rollouts`, { revision: '1', healthySeconds: 'ten' });
    expect(posted.status).toBe(303);
    const page = await (await session.follow(posted)).text();
    expect(page).toContain('healthySeconds: must be a whole number of seconds from 0 to 3600');
    const rollouts = (await (await api.call('GET', `/v1/deployments/${depId}/rollouts`)).json()) as { rollouts: { status: string }[] };
    expect(rollouts.rollouts.map((x) => x.status)).toEqual(['aborted']);
  });
});
