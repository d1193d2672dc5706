// Protocols 4 and 7 end to end: the real agent process, watching the simulator's workloads and PDBs, delivers them
// to the real control plane (real Postgres): every template on the first beat, then only the acknowledged
// generation (`workloadsBase`) while nothing changed, all again after the server lost them and answered
// `resendTemplates: true`; templates never carry env, envFrom, command or args;
// an incident scenario switched on and fixed on the running simulator reaches the stored workloads by watch.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../src/testing/app.ts';
import type { HeartbeatResponse, HeartbeatV2 } from '../src/contract/index.ts';
import { listWorkloads } from '../src/inventory/workloads.ts';
import { inClusterEnv, startAgentProcess, type AgentProcess } from './testing/agent-process.ts';
import { waitFor } from './testing/fake-kube.ts';

type Beat = { body: HeartbeatV2; response: HeartbeatResponse | null };

let t: TestApp;
let sim: Simulator;
let server: Server<unknown>;
let agent: AgentProcess | null = null;
let root: string;
let clusterId = '';
const beats: Beat[] = [];

/** The next beat carrying workloads that satisfies `check`, sent after this call. */
async function nextBeat(check: (beat: Beat) => boolean, what: string, from = beats.length): Promise<Beat> {
  await waitFor(() => beats.slice(from).some((b) => b.body.workloads !== undefined && check(b)), 20_000, what);
  return beats.slice(from).find((b) => b.body.workloads !== undefined && check(b))!;
}

const templates = (beat: Beat): number => beat.body.workloads!.filter((w) => w.template !== undefined).length;

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 1, heartbeatRatePerMinute: 600, heartbeatBurst: 100 });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Workloads Org', null, { userId: user.id, role: 'owner' });
  const api = await apiClient(t, await signIn(t, user));
  sim = await startSimulator({ name: 'wl', nodes: 2, pods: 50, tickMs: 0, evolve: false, logLinesPerSecond: 0 });
  root = mkdtempSync(join(tmpdir(), 'niro-wl-'));
  await sim.writeInClusterFiles(root);
  // The real app behind a socket; heartbeats are recorded on their way in and out.
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      if (new URL(request.url).pathname !== '/v1/agent/heartbeat') return t.app.fetch(request);
      const raw = new Uint8Array(await request.clone().arrayBuffer());
      const body = JSON.parse(new TextDecoder().decode(request.headers.get('content-encoding') === 'gzip' ? Bun.gunzipSync(raw) : raw)) as HeartbeatV2;
      const response = await t.app.fetch(request);
      const answer = response.ok ? ((await response.clone().json()) as HeartbeatResponse) : null;
      beats.push({ body, response: answer });
      return response;
    },
  });
  const created = await api.call('POST', '/v1/clusters', { name: 'wl-edge-01', environment: 'production', orgId: org.id });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  agent = startAgentProcess({
    NIRO_URL: `http://127.0.0.1:${server.port}`,
    NIRO_TOKEN: body.enrollment.token,
    ...inClusterEnv(sim.port, root),
  });
}, 60_000);

afterAll(async () => {
  await agent?.stop(3000);
  server?.stop(true);
  await sim?.stop();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('every workload with its template on the first beat, none on the second; the stored workloads have them all', async () => {
  const first = await nextBeat(() => true, 'the first beat with workloads', 0);
  const index = beats.indexOf(first);
  expect(first.body.protocol).toBeGreaterThanOrEqual(4);
  const expected = [
    ...sim.list('apps/deployments').map((o) => `${o.metadata.namespace}/Deployment/${o.metadata.name}`),
    ...sim.list('apps/statefulsets').map((o) => `${o.metadata.namespace}/StatefulSet/${o.metadata.name}`),
    ...sim.list('apps/daemonsets').map((o) => `${o.metadata.namespace}/DaemonSet/${o.metadata.name}`),
  ].sort();
  expect(first.body.workloads!.map((w) => `${w.namespace}/${w.kind}/${w.name}`).sort()).toEqual(expected);
  expect(new Set(first.body.workloads!.filter((w) => w.template).map((w) => w.templateHash)).size).toBe(
    new Set(first.body.workloads!.map((w) => w.templateHash)).size,
  );
  expect(first.body.workloadsTruncated).toBe(false);
  const web = first.body.workloads!.find((w) => w.namespace === 'shop' && w.name === 'web')!;
  expect(web).toMatchObject({ desired: 3, ready: 3, hasPdb: true });
  expect(first.body.workloads!.find((w) => w.name === 'grafana')!.hasPdb).toBe(false);
  // The simulator's postgres has env, node-exporter args, shop/api's init container a command: none reach Niro.
  const text = JSON.stringify(first.body.workloads);
  for (const field of ['"env"', '"envFrom"', '"command"', '"args"', 'PGDATA', '--path.procfs']) expect(text).not.toContain(field);

  // Nothing changed in the simulator: the next beat names the acknowledged generation instead of the list.
  await waitFor(() => beats.length > index + 1, 20_000, 'the second beat');
  const second = beats[index + 1]!;
  expect(first.response?.workloadsGeneration).toBeString();
  expect(second.body.workloads).toBeUndefined();
  expect(second.body.workloadsBase).toBe(first.response!.workloadsGeneration!);
  expect(second.response?.workloadsGeneration).toBe(first.response!.workloadsGeneration!);

  const stored = await listWorkloads(t.db, clusterId);
  expect(stored).toHaveLength(expected.length);
  expect(stored.every((w) => w.template !== null)).toBe(true);
  const exporter = stored.find((w) => w.name === 'node-exporter')!;
  expect(exporter.template!.spec).toMatchObject({ hostNetwork: true, hostPID: true });
});

test('a server that lost the templates asks for them, and the next beat carries every one', async () => {
  await t.db.execute(sql`update cluster_workloads set template = null where cluster_id = ${clusterId}`);
  await t.db.execute(sql`update clusters set workloads_hash = null where id = ${clusterId}`);
  const from = beats.length;
  await waitFor(() => beats.slice(from).some((b) => b.response?.resendTemplates === true), 20_000, 'resendTemplates: true');
  const asked = beats.slice(from).find((b) => b.response?.resendTemplates === true)!;
  // The agent named a generation the server no longer holds: nothing stored changed, and the server asked again.
  expect(asked.body.workloadsBase).toBeString();
  expect(asked.response?.workloadsGeneration).toBeUndefined();
  await waitFor(() => beats.length > beats.indexOf(asked) + 1, 20_000, 'the beat after');
  const all = beats[beats.indexOf(asked) + 1]!;
  expect(templates(all)).toBe(new Set(all.body.workloads!.map((w) => w.templateHash)).size);
  await waitFor(() => beats.length > beats.indexOf(all) + 1, 20_000, 'one more beat');
  expect((await listWorkloads(t.db, clusterId)).every((w) => w.template !== null)).toBe(true);
  expect(beats[beats.indexOf(all) + 1]!.body.workloadsBase).toBe(all.response!.workloadsGeneration!);
});

test('an incident scenario and its fix reach the control plane through the watches', async () => {
  const target = sim.startScenario('crashloop', { replicas: 10 });
  const broken = await nextBeat((b) => b.body.workloads!.some((w) => w.name === target.name), 'the crash-looping Deployment');
  const seen = broken.body.workloads!.find((w) => w.name === target.name)!;
  expect(seen).toMatchObject({ kind: 'Deployment', namespace: 'incidents', desired: 10, ready: 0 });
  expect(seen.template).toBeDefined();
  // Troubled workloads sort first: a truncated list would still carry it.
  const firstHealthy = broken.body.workloads!.findIndex((w) => w.ready >= w.desired && !w.progressing);
  expect(broken.body.workloads!.findIndex((w) => w.name === target.name)).toBeLessThan(firstHealthy);

  sim.fixScenario(target);
  sim.tick();
  const fixed = await nextBeat((b) => b.body.workloads!.some((w) => w.name === target.name && w.ready === 10), 'the fixed Deployment');
  const after = fixed.body.workloads!.find((w) => w.name === target.name)!;
  expect(after.templateHash).not.toBe(seen.templateHash);
  const stored = (await listWorkloads(t.db, clusterId)).find((w) => w.name === target.name)!;
  expect(stored).toMatchObject({ desired: 10, templateHash: after.templateHash });
  expect(stored.template).not.toBeNull();
});
