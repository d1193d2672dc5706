// Deployments through the agent, end to end: the real control plane (real Postgres), the real agent process and the
// simulator, with the real kubectl playing the operator who edits by hand. An apply stamped with a deployment labels
// every object and leaves field manager niro; the agent's managed view reports the objects; `kubectl edit` shows as
// drift in the next heartbeat and on the timeline; a forced re-apply clears it; a restarted agent rebuilds its view
// from the API (drift made while it was down included); prune removes only labelled dropped objects; the deployment
// delete form removes exactly what carries the label, never a namespace.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../src/testing/app.ts';
import { listTimeline } from '../src/clusters/timeline.ts';
import { listManagedObjects, type ManagedObjectRow } from '../src/inventory/managed.ts';
import type { CommandResult, HeartbeatV2 } from '../src/contract/index.ts';
import { inClusterEnv, startAgentProcess, type AgentProcess } from './testing/agent-process.ts';

const kubectlPath = Bun.which('kubectl');
const DEPLOYMENT = '0b7e5a8c-2f4d-4c3b-9e1a-6d5f4c3b2a19';

let t: TestApp;
let sim: Simulator;
let api: Awaited<ReturnType<typeof apiClient>>;
let agent: AgentProcess | null = null;
let agentEnv: Record<string, string>;
let root: string;
let server: ReturnType<typeof Bun.serve>;
let clusterId = '';
const beats: HeartbeatV2[] = [];

const REVISION_1 = `apiVersion: apps/v1
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
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {mode: blue}
`;
// Revision 2 drops the ConfigMap.
const REVISION_2 = REVISION_1.slice(0, REVISION_1.indexOf('---\napiVersion: v1\nkind: ConfigMap'));

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

async function kubectl(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = Bun.spawn([kubectlPath!, '--kubeconfig', sim.kubeconfigPath, '--context', 'dep-admin', '--request-timeout', '10s', ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
    env: { ...process.env, ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${code}): ${stderr}`);
  return stdout;
}

/** `kubectl edit` with an editor script that runs `sed` on the object's YAML. */
async function kubectlEdit(kind: string, name: string, sedExpression: string): Promise<void> {
  const editor = join(root, `edit-${Date.now()}.sh`);
  writeFileSync(editor, `#!/bin/sh\nsed -i '${sedExpression}' "$1"\n`);
  chmodSync(editor, 0o755);
  await kubectl(['edit', kind, name, '-n', 'shop'], { KUBE_EDITOR: editor, EDITOR: editor });
}

async function command(
  type: 'apply' | 'delete',
  payload: unknown,
): Promise<{ status: string; result: CommandResult | null; httpStatus: number; body: unknown }> {
  const res = await api.call('POST', `/v1/clusters/${clusterId}/commands`, { type, payload, waitSeconds: 20 });
  const body = (await res.json()) as { status: string; result: CommandResult | null };
  return { ...body, httpStatus: res.status, body };
}

const rows = (): Promise<ManagedObjectRow[]> => listManagedObjects(t.db, { clusterId });
const describeRow = (r: ManagedObjectRow): string => `${r.kind}/${r.name}@${r.revision}${r.drift.length ? ` drift=${r.drift.join(',')}` : ''}`;

function startAgent(): AgentProcess {
  return startAgentProcess(agentEnv);
}

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 1, heartbeatRatePerMinute: 600, heartbeatBurst: 100 });
  const user = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Deployments Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
  sim = await startSimulator({ name: 'dep', nodes: 1, pods: 5, tickMs: 0, evolve: false, logLinesPerSecond: 0, rbac: { apply: true } });
  root = mkdtempSync(join(tmpdir(), 'niro-dep-'));
  await sim.writeInClusterFiles(root);
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      if (new URL(request.url).pathname === '/v1/agent/heartbeat') {
        const raw = new Uint8Array(await request.clone().arrayBuffer());
        beats.push(JSON.parse(new TextDecoder().decode(request.headers.get('content-encoding') === 'gzip' ? Bun.gunzipSync(raw) : raw)) as HeartbeatV2);
      }
      return t.app.fetch(request);
    },
  });
  const created = await api.call('POST', '/v1/clusters', { name: 'dep-edge-01', environment: 'production', orgId: org.id });
  expect(created.status).toBe(201);
  const body = (await created.json()) as { cluster: { id: string }; enrollment: { token: string } };
  clusterId = body.cluster.id;
  agentEnv = { NIRO_URL: `http://127.0.0.1:${server.port}`, NIRO_TOKEN: body.enrollment.token, ...inClusterEnv(sim.port, root) };
  agent = startAgent();
  // The apply capability is granted: the managed view starts, and the first set (empty) is stored.
  await waitUntil(() => beats.some((b) => b.managed !== undefined), 20_000, 'a beat with the managed set');
  if (!kubectlPath) return;
  await kubectl(['create', 'namespace', 'shop']);
  await kubectl(['create', 'configmap', 'hand-made', '-n', 'shop', '--from-literal=x=1']);
}, 60_000);

afterAll(async () => {
  await agent?.stop(3000);
  server?.stop(true);
  await sim?.stop();
  await t?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!kubectlPath)('deployments through the agent', () => {
  test('apply with a deployment: every object labelled and annotated, field manager niro; the managed set is stored', async () => {
    const applied = await command('apply', { manifests: REVISION_1, deployment: { id: DEPLOYMENT, revision: 1 } });
    expect(applied.status).toBe('succeeded');
    expect(applied.result!.details!.objects!.map((o) => `${o.kind}/${o.name}:${o.action}`)).toEqual([
      'Deployment/web:created',
      'Service/web:created',
      'ConfigMap/web-config:created',
    ]);
    for (const [kind, name] of [
      ['deployment', 'web'],
      ['service', 'web'],
      ['configmap', 'web-config'],
    ]) {
      const object = JSON.parse(await kubectl(['get', kind, name, '-n', 'shop', '-o', 'json', '--show-managed-fields'])) as {
        metadata: { labels: Record<string, string>; annotations: Record<string, string>; managedFields: { manager: string; operation: string }[] };
      };
      expect(object.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'niro', 'niro.dev/deployment': DEPLOYMENT });
      expect(object.metadata.annotations['niro.dev/revision']).toBe('1');
      expect(object.metadata.managedFields.map((e) => `${e.manager}:${e.operation}`)).toEqual(['niro:Apply']);
    }
    // The applied field set is paths only.
    const annotation = JSON.parse(
      await kubectl(['get', 'configmap', 'web-config', '-n', 'shop', '-o', 'jsonpath={.metadata.annotations.niro\\.dev/applied-fields}']),
    ) as unknown;
    expect(annotation).toMatchObject({ data: { mode: 0 } });
    expect(JSON.stringify(annotation)).not.toContain('blue');
    // The selector finds exactly them (the hand-made ConfigMap is not Niro's).
    expect(
      (await kubectl(['get', 'deployments,services,configmaps', '-n', 'shop', '-l', 'app.kubernetes.io/managed-by=niro', '-o', 'name']))
        .trim()
        .split('\n')
        .sort(),
    ).toEqual(['configmap/web-config', 'deployment.apps/web', 'service/web']);
    await waitUntil(async () => (await rows()).length === 3, 10_000, 'three managed rows');
    expect((await rows()).map(describeRow)).toEqual(['ConfigMap/web-config@1', 'Deployment/web@1', 'Service/web@1']);
    expect((await rows()).every((r) => r.deploymentId === DEPLOYMENT)).toBe(true);
  }, 45_000);

  test('steady beats carry no managed set', async () => {
    const from = beats.length;
    await waitUntil(() => beats.length >= from + 3, 10_000, 'three more beats');
    expect(beats.slice(from + 1).filter((b) => b.managed !== undefined)).toEqual([]);
  }, 20_000);

  test('kubectl edit of a managed field → drift in the next heartbeat and on the timeline → re-apply clears it', async () => {
    await kubectlEdit('deployment', 'web', 's/^  replicas: 2$/  replicas: 5/');
    await kubectlEdit('configmap', 'web-config', 's/^  mode: blue$/  mode: green/');
    await waitUntil(async () => (await rows()).filter((r) => r.drift.length > 0).length === 2, 10_000, 'drift stored');
    expect((await rows()).map(describeRow)).toEqual(['ConfigMap/web-config@1 drift=data.mode', 'Deployment/web@1 drift=spec.replicas', 'Service/web@1']);
    const reported = beats.findLast((b) => b.managed !== undefined)!.managed!;
    expect(reported.find((m) => m.kind === 'Deployment')!.drift).toEqual(['spec.replicas']);
    const timeline = (await listTimeline(t.db, clusterId, { limit: 20, kind: 'drift' })).map((e) => e.message).sort();
    expect(timeline).toEqual(['Drift on ConfigMap shop/web-config: data.mode', 'Drift on Deployment shop/web: spec.replicas']);

    const again = await command('apply', { manifests: REVISION_1, deployment: { id: DEPLOYMENT, revision: 1 } });
    expect(again.status).toBe('succeeded');
    expect(await kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
    await waitUntil(async () => (await rows()).every((r) => r.drift.length === 0), 10_000, 'drift cleared');
    const cleared = (await listTimeline(t.db, clusterId, { limit: 20, kind: 'drift' })).map((e) => e.message);
    expect(cleared).toContain('Deployment shop/web back in sync with revision 1');
    expect(cleared).toContain('ConfigMap shop/web-config back in sync with revision 1');
  }, 45_000);

  test('a restarted agent rebuilds its managed view from the API, drift made while it was down included', async () => {
    await agent!.stop(5000);
    await kubectlEdit('deployment', 'web', 's/image: nginx:1.27/image: nginx:1.28/');
    const from = beats.length;
    agent = startAgent();
    await waitUntil(() => beats.slice(from).some((b) => b.managed !== undefined), 20_000, 'the new process’s first managed set');
    const first = beats.slice(from).find((b) => b.managed !== undefined)!;
    expect(first.managed!.map((m) => `${m.kind}/${m.name}:${m.drift.join(',')}`)).toEqual([
      'ConfigMap/web-config:',
      'Deployment/web:spec.template.spec.containers[name=web].image',
      'Service/web:',
    ]);
    await waitUntil(async () => (await rows()).some((r) => r.drift.length > 0), 10_000, 'drift stored after the restart');
    expect((await command('apply', { manifests: REVISION_1, deployment: { id: DEPLOYMENT, revision: 1 } })).status).toBe('succeeded');
    await waitUntil(async () => (await rows()).every((r) => r.drift.length === 0), 10_000, 'drift cleared');
  }, 60_000);

  test('revision 2 prunes the dropped ConfigMap, and only objects carrying the deployment label', async () => {
    const applied = await command('apply', {
      manifests: REVISION_2,
      deployment: { id: DEPLOYMENT, revision: 2 },
      prune: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web-config' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'hand-made' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'never-existed' },
        { apiVersion: 'v1', kind: 'Namespace', namespace: 'shop', name: 'shop' },
      ],
    });
    expect(applied.status).toBe('succeeded');
    expect(applied.result!.message).toContain('applied 2 object(s)');
    expect(applied.result!.details!.objects!.map((o) => `${o.kind}/${o.name}:${o.action}${o.message ? ` (${o.message})` : ''}`)).toEqual([
      'Deployment/web:configured',
      'Service/web:configured',
      'ConfigMap/web-config:pruned',
      'ConfigMap/hand-made:skipped (has no niro.dev/deployment label: not created by this deployment)',
      'ConfigMap/never-existed:not-found',
      'Namespace/shop:skipped (Niro never deletes namespaces)',
    ]);
    expect(sim.get('configmaps', 'shop', 'web-config')).toBeNull();
    expect(sim.get('configmaps', 'shop', 'hand-made')).not.toBeNull();
    await waitUntil(async () => (await rows()).map(describeRow).join() === 'Deployment/web@2,Service/web@2', 10_000, 'revision 2 stored');
  }, 45_000);

  test('delete by deployment: a namespace in the list refuses it all; otherwise exactly the labelled objects go', async () => {
    const refused = await command('delete', {
      deployment: DEPLOYMENT,
      objects: [
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        { apiVersion: 'v1', kind: 'Namespace', namespace: 'shop', name: 'shop' },
      ],
    });
    expect(refused.httpStatus).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(refused.body)).toContain('payload.objects.1.kind: Niro never deletes namespaces');
    expect(sim.get('apps/deployments', 'shop', 'web')).not.toBeNull();

    const deleted = await command('delete', {
      deployment: DEPLOYMENT,
      objects: [
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'hand-made' },
      ],
    });
    expect(deleted.status).toBe('succeeded');
    expect(deleted.result!.details!.objects!.map((o) => `${o.kind}/${o.name}:${o.action}`)).toEqual([
      'Deployment/web:deleted',
      'Service/web:deleted',
      'ConfigMap/hand-made:skipped',
    ]);
    expect(sim.get('apps/deployments', 'shop', 'web')).toBeNull();
    expect(sim.get('services', 'shop', 'web')).toBeNull();
    expect(sim.get('configmaps', 'shop', 'hand-made')).not.toBeNull();
    expect(sim.get('namespaces', undefined, 'shop')).not.toBeNull();
    await waitUntil(async () => (await rows()).length === 0, 10_000, 'no managed rows left');
  }, 45_000);
});
