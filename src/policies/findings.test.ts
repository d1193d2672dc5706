// Runtime findings on real Postgres, driven by real protocol-4 heartbeats: one finding per (cluster,
// workload, rule), deduplicated across beats; resolved when fixed or the workload goes (kept as history);
// on the timeline; re-evaluated when rules are toggled, namespaces exempted or the environment changes;
// waivers applied at read time until they expire; old agents get none.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeWorkload, sendHeartbeat } from '../testing/heartbeats';
import type { WorkloadInfo } from '../contract';
import type { Org } from '../orgs/schema';
import { listTimeline } from '../clusters/timeline';
import { listAudit } from '../audit/store';
import { listFindings } from './store';

let t: TestApp;
let org: Org;
let api: Awaited<ReturnType<typeof apiClient>>;
beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  const user = await makeUser(t.db);
  org = await makeOrg(t.db, 'Policy Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
});
afterAll(async () => {
  await t.close();
});

async function beat(agentKey: string, workloads?: WorkloadInfo[]): Promise<void> {
  const res = await sendHeartbeat(t, agentKey, makeHeartbeat(workloads ? { workloads } : {}));
  expect(res.status).toBe(200);
}

const open = (clusterId: string, now = new Date()) => listFindings(t.db, [org.id], { clusterId }, { limit: 200 }, now);
const rules = (rows: { ruleId: string }[]) => rows.map((r) => r.ruleId).sort();

/** makeWorkload's template: requests set, nothing else — what most teams ship first. */
const FIRST_FINDINGS = [
  'automount-service-account-token',
  'capabilities-drop-all',
  'image-pull-policy',
  'liveness-probe',
  'memory-limit',
  'pod-disruption-budget',
  'priority-class',
  'privilege-escalation',
  'read-only-root-filesystem',
  'readiness-probe',
  'run-as-non-root',
  'seccomp-profile',
  'topology-spread',
];

function withLimit(w: WorkloadInfo): WorkloadInfo {
  const spec = structuredClone(w.template!.spec) as { containers: { resources: Record<string, unknown> }[] };
  spec.containers[0].resources.limits = { memory: '256Mi' };
  return makeWorkload(1, { template: { labels: w.template!.labels, spec } });
}

test('a workload’s findings open once, stay one per rule across beats, resolve when fixed or gone, and reach the timeline', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'pol-prod', environment: 'production' });
  const web = makeWorkload(1);
  const system = makeWorkload(9, { namespace: 'kube-system', name: 'coredns' });
  await beat(c.agentKey, [web, system]);
  const first = await open(c.clusterId);
  expect(rules(first)).toEqual(FIRST_FINDINGS);
  expect(first.every((f) => f.namespace === 'shop' && f.workloadKind === 'Deployment' && f.workloadName === 'web-1')).toBe(true);
  // production raises: readiness (medium) → high, liveness (low) → medium.
  expect(first.find((f) => f.ruleId === 'readiness-probe')!.severity).toBe('high');
  expect(first.find((f) => f.ruleId === 'liveness-probe')!.severity).toBe('medium');

  // A beat with the same workloads (templates omitted as the agent does) changes nothing.
  const { template: _, ...bare } = web;
  await beat(c.agentKey, [bare as WorkloadInfo, system]);
  const again = await open(c.clusterId);
  expect(again.map((f) => f.id).sort()).toEqual(first.map((f) => f.id).sort());

  // The memory limit is added: that finding resolves as fixed, the others keep their rows.
  await beat(c.agentKey, [withLimit(web), system]);
  const fixed = await open(c.clusterId);
  expect(rules(fixed)).toEqual(FIRST_FINDINGS.filter((r) => r !== 'memory-limit'));
  expect(fixed.map((f) => f.id).sort()).toEqual(
    first
      .filter((f) => f.ruleId !== 'memory-limit')
      .map((f) => f.id)
      .sort(),
  );
  const history = await listFindings(t.db, [org.id], { clusterId: c.clusterId, state: 'resolved' }, { limit: 50 }, new Date());
  expect(history.map((f) => [f.ruleId, f.resolution])).toEqual([['memory-limit', 'fixed']]);

  // The workload goes: every finding resolves, kept as history.
  await beat(c.agentKey, [system]);
  expect(await open(c.clusterId)).toEqual([]);
  const gone = await listFindings(t.db, [org.id], { clusterId: c.clusterId, state: 'resolved' }, { limit: 50 }, new Date());
  expect(gone).toHaveLength(FIRST_FINDINGS.length);
  expect(gone.filter((f) => f.resolution === 'workload_removed')).toHaveLength(FIRST_FINDINGS.length - 1);

  const timeline = (await listTimeline(t.db, c.clusterId, { limit: 50, kind: 'policy' })).map((e) => e.message).reverse();
  expect(timeline).toEqual([
    '13 new policy findings on shop/Deployment/web-1',
    '1 policy finding resolved on shop/Deployment/web-1',
    '12 policy findings resolved on shop/Deployment/web-1',
  ]);
});

test('an agent before protocol 4 (no workloads) gets no findings', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'pol-old', environment: 'production' });
  await beat(c.agentKey);
  expect(await open(c.clusterId)).toEqual([]);
});

test('toggling a rule off resolves its findings in the subtree; on again opens a new one; a child cannot turn it back on', async () => {
  const child = await makeOrg(t.db, 'Policy Child', org);
  const c = await createEnrolledCluster(t, api, { name: 'pol-toggle', environment: 'staging', orgId: child.id });
  await beat(c.agentKey, [makeWorkload(1)]);
  const scope = [org.id, child.id];
  const list = (state: 'open' | 'resolved' = 'open') => listFindings(t.db, scope, { clusterId: c.clusterId, state }, { limit: 50 }, new Date());
  const before = await list();
  expect(rules(before)).toContain('seccomp-profile');

  const put = (orgId: string, disabledRules: string[], exemptNamespaces: string[] | null = null) =>
    api.call('PUT', `/v1/orgs/${orgId}/policy-settings`, { disabledRules, exemptNamespaces });
  let res = await put(org.id, ['seccomp-profile']);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { effective: { disabledRules: string[] } }).effective.disabledRules).toEqual(['seccomp-profile']);
  expect(rules(await list())).not.toContain('seccomp-profile');
  expect((await list('resolved')).map((f) => [f.ruleId, f.resolution])).toEqual([['seccomp-profile', 'rule_disabled']]);

  // The child's own settings cannot re-enable what its parent turned off.
  res = await put(child.id, []);
  expect(((await res.json()) as { effective: { disabledRules: string[] } }).effective.disabledRules).toEqual(['seccomp-profile']);

  await put(org.id, []);
  const reopened = (await list()).find((f) => f.ruleId === 'seccomp-profile')!;
  expect(reopened.id).not.toBe(before.find((f) => f.ruleId === 'seccomp-profile')!.id);

  // Exempting the namespace (on the child: nearest list wins) resolves everything as exempt; inherit again brings them back.
  await put(child.id, [], ['shop']);
  expect(await list()).toEqual([]);
  expect((await list('resolved')).filter((f) => f.resolution === 'exempt')).toHaveLength(before.length);
  await put(child.id, [], null);
  expect(rules(await list())).toEqual(rules(before));

  const audit = await listAudit(t.db, [org.id, child.id], { limit: 20, action: 'policy.settings' });
  expect(audit.length).toBe(4);
});

test('a waiver shows the finding as waived until it expires (read time), is audited and on the timeline', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'pol-waive', environment: 'production' });
  await beat(c.agentKey, [makeWorkload(1)]);
  const target = (await open(c.clusterId)).find((f) => f.ruleId === 'read-only-root-filesystem')!;
  const expiresAt = new Date(Date.now() + 3600_000);
  const res = await api.call('POST', '/v1/policies/waivers', { findingId: target.id, reason: 'app writes its cache to /', expiresAt: expiresAt.toISOString() });
  expect(res.status).toBe(201);

  const now = await open(c.clusterId);
  expect(now.find((f) => f.id === target.id)!.waiver).toMatchObject({ reason: 'app writes its cache to /', expiresAt });
  const hidden = await listFindings(t.db, [org.id], { clusterId: c.clusterId, waived: 'exclude' }, { limit: 50 }, new Date());
  expect(hidden.map((f) => f.id)).not.toContain(target.id);
  // Two hours later the waiver has expired: the finding is plainly open again, with no job having run.
  const later = await open(c.clusterId, new Date(Date.now() + 2 * 3600_000));
  expect(later.find((f) => f.id === target.id)!.waiver).toBeNull();

  const audit = await listAudit(t.db, [org.id], { limit: 5, action: 'policy.waive' });
  expect(audit[0].details).toMatchObject({ workload: 'shop/Deployment/web-1', rule: 'read-only-root-filesystem', reason: 'app writes its cache to /' });
  const timeline = await listTimeline(t.db, c.clusterId, { limit: 5, kind: 'policy' });
  expect(timeline[0].message).toStartWith('user');
  expect(timeline[0].message).toContain('waived read-only-root-filesystem on shop/Deployment/web-1 until');
});

test('changing the cluster’s environment re-evaluates: dev lowers severities and drops the production-only rules', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'pol-env', environment: 'production' });
  await beat(c.agentKey, [makeWorkload(1)]);
  expect((await open(c.clusterId)).find((f) => f.ruleId === 'readiness-probe')!.severity).toBe('high');
  const res = await api.call('PATCH', `/v1/clusters/${c.clusterId}`, { environment: 'dev' });
  expect(res.status).toBe(200);
  const after = await open(c.clusterId);
  expect(after.find((f) => f.ruleId === 'readiness-probe')!.severity).toBe('low');
  expect(rules(after)).not.toContain('pod-disruption-budget');
});

test('a beat that changes many workloads writes a bounded number of timeline lines', async () => {
  const c = await createEnrolledCluster(t, api, { name: 'pol-many', environment: 'staging' });
  await beat(
    c.agentKey,
    Array.from({ length: 14 }, (_, i) => makeWorkload(i + 1)),
  );
  const lines = (await listTimeline(t.db, c.clusterId, { limit: 50, kind: 'policy' })).map((e) => e.message);
  expect(lines).toHaveLength(11);
  expect(lines).toContain('…and 4 more workloads (44 new, 0 resolved policy findings)');
});
