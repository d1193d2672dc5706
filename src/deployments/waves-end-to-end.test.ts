// Waves end to end: the real control plane with its background job (real Postgres), two real agent processes and
// two simulators. A rollout in two waves reaches the second cluster only after the first is applied and Healthy;
// both simulators hold the objects with field manager niro; `kubectl edit` on one shows as drift on the deployment
// and one click of re-apply clears it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { inClusterEnv, startAgentProcess, type AgentProcess } from '../../agent/testing/agent-process.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { listen } from '../testing/browser';
import { createLogger } from '../log';
import type { Job } from '../db/jobs';
import { startDeploymentJob } from './waves-job';
import type { DeploymentHealthJson, DeploymentRolloutJson } from './waves-responses';

const kubectlPath = Bun.which('kubectl');
const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`;

type Site = { name: string; sim: Simulator; root: string; agent: AgentProcess; clusterId: string };

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let job: Job;
const sites: Site[] = [];

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 1, heartbeatRatePerMinute: 600, heartbeatBurst: 100, commandsPollSeconds: 2 });
  const url = listen(t);
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Waves E2E', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
  for (const name of ['wave-a', 'wave-b']) {
    const sim = await startSimulator({ name, nodes: 1, pods: 5, tickMs: 200, evolve: false, logLinesPerSecond: 0, problems: [], rbac: { apply: true } });
    const root = mkdtempSync(join(tmpdir(), `niro-${name}-`));
    await sim.writeInClusterFiles(root);
    const created = await json<{ cluster: { id: string }; enrollment: { token: string } }>(
      await api.call('POST', '/v1/clusters', { name, environment: 'staging', orgId: org.id }),
    );
    const agent = startAgentProcess({ NIRO_URL: url, NIRO_TOKEN: created.enrollment.token, ...inClusterEnv(sim.port, root) });
    sites.push({ name, sim, root, agent, clusterId: created.cluster.id });
  }
  // Each agent has heartbeated with the apply capability on.
  for (const s of sites) {
    await waitUntil(
      async () => {
        const c = await json<{ capabilities: { apply?: { enabled: boolean } } | null }>(await api.call('GET', `/v1/clusters/${s.clusterId}`));
        return c.capabilities?.apply?.enabled === true;
      },
      30_000,
      `${s.name} to report the apply capability`,
    );
  }
  job = startDeploymentJob({ db: t.db, log: createLogger('error', () => {}), metrics: t.replica.metrics, signals: t.replica.commandSignals, intervalMs: 250 });
}, 90_000);

afterAll(async () => {
  await job?.stop();
  for (const s of sites) {
    await s.agent.stop(3000);
    await s.sim.stop();
    rmSync(s.root, { recursive: true, force: true });
  }
  await t.app.stop?.();
  await t?.close();
});

describe('a deployment in two waves through real agents', () => {
  let depId = '';

  test('wave 2 starts only after wave 1 is applied and Healthy for the set time; both simulators hold the objects as niro', async () => {
    const created = await json<{ deployment: { id: string } }>(
      await api.call('POST', '/v1/deployments', {
        name: 'web',
        namespace: 'shop',
        manifests: MANIFESTS,
        targets: { clusterIds: sites.map((s) => s.clusterId) },
      }),
    );
    depId = created.deployment.id;
    const started = await json<DeploymentRolloutJson>(
      await api.call('POST', `/v1/deployments/${depId}/rollouts`, { waves: [[sites[0].clusterId]], healthySeconds: 2 }),
    );
    expect(started.clusters.map((c) => [c.clusterName, c.wave, c.state])).toEqual([
      ['wave-a', 0, 'applying'],
      ['wave-b', 1, 'waiting'],
    ]);
    let r = started;
    await waitUntil(
      async () => {
        r = await json<DeploymentRolloutJson>(await api.call('GET', `/v1/deployments/${depId}/rollouts/${started.id}`));
        return r.status !== 'running';
      },
      60_000,
      'the rollout to finish',
    );
    expect(r.status).toBe('completed');
    const [a, b] = r.clusters;
    // Order: b was applied only after a held Healthy for 2 s.
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.healthySince!) + 2000);
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt!));
    for (const s of sites) {
      const web = s.sim.get('apps/deployments', 'shop', 'web')!;
      expect(web.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'niro', 'niro.dev/deployment': depId });
      expect((web.metadata.managedFields as { manager: string }[]).map((f) => f.manager)).toContain('niro');
    }
    const health = await json<DeploymentHealthJson>(await api.call('GET', `/v1/deployments/${depId}/health`));
    expect(health.clusters.map((c) => [c.clusterName, c.status, c.health])).toEqual([
      ['wave-a', 'applied', 'Healthy'],
      ['wave-b', 'applied', 'Healthy'],
    ]);
  }, 90_000);

  test.skipIf(!kubectlPath)(
    'kubectl edit on one cluster shows as drift on the deployment; re-apply clears it',
    async () => {
      const s = sites[0];
      const editor = join(s.root, 'edit.sh');
      writeFileSync(editor, `#!/bin/sh\nsed -i 's/^  replicas: 2$/  replicas: 4/' "$1"\n`);
      chmodSync(editor, 0o755);
      const child = Bun.spawn([kubectlPath!, '--kubeconfig', s.sim.kubeconfigPath, '--context', `${s.name}-admin`, 'edit', 'deployment', 'web', '-n', 'shop'], {
        env: { ...process.env, KUBE_EDITOR: editor, EDITOR: editor },
        stdout: 'pipe',
        stderr: 'pipe',
      });
      expect(await child.exited).toBe(0);
      const driftOf = async (): Promise<string[]> => {
        const h = await json<DeploymentHealthJson>(await api.call('GET', `/v1/deployments/${depId}/health`));
        return h.clusters.find((c) => c.clusterId === s.clusterId)!.drift.flatMap((d) => d.fields.map((f) => `${d.kind}/${d.name} ${f}`));
      };
      await waitUntil(async () => (await driftOf()).length > 0, 20_000, 'drift on the deployment');
      expect(await driftOf()).toEqual(['Deployment/web spec.replicas']);
      expect((await api.call('POST', `/v1/deployments/${depId}/clusters/${s.clusterId}/reapply`)).status).toBe(202);
      await waitUntil(async () => (await driftOf()).length === 0, 20_000, 'drift to clear');
      expect((s.sim.get('apps/deployments', 'shop', 'web')!.spec as { replicas: number }).replicas).toBe(2);
    },
    60_000,
  );
});
