// The policies JSON API: findings of the caller's org subtree only (another org's cluster, finding, org or
// waiver is a 404), filters and keyset pages without gaps or repeats, the rules catalogue, toggles for
// admins only, waivers for members only, and bad input answered 400 naming the field.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeWorkload, sendHeartbeat } from '../testing/heartbeats';
import { RULE_IDS } from './vocabulary';

type Api = Awaited<ReturnType<typeof apiClient>>;
type Finding = {
  id: string;
  rule: string;
  severity: string;
  cluster: { id: string; environment: string };
  workload: { subject: string };
  fix: string;
  why: string;
};
type Page = { findings: Finding[]; nextCursor: string | null };

let t: TestApp;
let parentApi: Api;
let childApi: Api;
let viewerApi: Api;
let outsiderApi: Api;
let parentOrgId = '';
let childOrgId = '';
let prodCluster = '';
let devCluster = '';

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const [parentUser, childUser, viewer, outsider] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  const parent = await makeOrg(t.db, 'MSP', null, { userId: parentUser.id, role: 'owner' });
  const child = await makeOrg(t.db, 'Customer', parent, { userId: childUser.id, role: 'admin' });
  await makeOrg(t.db, 'Elsewhere', null, { userId: outsider.id, role: 'owner' });
  const { memberships } = await import('../orgs/schema');
  await t.db.insert(memberships).values({ orgId: child.id, userId: viewer.id, role: 'viewer' });
  parentOrgId = parent.id;
  childOrgId = child.id;
  parentApi = await apiClient(t, await signIn(t, parentUser));
  childApi = await apiClient(t, await signIn(t, childUser));
  viewerApi = await apiClient(t, await signIn(t, viewer));
  outsiderApi = await apiClient(t, await signIn(t, outsider));
  const prod = await createEnrolledCluster(t, childApi, { name: 'shop-prod', environment: 'production', orgId: child.id });
  const dev = await createEnrolledCluster(t, parentApi, { name: 'msp-dev', environment: 'dev', orgId: parent.id });
  prodCluster = prod.clusterId;
  devCluster = dev.clusterId;
  for (const [key, n] of [
    [prod.agentKey, 3],
    [dev.agentKey, 2],
  ] as const) {
    const res = await sendHeartbeat(t, key, makeHeartbeat({ workloads: Array.from({ length: n }, (_, i) => makeWorkload(i + 1)) }));
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await t.close();
});

async function list(api: Api, query: string): Promise<Page> {
  const res = await api.call('GET', `/v1/policies/findings${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

async function all(api: Api, query: string, limit: number): Promise<Finding[]> {
  const out: Finding[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await list(api, `?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.findings);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

test('a parent sees its own and its child’s findings; the child only its own; an outsider none', async () => {
  const parent = await all(parentApi, '', 200);
  const child = await all(childApi, '', 200);
  expect(new Set(parent.map((f) => f.cluster.id))).toEqual(new Set([prodCluster, devCluster]));
  expect(new Set(child.map((f) => f.cluster.id))).toEqual(new Set([prodCluster]));
  expect((await list(outsiderApi, '')).findings).toEqual([]);
  // production: 3 workloads × 13 rules; dev: 2 × 11 (the PodDisruptionBudget and topology spread rules are production-only).
  expect(child).toHaveLength(3 * 13);
  expect(parent.filter((f) => f.cluster.id === devCluster)).toHaveLength(2 * 11);
});

test('keyset pages neither skip nor repeat; filters narrow by severity, environment, rule, workload, cluster', async () => {
  const whole = await all(parentApi, '', 200);
  const paged = await all(parentApi, '', 4);
  expect(paged.map((f) => f.id)).toEqual(whole.map((f) => f.id));
  const high = await all(parentApi, '&severity=high', 200);
  expect(high.length).toBeGreaterThan(0);
  expect(high.every((f) => f.severity === 'high')).toBe(true);
  const dev = await all(parentApi, '&environment=dev', 200);
  expect(dev.every((f) => f.cluster.environment === 'dev')).toBe(true);
  const rule = await all(parentApi, '&rule=seccomp-profile', 200);
  expect(rule).toHaveLength(5);
  expect(rule[0].fix).toContain('RuntimeDefault');
  const one = await all(parentApi, `&cluster=${prodCluster}&workload=${encodeURIComponent('shop/Deployment/web-2')}`, 200);
  expect(one.every((f) => f.workload.subject === 'shop/Deployment/web-2' && f.cluster.id === prodCluster)).toBe(true);
  expect(one).toHaveLength(13);
});

test('another org’s cluster, finding, org settings or waiver is a 404; the same ids work for their owners', async () => {
  const finding = (await list(childApi, '?limit=1')).findings[0];
  expect((await outsiderApi.call('GET', `/v1/policies/findings?cluster=${prodCluster}`)).status).toBe(404);
  expect((await outsiderApi.call('GET', `/v1/policies/findings/${finding.id}`)).status).toBe(404);
  expect((await childApi.call('GET', `/v1/policies/findings/${finding.id}`)).status).toBe(200);
  expect((await outsiderApi.call('GET', `/v1/orgs/${childOrgId}/policy-settings`)).status).toBe(404);
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  expect((await outsiderApi.call('POST', '/v1/policies/waivers', { findingId: finding.id, reason: 'x', expiresAt })).status).toBe(404);
  // A child never sees its parent's findings.
  const parentFinding = (await list(parentApi, `?cluster=${devCluster}&limit=1`)).findings[0];
  expect((await childApi.call('GET', `/v1/policies/findings/${parentFinding.id}`)).status).toBe(404);

  const res = await childApi.call('POST', '/v1/policies/waivers', { findingId: finding.id, reason: 'accepted until the rewrite', expiresAt });
  expect(res.status).toBe(201);
  const waiver = (await res.json()) as { id: string };
  expect((await outsiderApi.call('DELETE', `/v1/policies/waivers/${waiver.id}`)).status).toBe(404);
  const listed = (await (await childApi.call('GET', '/v1/policies/waivers')).json()) as { waivers: { id: string }[] };
  expect(listed.waivers.map((w) => w.id)).toEqual([waiver.id]);
  expect(((await (await outsiderApi.call('GET', '/v1/policies/waivers')).json()) as { waivers: unknown[] }).waivers).toEqual([]);
  expect(((await (await childApi.call('GET', `/v1/policies/findings/${finding.id}`)).json()) as { waiver: { id: string } }).waiver.id).toBe(waiver.id);
  expect((await childApi.call('DELETE', `/v1/policies/waivers/${waiver.id}`)).status).toBe(204);
  expect(((await (await childApi.call('GET', `/v1/policies/findings/${finding.id}`)).json()) as { waiver: unknown }).waiver).toBeNull();
});

test('roles: a viewer may not waive or toggle; a child admin may not toggle its parent', async () => {
  const finding = (await list(viewerApi, '?limit=1')).findings[0];
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  expect((await viewerApi.call('POST', '/v1/policies/waivers', { findingId: finding.id, reason: 'x', expiresAt })).status).toBe(403);
  expect((await viewerApi.call('PUT', `/v1/orgs/${childOrgId}/policy-settings`, { disabledRules: [], exemptNamespaces: null })).status).toBe(403);
  expect((await childApi.call('PUT', `/v1/orgs/${parentOrgId}/policy-settings`, { disabledRules: [], exemptNamespaces: null })).status).toBe(404);
});

test('bad input is a 400 naming the field', async () => {
  const finding = (await list(childApi, '?limit=1')).findings[0];
  const bad = async (api: Api, method: string, path: string, body: unknown, field: string) => {
    const res = await api.call(method, path, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field);
  };
  const soon = new Date(Date.now() + 86_400_000).toISOString();
  await bad(childApi, 'POST', '/v1/policies/waivers', { findingId: finding.id, reason: '  ', expiresAt: soon }, 'reason');
  await bad(childApi, 'POST', '/v1/policies/waivers', { findingId: finding.id, reason: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt');
  await bad(childApi, 'POST', '/v1/policies/waivers', { findingId: finding.id, reason: 'x', expiresAt: '2099-01-01T00:00:00Z' }, 'expiresAt');
  await bad(childApi, 'PUT', `/v1/orgs/${childOrgId}/policy-settings`, { disabledRules: ['no-such-rule'], exemptNamespaces: null }, 'disabledRules');
  await bad(childApi, 'PUT', `/v1/orgs/${childOrgId}/policy-settings`, { disabledRules: [], exemptNamespaces: ['Not A Namespace'] }, 'exemptNamespaces');
  await bad(childApi, 'GET', '/v1/policies/findings?severity=urgent', undefined, 'severity');
  await bad(childApi, 'GET', '/v1/policies/findings?workload=just-a-name', undefined, 'workload');
  await bad(childApi, 'GET', '/v1/policies/findings?cursor=garbage', undefined, 'cursor');
});

test('the rules catalogue lists every rule with why, fix and severity by environment', async () => {
  const res = await outsiderApi.call('GET', '/v1/policies/rules');
  const body = (await res.json()) as { rules: { id: string; fix: string; severityByEnvironment: Record<string, string>; severity: string }[] };
  expect(body.rules.map((r) => r.id)).toEqual([...RULE_IDS]);
  const readiness = body.rules.find((r) => r.id === 'readiness-probe')!;
  expect(readiness.severityByEnvironment).toEqual({ production: 'high', staging: 'medium', dev: 'low', unspecified: 'medium' });
});
