// Deployments over HTTP on real Postgres: import validation names the document and field, targeting stays in the
// org subtree (clusters, environments, labels), revisions are immutable and numbered (unchanged content makes
// none), diff, rollback, apply queues one command per cluster with the deployment stamp and prune list, a cluster
// without the apply capability refuses the whole apply before anything is queued, agent results move the
// per-cluster status, delete removes exactly what was created (never the namespace), tenancy 404, audit.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { AGENT_KEY_HEADER, AGENT_PATHS, type Capabilities, type CommandEnvelope, type CommandResult, type ObjectResult } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';
import { failExpiredDeploymentTargets } from './results';
import type { DeploymentDetailJson } from './responses';

type Api = Awaited<ReturnType<typeof apiClient>>;
const APPLY_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } };

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:latest
`;
const SVC = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
`;
const CFG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  a: "1"
`;
const NS = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
`;
const V1 = [NS, WEB, SVC, CFG].join('---\n');
const V2 = [NS, WEB.replace('replicas: 2', 'replicas: 3'), SVC].join('---\n');

let t: TestApp;
let api: Api;
let outsider: Api;
let orgId = '';
let childOrgId = '';
const clusters: Record<string, { clusterId: string; agentKey: string }> = {};

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function errorOf(res: Response, status: number): Promise<{ code: string; message: string }> {
  return (await json<{ error: { code: string; message: string } }>(res, status)).error;
}

async function poll(name: string): Promise<CommandEnvelope[]> {
  const res = await t.request(AGENT_PATHS.commands, { headers: { [AGENT_KEY_HEADER]: clusters[name].agentKey } });
  return (await json<{ commands: CommandEnvelope[] }>(res, 200)).commands;
}

async function report(name: string, id: string, ok: boolean, message: string, objects: ObjectResult[]): Promise<void> {
  const body: CommandResult = { commandId: id, ok, message, durationMs: 5, details: { objects } };
  const res = await t.request(AGENT_PATHS.commandResult.replace(':id', id), {
    method: 'POST',
    headers: { [AGENT_KEY_HEADER]: clusters[name].agentKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(204);
}

async function commandCount(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from commands`);
  return row.n;
}

const obj = (apiVersion: string, kind: string, name: string, action: ObjectResult['action'], message?: string): ObjectResult => ({
  apiVersion,
  kind,
  namespace: kind === 'Namespace' ? '' : 'shop',
  name,
  action,
  ...(message ? { message } : {}),
});

beforeAll(async () => {
  t = await startTestApp({ commandsPollSeconds: 1, heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const owner = await makeUser(t.db);
  const org = await makeOrg(t.db, 'Deploy Org', null, { userId: owner.id, role: 'owner' });
  const child = await makeOrg(t.db, 'Deploy Child', org);
  orgId = org.id;
  childOrgId = child.id;
  api = await apiClient(t, await signIn(t, owner));
  const other = await makeUser(t.db);
  await makeOrg(t.db, 'Other Org', null, { userId: other.id, role: 'owner' });
  outsider = await apiClient(t, await signIn(t, other));
  const fleet: [string, string, string, Capabilities][] = [
    ['berlin', 'production', orgId, APPLY_ON],
    ['munich', 'production', childOrgId, APPLY_ON],
    ['lab', 'dev', orgId, APPLY_ON],
    ['old-agent', 'staging', orgId, ALL_CAPABILITIES_OFF],
  ];
  for (const [name, environment, org, caps] of fleet) {
    clusters[name] = await createEnrolledCluster(t, api, { name, environment, orgId: org });
    expect((await sendHeartbeat(t, clusters[name].agentKey, makeHeartbeat({ capabilities: caps }))).status).toBe(200);
  }
  clusters.outside = await createEnrolledCluster(t, outsider, { name: 'outside', environment: 'production' });
  await sendHeartbeat(t, clusters.outside.agentKey, makeHeartbeat({ capabilities: APPLY_ON }));
});
afterAll(async () => {
  await t.close();
});

describe('cluster labels', () => {
  test('are set through the API, checked as Kubernetes labels (the field named), and audited', async () => {
    const bad = await errorOf(await api.call('PATCH', `/v1/clusters/${clusters.berlin.clusterId}`, { labels: { 'site!': 'berlin' } }), 400);
    expect(bad.message).toStartWith('labels.site!: key');
    const badValue = await errorOf(await api.call('PATCH', `/v1/clusters/${clusters.berlin.clusterId}`, { labels: { site: '-x' } }), 400);
    expect(badValue.message).toStartWith('labels.site: value');
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    expect((await api.call('PATCH', `/v1/clusters/${clusters.berlin.clusterId}`, { labels: tooMany })).status).toBeGreaterThanOrEqual(400);
    for (const [name, labels] of [
      ['berlin', { tier: 'edge', 'example.com/site': 'berlin' }],
      ['munich', { tier: 'edge' }],
      ['lab', { tier: 'lab' }],
    ] as const) {
      const c = await json<{ labels: Record<string, string> }>(await api.call('PATCH', `/v1/clusters/${clusters[name].clusterId}`, { labels }), 200);
      expect(c.labels).toEqual(labels);
    }
    const [audit] = await queryRows<{ details: { labels: { to: Record<string, string> } } }>(
      t.db,
      sql`select details from audit_events where action = 'cluster.update' and target = ${clusters.munich.clusterId} order by id desc limit 1`,
    );
    expect(audit.details.labels.to).toEqual({ tier: 'edge' });
  });
});

describe('import validation', () => {
  const validate = (manifests: string, namespace = 'shop') => api.call('POST', '/v1/deployments/validate', { namespace, manifests, orgId });

  test('names the document and the field', async () => {
    const clusterScoped = `${CFG}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin\n`;
    expect((await errorOf(await validate(clusterScoped), 400)).message).toBe(
      'manifests: document 2 (ClusterRole admin): kind: ClusterRole is cluster-scoped; a deployment holds namespaced objects only (and its own Namespace)',
    );
    expect((await errorOf(await validate(SVC.replace('namespace: shop', 'namespace: other')), 400)).message).toContain(
      'document 1 (Service web): metadata.namespace: must be the deployment\'s namespace "shop"',
    );
    expect((await errorOf(await validate(`${CFG}---\nkind: Widget\napiVersion: example.com/v1\nmetadata: { name: w }\n`), 400)).message).toContain(
      'document 2 (Widget w): kind: Widget is not a kind deployments accept',
    );
    expect((await errorOf(await validate('apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n'), 400)).message).toBe(
      'manifests: document 1 (Deployment): metadata.name: required',
    );
    expect((await errorOf(await validate('apiVersion: v1\nkind: Deployment\nmetadata: { name: x }\n'), 400)).message).toContain(
      'apiVersion: Deployment must be apps/v1',
    );
    expect((await errorOf(await validate(`${CFG}---\n${CFG}`), 400)).message).toContain('document 2: ConfigMap shop/cfg is already defined in document 1');
    expect((await errorOf(await validate('a: [1\n'), 400)).message).toStartWith('manifests: document 1: not valid YAML at line');
    expect((await errorOf(await validate(NS.replace('name: shop', 'name: kube-system')), 400)).message).toContain(
      'the only Namespace a deployment may hold is its own',
    );
    const many = Array.from({ length: 201 }, (_, i) => CFG.replace('name: cfg', `name: c${i}`)).join('---\n');
    expect((await errorOf(await validate(many), 400)).message).toContain('at most 200');
    // The body bound is enforced before the route runs.
    expect((await validate('x'.repeat(1_048_577))).status).toBeGreaterThanOrEqual(400);
  });

  test('accepts JSON (one object or a list) and answers the build-time findings', async () => {
    const res = await json<{ objects: { kind: string; namespace: string }[]; findings: { subject: string; ruleId: string }[]; environment: string }>(
      await api.call('POST', '/v1/deployments/validate', {
        orgId,
        namespace: 'shop',
        manifests: JSON.stringify([
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'web' },
            spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:latest' }] } } },
          },
        ]),
        targets: { environments: ['production'] },
      }),
      200,
    );
    expect(res.objects.map((o) => `${o.kind}/${o.namespace}`)).toEqual(['ConfigMap/shop', 'Deployment/shop']);
    expect(res.environment).toBe('production');
    expect(res.findings.some((f) => f.subject === 'shop/Deployment/web')).toBe(true);
  });
});

describe('a deployment through its life', () => {
  let id = '';

  test('create: name and namespace checked, targets only within the org subtree, findings answered', async () => {
    const base = { orgId, name: 'shop', namespace: 'shop', manifests: V1 };
    expect((await errorOf(await api.call('POST', '/v1/deployments', { ...base, name: 'Shop!' }), 400)).message).toStartWith('name:');
    expect((await errorOf(await api.call('POST', '/v1/deployments', { ...base, namespace: 'kube-system' }), 400)).message).toStartWith('namespace:');
    expect(
      (
        await errorOf(
          await api.call('POST', '/v1/deployments', { ...base, targets: { clusterIds: [clusters.berlin.clusterId, clusters.outside.clusterId] } }),
          400,
        )
      ).message,
    ).toBe('targets.clusterIds[1]: no such cluster in this organization or its children');
    expect((await errorOf(await api.call('POST', '/v1/deployments', { ...base, targets: { environments: ['prod'] } }), 400)).message).toStartWith(
      'targets.environments[0]: must be one of',
    );
    const created = await json<{
      deployment: { id: string; latestRevision: number };
      revision: { number: number; sha256: string; objects: unknown[] };
      findings: unknown[];
    }>(await api.call('POST', '/v1/deployments', { ...base, targets: { labels: { tier: 'edge' } } }), 201);
    id = created.deployment.id;
    expect(created.revision.number).toBe(1);
    expect(created.revision.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(created.revision.objects).toHaveLength(4);
    expect(created.findings.length).toBeGreaterThan(0);
    expect((await errorOf(await api.call('POST', '/v1/deployments', base), 409)).code).toBe('name_taken');
  });

  test('targets by label resolve within the subtree (a child org’s cluster too), never another org', async () => {
    const d = await json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);
    expect(d.candidates.map((c) => c.clusterName)).toEqual(['berlin', 'munich']);
    expect(d.candidates.every((c) => c.applyEnabled)).toBe(true);
  });

  test('tenancy: another org’s caller gets 404 for every route', async () => {
    expect((await outsider.call('GET', `/v1/deployments/${id}`)).status).toBe(404);
    expect((await outsider.call('GET', `/v1/deployments/${id}/revisions`)).status).toBe(404);
    expect((await outsider.call('POST', `/v1/deployments/${id}/apply`, {})).status).toBe(404);
    expect((await outsider.call('DELETE', `/v1/deployments/${id}`)).status).toBe(404);
    expect((await outsider.call('GET', `/v1/clusters/${clusters.berlin.clusterId}/deployments`)).status).toBe(404);
    const list = await json<{ deployments: unknown[] }>(await outsider.call('GET', '/v1/deployments'), 200);
    expect(list.deployments).toEqual([]);
  });

  test('a cluster without the apply capability refuses the whole apply, with the hint, and nothing is queued', async () => {
    await json(await api.call('PATCH', `/v1/deployments/${id}`, { targets: { labels: { tier: 'edge' }, environments: ['staging'] } }), 200);
    const before = await commandCount();
    const err = await errorOf(await api.call('POST', `/v1/deployments/${id}/apply`, {}), 409);
    expect(err.code).toBe('capability_missing');
    expect(err.message).toContain('"old-agent"');
    expect(err.message).toContain('NIRO_ENABLE_APPLY=1');
    expect(await commandCount()).toBe(before);
    const [targets] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from deployment_targets`);
    expect(targets.n).toBe(0);
    await json(await api.call('PATCH', `/v1/deployments/${id}`, { targets: { labels: { tier: 'edge' } } }), 200);
    expect((await errorOf(await api.call('POST', `/v1/deployments/${id}/apply`, { clusterIds: [clusters.lab.clusterId] }), 400)).message).toStartWith(
      'clusterIds[0]: not a target',
    );
  });

  test('apply queues one command per cluster with the deployment stamp; results move the status', async () => {
    const res = await json<{ queued: { clusterName: string }[]; deployment: { clusters: { clusterName: string; status: string }[] } }>(
      await api.call('POST', `/v1/deployments/${id}/apply`, {}),
      202,
    );
    expect(res.queued.map((q) => q.clusterName)).toEqual(['berlin', 'munich']);
    expect(res.deployment.clusters.map((c) => c.status)).toEqual(['pending', 'pending']);
    const [berlin] = await poll('berlin');
    expect(berlin.type).toBe('apply');
    expect(berlin.payload).toMatchObject({ defaultNamespace: 'shop', deployment: { id, revision: 1 } });
    expect((berlin.payload as { prune?: unknown }).prune).toBeUndefined();
    let d = await json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);
    expect(d.clusters.map((c) => `${c.clusterName}:${c.status}`)).toEqual(['berlin:applying', 'munich:pending']);
    await report('berlin', berlin.id, true, 'applied 4 objects', [
      obj('v1', 'Namespace', 'shop', 'created'),
      obj('apps/v1', 'Deployment', 'web', 'created'),
      obj('v1', 'Service', 'web', 'created'),
      obj('v1', 'ConfigMap', 'cfg', 'created'),
    ]);
    const [munich] = await poll('munich');
    await report('munich', munich.id, false, 'apply failed for 1 of 4 objects', [
      obj('apps/v1', 'Deployment', 'web', 'failed', 'admission webhook "quota" denied the request: exceeded quota'),
    ]);
    d = await json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);
    const byName = Object.fromEntries(d.clusters.map((c) => [c.clusterName, c]));
    expect(byName.berlin).toMatchObject({ status: 'applied', appliedRevision: 1, error: null });
    expect(byName.berlin.lastSyncAt).not.toBeNull();
    expect(byName.munich.status).toBe('failed');
    expect(byName.munich.error).toContain('Deployment shop/web: admission webhook "quota" denied the request');
    const timeline = await json<{ entries: { kind: string; message: string }[] }>(
      await api.call('GET', `/v1/clusters/${clusters.berlin.clusterId}/timeline?kind=deployment`),
      200,
    );
    expect(timeline.entries.map((e) => e.message)).toEqual([
      'deployment shop revision 1 applied: 4 created',
      expect.stringContaining('applied deployment shop revision 1: 4 object(s)'),
    ]);
  });

  test('a new revision numbers on; equal content makes none; diff shows the change', async () => {
    const same = await json<{ unchanged: boolean; revision: { number: number } }>(
      await api.call('POST', `/v1/deployments/${id}/revisions`, { manifests: V1 }),
      200,
    );
    expect(same).toMatchObject({ unchanged: true, revision: { number: 1 } });
    const bad = await errorOf(await api.call('POST', `/v1/deployments/${id}/revisions`, { manifests: CFG.replace('name: cfg', 'name: Bad') }), 400);
    expect(bad.message).toContain('metadata.name');
    const two = await json<{ unchanged: boolean; revision: { number: number; objects: unknown[] } }>(
      await api.call('POST', `/v1/deployments/${id}/revisions`, { manifests: V2, message: 'three replicas, no config map' }),
      201,
    );
    expect(two).toMatchObject({ unchanged: false, revision: { number: 2 } });
    expect(two.revision.objects).toHaveLength(3);
    const diff = await json<{ added: number; removed: number; patch: string; hunks: { lines: { type: string; text: string }[] }[] }>(
      await api.call('GET', `/v1/deployments/${id}/diff?from=1&to=2`),
      200,
    );
    const changed = diff.hunks.flatMap((h) => h.lines.filter((l) => l.type !== 'context').map((l) => `${l.type} ${l.text}`));
    expect(changed).toContain('remove   replicas: 2');
    expect(changed).toContain('add   replicas: 3');
    expect(changed).toContain('remove kind: ConfigMap');
    expect(diff.patch).toContain('--- revision-1.yaml');
    expect((await errorOf(await api.call('GET', `/v1/deployments/${id}/diff?from=1&to=9`), 400)).message).toBe('to: no revision 9');
  });

  test('applying revision 2 prunes what the cluster’s applied revision had and this one lacks', async () => {
    await json(await api.call('POST', `/v1/deployments/${id}/apply`, { revision: 2 }), 202);
    const [berlin] = await poll('berlin');
    expect(berlin.payload).toMatchObject({ deployment: { id, revision: 2 }, prune: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' }] });
    // munich's revision 1 failed part way: everything it may have created and revision 2 lacks is pruned.
    const [munich] = await poll('munich');
    expect((munich.payload as { prune: { name: string; kind: string }[] }).prune.map((o) => `${o.kind}/${o.name}`)).toEqual(['ConfigMap/cfg']);
    await report('berlin', berlin.id, true, 'applied', [obj('apps/v1', 'Deployment', 'web', 'configured'), obj('v1', 'ConfigMap', 'cfg', 'pruned')]);
    await report('munich', munich.id, true, 'applied', [obj('apps/v1', 'Deployment', 'web', 'created'), obj('v1', 'ConfigMap', 'cfg', 'not-found')]);
    const [owned] = await queryRows<{ owned: { kind: string }[] }>(
      t.db,
      sql`select owned_objects as owned from deployment_targets where cluster_id = ${clusters.berlin.clusterId}`,
    );
    expect(owned.owned.map((o) => o.kind).sort()).toEqual(['Deployment', 'Namespace', 'Service']);
  });

  test('rollback is a new revision with the old content, applied with the same prune logic', async () => {
    const res = await json<{ revision: { number: number; source: string; rollbackOf: number } }>(
      await api.call('POST', `/v1/deployments/${id}/rollback`, { revision: 1, clusterIds: [clusters.berlin.clusterId] }),
      202,
    );
    expect(res.revision).toMatchObject({ number: 3, source: 'rollback', rollbackOf: 1 });
    const [one] = await json<{ revisions: { number: number; sha256: string }[] }>(await api.call('GET', `/v1/deployments/${id}/revisions?limit=1`), 200).then(
      (r) => r.revisions,
    );
    const first = await json<{ sha256: string; content: string }>(await api.call('GET', `/v1/deployments/${id}/revisions/1`), 200);
    expect(one.sha256).toBe(first.sha256);
    const [berlin] = await poll('berlin');
    expect(berlin.payload).toMatchObject({ manifests: first.content, deployment: { id, revision: 3 } });
    expect((berlin.payload as { prune?: unknown }).prune).toBeUndefined();
    await report('berlin', berlin.id, true, 'applied', [obj('v1', 'ConfigMap', 'cfg', 'created')]);
    const timeline = await json<{ entries: { message: string }[] }>(
      await api.call('GET', `/v1/clusters/${clusters.berlin.clusterId}/timeline?kind=deployment&limit=2`),
      200,
    );
    expect(timeline.entries[1].message).toContain('rolled deployment shop back to revision 1 (revision 3)');
  });

  test('an expired command fails the cluster with the reason', async () => {
    await json(await api.call('POST', `/v1/deployments/${id}/apply`, { clusterIds: [clusters.munich.clusterId] }), 202);
    await t.db.execute(sql`update commands set status = 'expired' where cluster_id = ${clusters.munich.clusterId} and status = 'queued'`);
    expect(await failExpiredDeploymentTargets(t.db, new Date())).toBe(1);
    const d = await json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);
    expect(d.clusters.find((c) => c.clusterName === 'munich')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('did not pick the command up'),
    });
  });

  test('the cluster’s Deployments list shows it with that cluster’s status', async () => {
    const res = await json<{ deployments: { deployment: { name: string }; target: { status: string; appliedRevision: number } }[] }>(
      await api.call('GET', `/v1/clusters/${clusters.berlin.clusterId}/deployments`),
      200,
    );
    expect(res.deployments).toMatchObject([{ deployment: { name: 'shop' }, target: { status: 'applied', appliedRevision: 3 } }]);
  });

  test('delete removes exactly the objects created, never the namespace, then the deployment is deleted', async () => {
    const res = await json<{ queued: { clusterName: string }[]; deployment: { status: string } }>(await api.call('DELETE', `/v1/deployments/${id}`), 202);
    expect(res.deployment.status).toBe('deleting');
    expect(res.queued.map((q) => q.clusterName)).toEqual(['berlin', 'munich']);
    const [berlin] = await poll('berlin');
    expect(berlin.type).toBe('delete');
    const objects = (berlin.payload as { deployment: string; objects: { kind: string; name: string }[] }).objects;
    expect((berlin.payload as { deployment: string }).deployment).toBe(id);
    expect(objects.map((o) => `${o.kind}/${o.name}`).sort()).toEqual(['ConfigMap/cfg', 'Deployment/web', 'Service/web']);
    // No new revision or apply while it is being deleted.
    expect((await errorOf(await api.call('POST', `/v1/deployments/${id}/apply`, {}), 409)).code).toBe('deployment_deleted');
    await report(
      'berlin',
      berlin.id,
      true,
      'deleted 3 objects',
      objects.map((o) => obj(o.kind === 'Deployment' ? 'apps/v1' : 'v1', o.kind, o.name, 'deleted')),
    );
    let d = await json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);
    expect(d.status).toBe('deleting');
    const [munich] = await poll('munich');
    // munich's last apply (revision 3) expired undelivered: what it might have created is deleted too.
    const munichObjects = (munich.payload as { objects: { kind: string; name: string }[] }).objects;
    expect(munichObjects.map((o) => `${o.kind}/${o.name}`).sort()).toEqual(['ConfigMap/cfg', 'Deployment/web', 'Service/web']);
    await report('munich', munich.id, true, 'deleted', [
      obj('apps/v1', 'Deployment', 'web', 'deleted'),
      obj('v1', 'Service', 'web', 'not-found'),
      obj('v1', 'ConfigMap', 'cfg', 'not-found'),
    ]);
    d = await json<DeploymentDetailJson>(await api.call('GET', `/v1/deployments/${id}`), 200);
    expect(d.status).toBe('deleted');
    expect(d.clusters.map((c) => c.status)).toEqual(['deleted', 'deleted']);
    const list = await json<{ deployments: unknown[] }>(await api.call('GET', '/v1/deployments'), 200);
    expect(list.deployments).toEqual([]);
    // The name is free again.
    await json(await api.call('POST', '/v1/deployments', { orgId, name: 'shop', namespace: 'shop', manifests: CFG }), 201);
  });

  test('every mutation is audited', async () => {
    const rows = await queryRows<{ action: string }>(t.db, sql`select action from audit_events where target = ${id} order by id`);
    expect(rows.map((r) => r.action)).toEqual([
      'deployment.create',
      'deployment.targets',
      'deployment.targets',
      'deployment.apply',
      'deployment.revision',
      'deployment.apply',
      'deployment.revision',
      'deployment.rollback',
      'deployment.apply',
      'deployment.delete',
    ]);
  });
});
