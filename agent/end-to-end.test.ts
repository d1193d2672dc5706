// End to end: the real control plane (real Postgres, a real port) installs through its served /install.sh into the Kubernetes simulator and runs the real agent process: enrollment, heartbeats, pods in the API, capabilities following RBAC within a heartbeat, metrics-server absence, ping, apply refused then performed, backoff while the control plane is down and recovery, and a deleted cluster's agent going quiet.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { apiClient, commandSignals, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../src/testing/app.ts';
import { findPodDetail } from '../src/inventory/store.ts';
import { listPodBriefs } from '../src/inventory/pod-lookup.ts';
import { insertCommand } from '../src/commands/store.ts';
import { KEY_REJECTED_MESSAGE } from './heartbeat.ts';
import { inClusterEnv, startAgentProcess, waitUntil, type AgentProcess, type LogLine } from './testing/agent-process.ts';
import { PROTOCOL } from '../src/contract/index.ts';

const INTERVAL_SECONDS = 2;
/** A capability change shows on the first heartbeat after it: one interval (+20 % jitter), the beat itself, slack. */
const ONE_HEARTBEAT_MS = INTERVAL_SECONDS * 1200 + 2500;

const HEARTBEATING = ['healthy', 'warning', 'critical'];

type Api = Awaited<ReturnType<typeof apiClient>>;
type ClusterJson = {
  status: string;
  lastHeartbeatAt: string | null;
  capabilities: Record<string, { enabled: boolean }> | null;
  pods: { total: number; listed: number; running: number };
  cpu: { usageMilli: number | null };
  agent: { version: string | null; protocol: number | null };
};

let t: TestApp;
let api: Api;
let browser: Browser;
let sim: Simulator;
let root: string;
let agent: AgentProcess | null = null;
let server: Server<unknown> | null = null;
let port = 0;
let clusterId = '';
const kubectl = Bun.which('kubectl');

/** Serves the test app on a real socket; the same port again after a stop (so the agent's NIRO_URL holds). */
function serve(): void {
  server = Bun.serve({ port, hostname: '127.0.0.1', idleTimeout: 60, fetch: (request) => t.app.fetch(request) });
  port = server.port!;
}
const baseUrl = (): string => `http://127.0.0.1:${port}`;

async function cluster(): Promise<ClusterJson> {
  const res = await api.call('GET', `/v1/clusters/${clusterId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ClusterJson;
}

/** Runs the control plane's /install.sh (fetched over HTTP, as `curl … | sh` would) with kubectl as the cluster admin. */
async function runInstaller(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const script = await (await fetch(`${baseUrl()}/install.sh`)).text();
  const wrapper = join(root, 'kubectl-admin');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${kubectl} --kubeconfig ${sim.kubeconfigPath} --context ${sim.name}-admin "$@"\n`);
  chmodSync(wrapper, 0o755);
  const run = Bun.spawn(['sh', '-s'], {
    stdin: new TextEncoder().encode(script),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, KUBECTL: wrapper, NIRO_URL: baseUrl(), ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const stderr = await new Response(run.stderr).text();
  return { code: await run.exited, stderr };
}

/** What the kubelet would hand the agent's container: NIRO_URL from the ConfigMap, the token from the Secret. */
function agentEnvFromCluster(): Record<string, string> {
  const config = sim.get('configmaps', 'niro-system', 'niro-agent-config') as unknown as { data: Record<string, string> };
  const secret = sim.get('secrets', 'niro-system', 'niro-enrollment') as unknown as { data: { token: string } } | null;
  return {
    NIRO_URL: config.data.NIRO_URL!,
    NIRO_LOG_LEVEL: config.data.NIRO_LOG_LEVEL ?? 'info',
    ...(secret ? { NIRO_TOKEN: Buffer.from(secret.data.token, 'base64').toString() } : {}),
    // In-cluster configuration, as in a pod: service-account files, the API address from the environment,
    // and the cluster CA handed to Bun at start (the Deployment sets the same variable).
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(sim.port),
    NIRO_IN_CLUSTER_ROOT: root,
    NODE_EXTRA_CA_CERTS: join(root, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
  };
}

function errorLines(): LogLine[] {
  return (agent?.logs ?? []).filter((l) => l.level === 'error' || l.level === 'raw');
}

beforeAll(async () => {
  t = await startTestApp({
    heartbeatIntervalSeconds: INTERVAL_SECONDS,
    heartbeatRatePerMinute: 600,
    heartbeatBurst: 100,
    commandsPollSeconds: 5,
    statusCheckSeconds: 1,
  });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'E2E Org', null, { userId: user.id, role: 'owner' });
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
  sim = await startSimulator({ name: 'e2e', nodes: 3, pods: 60, tickMs: 0, logLinesPerSecond: 0 });
  root = mkdtempSync(join(tmpdir(), 'niro-e2e-'));
  await sim.writeInClusterFiles(root);
  serve();
  const created = await api.call('POST', '/v1/clusters', { name: 'e2e-edge-01', environment: 'staging', orgId: org.id });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  if (kubectl) {
    const install = await runInstaller({ NIRO_TOKEN: body.enrollment.token });
    if (install.code !== 0) throw new Error(`install.sh failed: ${install.stderr}`);
  }
  agent = startAgentProcess(
    kubectl
      ? agentEnvFromCluster()
      : // No kubectl here: the same settings the installer would have written.
        { ...agentEnvFromClusterless(), NIRO_URL: baseUrl(), NIRO_TOKEN: body.enrollment.token },
  );
}, 60_000);

function agentEnvFromClusterless(): Record<string, string> {
  return inClusterEnv(sim.port, root);
}

afterAll(async () => {
  // Always by pid: SIGTERM, then SIGKILL if it does not exit.
  await agent?.stop(3000);
  server?.stop(true);
  await sim?.stop();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function grantLogs(on: boolean): Promise<void> {
  if (!kubectl) {
    sim.setRbac({ logs: on });
    return;
  }
  // Re-running the installer with only the flag: no token, no restart — the agent re-detects its RBAC.
  const run = await runInstaller({ NIRO_ENABLE_LOGS: on ? '1' : '0' });
  expect(run.code).toBe(0);
  expect(run.stderr).not.toContain('rollout');
}

describe('agent and control plane, end to end', () => {
  test('enrolls with the installer’s token, heartbeats, and its pods show in the API and on the page', async () => {
    await agent!.waitForLog((l) => l.msg === 'enrolled', 20_000, 'enrollment');
    const c = await waitUntil(
      async () => {
        const j = await cluster();
        // Heartbeating: Healthy, or Warning/Critical from the simulated crash loops' incidents.
        return HEARTBEATING.includes(j.status) && j.pods.listed > 0 ? j : null;
      },
      20_000,
      'a heartbeating cluster with pods',
    );
    const simPods = sim.list('pods');
    expect(c.pods.total).toBe(simPods.length);
    expect(c.pods.listed).toBe(simPods.length);
    expect(c.agent.protocol).toBe(PROTOCOL);
    const { pods: stored } = await listPodBriefs(t.db, clusterId, { limit: 10_000 });
    expect(stored.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(simPods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort());
    const secret = sim.get('secrets', 'niro-system', 'niro-agent-key');
    expect(secret).not.toBeNull();
    const page = await (await browser.get(`/clusters/${clusterId}/workloads`)).text();
    expect(page).toContain('kube-system');
    // The token never reaches a log line.
    const token = agentEnvFromClusterOrNull()?.NIRO_TOKEN;
    if (token) expect(JSON.stringify(agent!.logs)).not.toContain(token);
  }, 45_000);

  test('logs granted in the cluster’s RBAC appear (API and page) within one heartbeat; revoked, they disappear', async () => {
    expect((await cluster()).capabilities?.logs?.enabled).toBe(false);
    const chip = async (): Promise<boolean> => /<span class="chip on"[^>]*>logs<\/span>/.test(await (await browser.get(`/clusters/${clusterId}`)).text());
    expect(await chip()).toBe(false);
    await grantLogs(true);
    await waitUntil(async () => (await cluster()).capabilities?.logs?.enabled === true, ONE_HEARTBEAT_MS, 'logs capability on');
    expect(await chip()).toBe(true);
    await grantLogs(false);
    await waitUntil(async () => (await cluster()).capabilities?.logs?.enabled === false, ONE_HEARTBEAT_MS, 'logs capability off');
    expect(await chip()).toBe(false);
  }, 30_000);

  test('metrics-server off: usage flagged unavailable, no errors; back on: usage returns', async () => {
    sim.setMetrics(false);
    const off = await waitUntil(
      async () => {
        const j = await cluster();
        return j.capabilities?.podMetrics?.enabled === false ? j : null;
      },
      ONE_HEARTBEAT_MS,
      'podMetrics off',
    );
    expect(HEARTBEATING).toContain(off.status);
    const { pods: stored } = await listPodBriefs(t.db, clusterId, { limit: 10_000 });
    const details = await Promise.all(stored.map((p) => findPodDetail(t.db, clusterId, p.namespace, p.name)));
    expect(details.filter((d) => d?.usageAvailable).length).toBe(0);
    expect(errorLines()).toEqual([]);
    sim.setMetrics(true);
    await waitUntil(
      async () => (await cluster()).cpu.usageMilli !== null && (await cluster()).capabilities?.podMetrics?.enabled === true,
      ONE_HEARTBEAT_MS,
      'usage back',
    );
  }, 30_000);

  test('ping round-trips through the agent and answers its latency', async () => {
    const res = await api.call('POST', `/v1/clusters/${clusterId}/ping`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; latencyMs: number; agentVersion: string };
    expect(body.ok).toBe(true);
    expect(body.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.latencyMs).toBeLessThan(3000);
    expect(body.agentVersion).toBe((await cluster()).agent.version!);
  }, 20_000);

  test('apply: refused without the capability (by the server, and by the agent on its own), performed with it', async () => {
    const manifests = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: niro-e2e\n  namespace: default\ndata:\n  hello: world\n';
    const refused = await api.call('POST', `/v1/clusters/${clusterId}/commands`, { type: 'apply', payload: { manifests } });
    expect(refused.status).toBe(409);

    // A server whose view is stale (capability revoked since the last beat) would let it through: the agent refuses.
    const stale = await insertCommand(t.db, {
      clusterId,
      type: 'apply',
      payload: { manifests },
      summary: 'apply (stale view)',
      createdBy: null,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
    });
    await commandSignals(t.bus).publishQueued(clusterId);
    const refusedByAgent = await waitUntil(
      async () => {
        const j = (await (await api.call('GET', `/v1/clusters/${clusterId}/commands/${stale.id}`)).json()) as {
          status: string;
          result: { details?: { code?: string }; message: string } | null;
        };
        return j.result ? j : null;
      },
      10_000,
      'the agent’s refusal',
    );
    expect(refusedByAgent.status).toBe('failed');
    expect(refusedByAgent.result!.details?.code).toBe('capability_missing');
    expect(sim.get('configmaps', 'default', 'niro-e2e')).toBeNull();

    sim.setRbac({ apply: true });
    await waitUntil(async () => (await cluster()).capabilities?.apply?.enabled === true, ONE_HEARTBEAT_MS, 'apply capability');
    const applied = await api.call('POST', `/v1/clusters/${clusterId}/commands`, { type: 'apply', payload: { manifests }, waitSeconds: 15 });
    expect(applied.status).toBe(200);
    const result = (await applied.json()) as { status: string; result: { ok: boolean; message: string } };
    expect(result.status).toBe('succeeded');
    expect(result.result.message).toContain('1 created');
    const object = sim.get('configmaps', 'default', 'niro-e2e') as unknown as {
      data: Record<string, string>;
      metadata: { managedFields?: { manager: string }[] };
    };
    expect(object.data).toEqual({ hello: 'world' });

    const deleted = await api.call('POST', `/v1/clusters/${clusterId}/commands`, {
      type: 'delete',
      payload: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'niro-e2e' },
      waitSeconds: 15,
    });
    expect(((await deleted.json()) as { status: string }).status).toBe('succeeded');
    expect(sim.get('configmaps', 'default', 'niro-e2e')).toBeNull();
    sim.setRbac({ apply: false });
  }, 45_000);

  test('control plane down: the agent backs off with growing delays and no crash, then recovers by itself', async () => {
    const from = agent!.logs.length;
    server!.stop(true);
    const failures = (): LogLine[] => agent!.logs.slice(from).filter((l) => l.msg === 'heartbeat failed');
    await waitUntil(() => failures().length >= 3, 30_000, 'three failed heartbeats');
    const seen = failures();
    expect(seen.map((l) => l.attempt)).toEqual(seen.map((_, i) => i + 1));
    const ceilings = seen.map((l) => Number(l.retryCeilingMs));
    for (let i = 1; i < ceilings.length; i++) expect(ceilings[i]!).toBeGreaterThan(ceilings[i - 1]!);
    for (const l of seen) expect(Number(l.retryInMs)).toBeLessThanOrEqual(Number(l.retryCeilingMs));
    expect(agent!.alive()).toBe(true);
    expect(agent!.logs.slice(from).filter((l) => l.level === 'error' || l.level === 'raw')).toEqual([]);

    const lastBefore = (await cluster()).lastHeartbeatAt;
    serve();
    await agent!.waitForLog((l) => l.msg === 'heartbeat recovered', 40_000, 'recovery');
    await waitUntil(async () => (await cluster()).lastHeartbeatAt !== lastBefore, 10_000, 'a new heartbeat stored');
    const ping = await api.call('POST', `/v1/clusters/${clusterId}/ping?timeoutSeconds=20`);
    expect(ping.status).toBe(200);
  }, 90_000);

  test('cluster deleted: the agent logs the rejection clearly and slows down', async () => {
    const from = agent!.logs.length;
    expect((await api.call('DELETE', `/v1/clusters/${clusterId}`)).status).toBe(200);
    const rejected = await agent!.waitForLog((l) => l.msg === KEY_REJECTED_MESSAGE && agent!.logs.indexOf(l) >= from, 10_000, 'the rejection');
    expect(String(rejected.reason)).toContain('was deleted from Niro');
    expect(String(rejected.reason)).toContain('kubectl delete namespace niro-system');
    expect(Number(rejected.retryInMs)).toBeGreaterThanOrEqual(60_000);
    // Quiet afterwards: no heartbeat reaches the server over several intervals.
    const beats = (): number => t.logs.filter((l) => l.includes('"path":"/v1/agent/heartbeat"')).length;
    const before = beats();
    const quietUntil = Date.now() + INTERVAL_SECONDS * 3 * 1000;
    await waitUntil(() => Date.now() >= quietUntil || beats() > before + 1, INTERVAL_SECONDS * 4 * 1000, 'the quiet period');
    expect(beats()).toBeLessThanOrEqual(before + 1);
    expect(agent!.logs.slice(from).filter((l) => l.msg === KEY_REJECTED_MESSAGE)).toHaveLength(1);
    expect(agent!.alive()).toBe(true);
  }, 30_000);
});

function agentEnvFromClusterOrNull(): Record<string, string> | null {
  return kubectl ? agentEnvFromCluster() : null;
}
