// The /policies forms: an admin's rule toggles and exempt namespaces save and re-evaluate (unchecked = off; a rule an
// ancestor turned off stays off), a viewer's page has no form and its post is refused, the waive form checks its
// fields and never redirects off our pages, and another org's cluster or finding shows nothing.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeWorkload, sendHeartbeat } from '../testing/heartbeats';
import { memberships, type Org } from '../orgs/schema';
import { RULE_IDS } from './vocabulary';
import { listFindings, loadEffectiveSettings } from './store';

let t: TestApp;
let org: Org;
let admin: Browser;
let viewer: Browser;
let outsider: Browser;
let clusterId = '';

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const [a, v, o] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  org = await makeOrg(t.db, 'Forms Org', null, { userId: a.id, role: 'admin' });
  await t.db.insert(memberships).values({ orgId: org.id, userId: v.id, role: 'viewer' });
  await makeOrg(t.db, 'Other Org', null, { userId: o.id, role: 'owner' });
  [admin, viewer, outsider] = [await signIn(t, a), await signIn(t, v), await signIn(t, o)];
  const c = await createEnrolledCluster(t, await apiClient(t, admin), { name: 'forms-prod', environment: 'production' });
  clusterId = c.clusterId;
  expect((await sendHeartbeat(t, c.agentKey, makeHeartbeat({ workloads: [makeWorkload(1)] }))).status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

const allOn = (except: string[] = []) => Object.fromEntries(RULE_IDS.filter((r) => !except.includes(r)).map((r) => [`rule:${r}`, 'on']));
const openRules = async () => (await listFindings(t.db, [org.id], { clusterId }, { limit: 100 }, new Date())).map((f) => f.ruleId);

test('the settings form: unchecked rules go off and their findings resolve; exempt namespaces replace the default', async () => {
  const res = await admin.post('/policies/settings', { orgId: org.id, ...allOn(['liveness-probe']), inherit: 'on', exempt: '' });
  expect(res.status).toBe(303);
  expect((await loadEffectiveSettings(t.db, org.id)).disabled).toEqual(new Set(['liveness-probe']));
  expect(await openRules()).not.toContain('liveness-probe');
  const page = await (await admin.follow(res)).text();
  expect(page).toContain('Rules saved; 1 cluster(s) re-evaluated.');
  expect(page).toContain('data-rule-row="liveness-probe"');
  for (const id of RULE_IDS) expect(page).toContain(`data-rule-row="${id}"`);

  await admin.post('/policies/settings', { orgId: org.id, ...allOn(), exempt: 'shop, kube-system' });
  expect((await loadEffectiveSettings(t.db, org.id)).exemptNamespaces).toEqual(['kube-system', 'shop']);
  expect(await openRules()).toEqual([]);
  const bad = await admin.post('/policies/settings', { orgId: org.id, ...allOn(), exempt: 'shop, Bad_NS' });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('exempt');
  await admin.post('/policies/settings', { orgId: org.id, ...allOn(), inherit: 'on' });
  expect((await openRules()).length).toBeGreaterThan(0);
});

test('a viewer sees the rules without a form and cannot post one; an outsider’s post is a 404', async () => {
  const page = await (await viewer.get('/policies?view=rules')).text();
  expect(page).toContain('Only an admin of this organization can change its rules.');
  expect((await viewer.post('/policies/settings', { orgId: org.id, ...allOn() })).status).toBe(403);
  expect((await outsider.post('/policies/settings', { orgId: org.id, ...allOn() })).status).toBe(404);
});

test('the waive form: days from the list, a reason required, back only to our pages; an outsider sees and waives nothing', async () => {
  const [finding] = await listFindings(t.db, [org.id], { clusterId, ruleId: 'seccomp-profile' }, { limit: 1 }, new Date());
  expect((await admin.post(`/policies/findings/${finding.id}/waive`, { reason: 'x', days: '3' })).status).toBe(400);
  const noReason = await admin.post(`/policies/findings/${finding.id}/waive`, { reason: ' ', days: '30', back: '/policies?view=workload' });
  expect(noReason.headers.get('location')).toBe('/policies?view=workload');
  expect(await (await admin.follow(noReason)).text()).toContain('Reason: must say why');
  const ok = await admin.post(`/policies/findings/${finding.id}/waive`, { reason: 'profile ships next sprint', days: '30', back: 'https://evil.example/' });
  expect(ok.headers.get('location')).toBe('/policies');
  const [after] = await listFindings(t.db, [org.id], { clusterId, ruleId: 'seccomp-profile' }, { limit: 1 }, new Date());
  expect(after.waiver?.reason).toBe('profile ships next sprint');
  expect((await viewer.post(`/policies/findings/${finding.id}/waive`, { reason: 'x', days: '30' })).status).toBe(403);
  expect((await outsider.post(`/policies/findings/${finding.id}/waive`, { reason: 'x', days: '30' })).status).toBe(404);
  const outsiderPage = await (await outsider.get(`/policies?cluster=${clusterId}`)).text();
  expect(outsiderPage).toContain('data-no-findings');
  expect(outsiderPage).not.toContain('forms-prod');
});
