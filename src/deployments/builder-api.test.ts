// The builder's render endpoint and preview fragment on real Postgres: YAML, objects and build-time findings
// (the org's disabled rules and registries honoured), refusals naming the field as sent, org scope.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { parseAllDocuments } from 'yaml';
import { queryRows } from '../db/client';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import type { Org } from '../orgs/schema';

type Api = Awaited<ReturnType<typeof apiClient>>;
type Finding = { ruleId: string; severity: string; workload: string; message: string; fix: string };

let t: TestApp;
let api: Api;
let browser: Browser;
let stranger: Api;
let org: Org;
let registryId = '';

const FORM = {
  name: 'web',
  namespace: 'shop',
  image: 'ghcr.io/acme/web:1.4.2',
  replicas: 2,
  ports: [{ name: 'http', containerPort: 8080 }],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  livenessProbe: { type: 'http', path: '/healthz', port: 8080 },
  readinessProbe: { type: 'http', path: '/ready', port: 8080 },
};

beforeAll(async () => {
  t = await startTestApp();
  const u = await makeUser(t.db);
  org = await makeOrg(t.db, 'Builder Org', null, { userId: u.id, role: 'owner' });
  browser = await signIn(t, u);
  api = await apiClient(t, browser);
  const s = await makeUser(t.db);
  await makeOrg(t.db, 'Elsewhere', null, { userId: s.id, role: 'owner' });
  stranger = await apiClient(t, await signIn(t, s));
  const reg = await api.call('POST', '/v1/registries', { orgId: org.id, name: 'ghcr-acme', server: 'ghcr.io', username: 'bot', password: 'tok-123456' });
  registryId = ((await reg.json()) as { id: string }).id;
});
afterAll(async () => {
  await t.close();
});

async function render(form: unknown, query = '', who: Api = api): Promise<{ status: number; body: any }> {
  const res = await who.call('POST', `/v1/deployments/render${query}`, form);
  return { status: res.status, body: await res.json() };
}

const rules = (findings: Finding[]) => findings.map((f) => f.ruleId);

test('render answers the YAML, its objects and the build-time findings', async () => {
  const { status, body } = await render(FORM, `?org=${org.id}`);
  expect(status).toBe(200);
  expect(body.objects.map((o: { kind: string }) => o.kind)).toEqual(['Namespace', 'Deployment']);
  expect(parseAllDocuments(body.yaml).map((d) => d.toJS())).toEqual(body.objects);
  // The image is from a registry Niro holds credentials for, and the pod does not reference it.
  expect(rules(body.findings)).toContain('registry-pull-secret');
  expect(rules(body.findings)).not.toContain('image-tag');
  const f = body.findings.find((x: Finding) => x.ruleId === 'registry-pull-secret');
  expect(f).toMatchObject({ workload: 'shop/Deployment/web', severity: 'high' });
  expect(f.message).toContain('imagePullSecrets "ghcr-acme"');
});

test('referencing the registry clears its finding; :latest and missing resources are found; severity follows the environment', async () => {
  const withSecret = await render({ ...FORM, registries: [registryId] });
  expect(rules(withSecret.body.findings)).not.toContain('registry-pull-secret');
  expect(withSecret.body.objects.map((o: { kind: string }) => o.kind)).toEqual(['Namespace', 'Secret', 'Deployment']);
  const latest = await render({ ...FORM, image: 'nginx:latest', resources: undefined }, '?environment=dev');
  expect(rules(latest.body.findings)).toEqual(expect.arrayContaining(['image-tag', 'cpu-requests', 'memory-requests', 'memory-limit']));
  expect(latest.body.findings.find((x: Finding) => x.ruleId === 'image-tag').severity).toBe('low');
});

test('rules the org disabled do not show', async () => {
  const res = await api.call('PUT', `/v1/orgs/${org.id}/policy-settings`, { disabledRules: ['priority-class'], exemptNamespaces: null });
  expect(res.status).toBe(200);
  const { body } = await render(FORM);
  expect(rules(body.findings)).not.toContain('priority-class');
});

test('a bad form is a 400 naming the field as sent; another org is 404', async () => {
  const bad = async (form: unknown) => ((await render(form)).body as { error: { message: string } }).error.message;
  expect(await bad({ ...FORM, ports: [{ containerPort: 'http' }] })).toStartWith('ports.0.containerPort:');
  expect(await bad({ ...FORM, resources: { requests: { memory: 'lots' } } })).toStartWith('resources.requests.memory:');
  expect(await bad({ ...FORM, registries: ['00000000-0000-0000-0000-000000000000'] })).toStartWith('registries.0:');
  expect(await bad({ ...FORM, color: 'blue' })).toStartWith('color:');
  expect(await bad([1, 2])).toStartWith('body:');
  expect((await render(FORM, `?org=${org.id}`, stranger)).status).toBe(404);
  // The stranger's own org has no such registry: the id is unknown there, not leaked.
  expect((await render({ ...FORM, registries: [registryId] }, '', stranger)).body.error.message).toStartWith('registries.0:');
});

test('the preview fragment renders the YAML and findings, or the problem named as the input is', async () => {
  const fields = { orgId: org.id, name: 'web', namespace: 'shop', image: 'nginx', replicas: '1', 'ports.0.containerPort': '80' };
  const ok = await browser.post('/deployments/new/preview', fields, { 'hx-request': 'true' });
  expect(ok.status).toBe(200);
  const html = await ok.text();
  expect(html).toContain('data-yaml');
  expect(html).toContain('image: nginx');
  expect(html).toContain('data-rule="image-tag"');
  const bad = await browser.post(
    '/deployments/new/preview',
    { ...fields, 'ports.0.containerPort': '', 'ports.2.containerPort': 'eighty' },
    { 'hx-request': 'true' },
  );
  expect(await bad.text()).toContain('data-builder-error="ports.2.containerPort"');
  const page = await (await browser.get('/deployments/new')).text();
  expect(page).toContain('id="builder-preview"');
  expect(page).toContain('ghcr-acme (ghcr.io)');
});

test('submitting the form creates the deployment (revision 1 = the previewed YAML, the form kept); a bad form creates nothing', async () => {
  const fields = {
    orgId: org.id,
    name: 'shop-web',
    namespace: 'shop',
    image: 'ghcr.io/acme/web:1.4.2',
    replicas: '2',
    'ports.0.containerPort': '8080',
    'service.port': '80',
    registries: registryId,
    'targets.environments': 'production',
    environment: 'production',
  };
  const preview = await (await browser.post('/deployments/new/preview', fields, { 'hx-request': 'true' })).text();
  const res = await browser.post('/deployments/new', fields);
  expect(res.status).toBe(303);
  const id = /^\/deployments\/([0-9a-f-]{36})$/.exec(res.headers.get('location') ?? '')?.[1];
  expect(id).toBeDefined();
  const [row] = await queryRows<{ content: string; source: string; builder_form: { image: string; registries: string[] }; targets: unknown }>(
    t.db,
    sql`select r.content, r.source, r.builder_form, d.targets from deployment_revisions r join deployments d on d.id = r.deployment_id where d.id = ${id!} and r.number = 1`,
  );
  expect(row.source).toBe('builder');
  expect(row.builder_form).toMatchObject({ image: 'ghcr.io/acme/web:1.4.2', registries: [registryId] });
  expect(row.targets).toEqual({ environments: ['production'] });
  expect(row.content).toContain(`niro.dev/registry: ${registryId}`);
  expect(row.content).not.toContain('tok-123456');
  // What was stored is what the preview showed.
  expect(preview).toContain('kind: Secret');
  expect(row.content).toContain('kind: Secret');

  const bad = await browser.post('/deployments/new', { ...fields, name: 'shop-web-2', 'resources.limits.memory': 'lots' });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain('data-builder-error="resources.limits.memory"');
  const taken = await browser.post('/deployments/new', fields);
  expect(taken.status).toBe(422);
  const [n] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from deployments where name like 'shop-web%'`);
  expect(n.n).toBe(1);
});

test('imported manifests get the registry rule too: an image from the org’s registry without its pull Secret', async () => {
  const manifests = (pullSecrets: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n${pullSecrets}      containers:\n        - name: api\n          image: ghcr.io/acme/api:2.0.1\n`;
  const check = async (text: string) => {
    const res = await api.call('POST', '/v1/deployments/validate', { orgId: org.id, namespace: 'shop', manifests: text, environment: 'staging' });
    expect(res.status).toBe(200);
    return ((await res.json()) as { findings: { ruleId: string; subject: string }[] }).findings;
  };
  const without = await check(manifests(''));
  expect(without.find((f) => f.ruleId === 'registry-pull-secret')).toMatchObject({ subject: 'shop/Deployment/api' });
  const withSecret = await check(manifests('      imagePullSecrets:\n        - name: ghcr-acme\n'));
  expect(withSecret.map((f) => f.ruleId)).not.toContain('registry-pull-secret');
});

test('a required field left out is named under body', async () => {
  const res = await render({ namespace: 'shop', image: 'nginx:1.27' });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toStartWith('body.name:');
});
