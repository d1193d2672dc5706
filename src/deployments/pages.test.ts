// Deployment pages through the real app on real Postgres: the import form refuses bad manifests naming the document
// and field (and keeps what was typed), the check shows build-time findings, a created deployment's page shows the
// refusal hint of a cluster without the apply capability, apply from the page queues commands, the polled fragments
// answer the same status, the diff page, the cluster's Deployments tab and labels on the settings page; another
// org's deployment is a 404.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import type { Capabilities } from '../contract';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';

const APPLY_ON: Capabilities = { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } };
const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: "nginx:latest" }]
`;

let t: TestApp;
let browser: Browser;
let outsider: Browser;
let orgId = '';
let edge = { clusterId: '', agentKey: '' };
let off = { clusterId: '', agentKey: '' };
let deploymentId = '';

function form(fields: [string, string][]): Promise<Response> {
  return browser.send('/deployments', {
    method: 'POST',
    body: new URLSearchParams([['_csrf', browser.csrf], ...fields]),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  orgId = (await makeOrg(t.db, 'Pages Org', null, { userId: user.id, role: 'owner' })).id;
  browser = await signIn(t, user);
  const api = await apiClient(t, browser);
  edge = await createEnrolledCluster(t, api, { name: 'edge-1', environment: 'production', orgId });
  off = await createEnrolledCluster(t, api, { name: 'no-apply', environment: 'production', orgId });
  await sendHeartbeat(t, edge.agentKey, makeHeartbeat({ capabilities: APPLY_ON }));
  await sendHeartbeat(t, off.agentKey, makeHeartbeat({ capabilities: ALL_CAPABILITIES_OFF }));
  const other = await makeUser(t.db);
  await makeOrg(t.db, 'Elsewhere', null, { userId: other.id, role: 'owner' });
  outsider = await signIn(t, other);
});
afterAll(async () => {
  await t.close();
});

describe('cluster labels on the settings page', () => {
  test('a bad line is refused naming it, keeping what was typed; good ones are saved and shown', async () => {
    const bad = await browser.post(`/clusters/${edge.clusterId}/labels`, { labels: 'tier=edge\nsite' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('labels: line 2: write key=value');
    expect(html).toContain('tier=edge\nsite');
    const ok = await browser.post(`/clusters/${edge.clusterId}/labels`, { labels: 'tier=edge\nsite=berlin' });
    expect(ok.status).toBe(303);
    const page = await (await browser.follow(ok)).text();
    expect(page).toContain('Cluster labels saved.');
    expect(page).toContain('site=berlin\ntier=edge');
  });
});

describe('import and the deployment page', () => {
  test('the form refuses bad manifests naming the document and field, and keeps the input', async () => {
    const res = await form([
      ['orgId', orgId],
      ['name', 'shop'],
      ['namespace', 'shop'],
      ['manifests', MANIFESTS.replace('name: web', 'name: web\n  namespace: other')],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('manifests: document 1 (Deployment web): metadata.namespace: must be the deployment&#x27;s namespace');
    expect(html).toContain('namespace: other');
  });

  test('the check shows the objects and build-time findings, storing nothing', async () => {
    const res = await browser.send('/deployments/check', {
      method: 'POST',
      body: new URLSearchParams([
        ['_csrf', browser.csrf],
        ['orgId', orgId],
        ['namespace', 'shop'],
        ['manifests', MANIFESTS],
        ['environments', 'production'],
      ]),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('1 object(s): Deployment web');
    expect(html).toContain('graded for production clusters');
    expect(html).toMatch(/data-rule="[a-z-]+"/);
    expect((await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from deployments`))[0].n).toBe(0);
  });

  test('create with targets from checkboxes and labels; the page shows who would refuse and why', async () => {
    const res = await form([
      ['orgId', orgId],
      ['name', 'shop'],
      ['namespace', 'shop'],
      ['manifests', MANIFESTS],
      ['environments', 'production'],
      ['environments', 'staging'],
      ['labels', ''],
    ]);
    expect(res.status).toBe(303);
    deploymentId = res.headers.get('location')!.split('/').pop()!;
    const page = await (await browser.follow(res)).text();
    expect(page).toContain('Deployment shop created with revision 1');
    expect(page).toContain('data-candidate="edge-1"');
    expect(page).toContain('cluster &quot;no-apply&quot; lacks the apply capability');
    expect(page).toContain('NIRO_ENABLE_APPLY=1');
    const [row] = await queryRows<{ targets: { environments: string[] } }>(t.db, sql`select targets from deployments where id = ${deploymentId}`);
    expect(row.targets.environments).toEqual(['production', 'staging']);
  });

  test('apply from the page is refused as a whole while a target lacks the capability; after narrowing targets it queues', async () => {
    const refused = await browser.post(`/deployments/${deploymentId}/apply`, { revision: '1' });
    expect(refused.status).toBe(303);
    expect(await (await browser.follow(refused)).text()).toContain('Not applied: nothing was queued');
    expect((await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from commands`))[0].n).toBe(0);
    const narrowed = await browser.send(`/deployments/${deploymentId}/targets`, {
      method: 'POST',
      body: new URLSearchParams([
        ['_csrf', browser.csrf],
        ['labels', 'tier=edge'],
      ]),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(narrowed.status).toBe(303);
    const applied = await browser.post(`/deployments/${deploymentId}/apply`, { revision: '1' });
    expect(await (await browser.follow(applied)).text()).toContain('Revision 1 queued on 1 cluster(s).');
    const live = await (await browser.get(`/deployments/${deploymentId}/live`, { 'hx-request': 'true' })).text();
    expect(live).toContain('id="deployment-live"');
    expect(live).toContain('data-target-status="pending"');
    const list = await (await browser.get('/deployments/live', { 'hx-request': 'true' })).text();
    expect(list).toContain('data-deployment="shop"');
    expect(list).toContain('data-cluster="edge-1"');
    const tab = await (await browser.get(`/clusters/${edge.clusterId}/deployments`)).text();
    expect(tab).toContain('data-deployment="shop"');
    expect(tab).toContain('data-target-status="pending"');
  });

  test('a new revision from the page, then the diff page shows the change line by line', async () => {
    const bad = await browser.post(`/deployments/${deploymentId}/revisions`, { manifests: 'kind: Pod\napiVersion: v1\nmetadata: { name: p }\n' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('kind: Pod is not a kind deployments accept');
    const ok = await browser.post(`/deployments/${deploymentId}/revisions`, {
      manifests: MANIFESTS.replace('nginx:latest', 'nginx:1.27'),
      message: 'pin nginx',
    });
    expect(await (await browser.follow(ok)).text()).toContain('Revision 2 saved.');
    const diff = await (await browser.get(`/deployments/${deploymentId}/diff?from=1&to=2`)).text();
    expect(diff).toContain('data-line="remove"');
    expect(diff).toMatch(/- {7}containers: \[\{ name: web, image: &quot;nginx:latest&quot; \}\]/);
    expect(diff).toMatch(/\+ {7}containers: \[\{ name: web, image: &quot;nginx:1.27&quot; \}\]/);
  });

  test('another organization’s caller gets 404 on every page of it', async () => {
    for (const path of [`/deployments/${deploymentId}`, `/deployments/${deploymentId}/live`, `/deployments/${deploymentId}/diff?from=1&to=2`]) {
      expect((await outsider.get(path)).status).toBe(404);
    }
    expect((await outsider.post(`/deployments/${deploymentId}/apply`, { revision: '1' })).status).toBe(404);
    expect((await outsider.get(`/clusters/${edge.clusterId}/deployments`)).status).toBe(404);
  });
});
