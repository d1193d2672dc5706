// End to end with the real agent against the simulator: every incident scenario (crash loop, image pull,
// OOM, unschedulable, stuck pending, node not ready, node pressure, workload unavailable) opens its
// incident under the scenario's subject, the cluster's status follows the open severities, and the fix
// resolves it; ten crash-looping replicas are one incident. Time-driven steps (thresholds, quiet periods)
// run the periodic pass with a moved clock instead of waiting.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, startSimulator, type ScenarioName, type Simulator } from '../../sim/index.ts';
import { inClusterEnv, startAgentProcess, waitUntil, type AgentProcess } from '../../agent/testing/agent-process.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { statusFromSeverities } from '../clusters/status-rules';
import { detectClusterStatus } from '../clusters/status';
import { KINDS, type IncidentKind, type Severity } from './vocabulary';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let sim: Simulator;
let root = '';
let agent: AgentProcess | null = null;
let server: Server<unknown> | null = null;
let clusterId = '';

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 2, heartbeatRatePerMinute: 600, heartbeatBurst: 100 });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Scenario Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
  // A healthy cluster that does not change by itself: only the scenarios make trouble.
  sim = await startSimulator({ name: 'incidents', nodes: 3, pods: 20, tickMs: 500, evolve: false, problems: [], logLinesPerSecond: 0 });
  root = mkdtempSync(join(tmpdir(), 'niro-incidents-'));
  await sim.writeInClusterFiles(root);
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', idleTimeout: 60, fetch: (request) => t.app.fetch(request) });
  const created = await api.call('POST', '/v1/clusters', { name: 'scenarios', environment: 'production', orgId: org.id });
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  agent = startAgentProcess({ ...inClusterEnv(sim.port, root), NIRO_URL: `http://127.0.0.1:${server.port}`, NIRO_TOKEN: body.enrollment.token });
}, 60_000);

afterAll(async () => {
  await agent?.stop(3000);
  server?.stop(true);
  await sim?.stop();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

type Open = { kind: IncidentKind; subject: string; severity: Severity; count: number };
const openIncidents = async (): Promise<Open[]> =>
  ((await (await api.call('GET', `/v1/incidents?cluster=${clusterId}&limit=200`)).json()) as { incidents: Open[] }).incidents;
const clusterStatus = async (): Promise<string> => ((await (await api.call('GET', `/v1/clusters/${clusterId}`)).json()) as { status: string }).status;
/**
 * The status job's pass as if `minutes` had passed: thresholds reached, quiet periods over, statuses recomputed.
 * Its offline and unknown timeouts are set beyond that, so the moved clock does not take the cluster offline.
 */
const later = (minutes: number) =>
  detectClusterStatus(t.db, { heartbeatIntervalSeconds: 3600, offlineAfterSeconds: 86_400 }, new Date(Date.now() + minutes * 60_000));

const KIND_OF: Record<ScenarioName, IncidentKind> = {
  crashloop: 'pod_crash_looping',
  imagepull: 'image_pull_failing',
  oom: 'oom_killed',
  unschedulable: 'pod_pending_too_long',
  'stuck-pending': 'pod_pending_too_long',
  'node-not-ready': 'node_not_ready',
  'node-pressure': 'node_pressure',
  'workload-unavailable': 'workload_unavailable',
};

test('every scenario opens its incident, the status follows, the fix resolves it', async () => {
  await waitUntil(async () => ['healthy', 'warning', 'critical'].includes(await clusterStatus()), 30_000, 'a heartbeating cluster');
  expect(await openIncidents()).toEqual([]);
  expect(await clusterStatus()).toBe('healthy');
  for (const name of SCENARIOS) {
    const kind = KIND_OF[name];
    const target = sim.startScenario(name);
    const opened = await waitUntil(
      async () => {
        // Threshold kinds open once their threshold passed; the others with the beat that shows them.
        if (KINDS[kind].threshold) await later(11);
        return (await openIncidents()).find((i) => i.kind === kind && i.subject === target.subject) ?? null;
      },
      30_000,
      `${name}: ${kind} for ${target.subject}`,
    );
    if (name === 'crashloop') expect(opened.count).toBe(10);
    // The badge is the worst open severity (high → Critical, low/medium → Warning).
    await waitUntil(
      async () => (await clusterStatus()) === statusFromSeverities((await openIncidents()).map((i) => i.severity)),
      10_000,
      `${name}: status follows`,
    );
    expect(sim.fixScenario(target)).toBe(true);
    await waitUntil(
      async () => {
        await later(11);
        return !(await openIncidents()).some((i) => i.subject === target.subject);
      },
      60_000,
      `${name}: resolved after the fix`,
    );
  }
  await waitUntil(async () => (await openIncidents()).length === 0 && (await clusterStatus()) === 'healthy', 30_000, 'healthy again');
}, 240_000);
