// reconcileIncidents and advanceIncidents on real Postgres: open → update → resolve writing only
// differences, reopen within the window, threshold kinds only after their threshold (clock parameter),
// quiet kinds resolve in the periodic pass, a hand resolve holds, silences keep silenced_until; every
// change has its transition row.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { cteOf, planOf, planOfQuery, rowsRead, scansOf } from '../testing/explain';
import { storedWorkloadCrashLooping } from '../inventory/store';
import { createCluster } from '../clusters/store';
import { makeOrg, makeUser, startTestApp, type TestApp } from '../testing/app';
import { makePod } from '../testing/heartbeats';
import type { PodDetail } from '../contract';
import type { Org } from '../orgs/schema';
import { detect, type Condition, type DetectFacts } from './detection';
import { advanceIncidents, reconcileIncidents } from './reconcile';
import { createSilence, refreshSilenced } from './silences';
import { resolveIncidentByHand } from './lifecycle';
import { findIncident } from './store';
import { DEFAULT_THRESHOLDS, INCIDENT_KINDS } from './vocabulary';

let t: TestApp;
let org: Org;
let child: Org;
let userId = '';
const T0 = Date.parse('2026-12-06T10:00:00Z');
const at = (min: number): Date => new Date(T0 + min * 60_000);

beforeAll(async () => {
  t = await startTestApp();
  userId = (await makeUser(t.db)).id;
  org = await makeOrg(t.db, 'Ops');
  child = await makeOrg(t.db, 'Shop', org);
});
afterAll(async () => {
  await t.close();
});

async function newCluster(name: string, orgId = org.id): Promise<{ orgId: string; clusterId: string }> {
  const c = await createCluster(t.db, { orgId, name, environment: 'staging', createdBy: null });
  if (!c.ok) throw new Error('cluster');
  // Heartbeating, so the periodic pass may open its pending incidents.
  await t.db.execute(sql`update clusters set status = 'healthy', last_heartbeat_at = now() where id = ${c.cluster.id}`);
  return { orgId, clusterId: c.cluster.id };
}

const crashing = (i: number): PodDetail => makePod(i, { status: 'CrashLoopBackOff', restarts: 4 });
const facts = (pods: PodDetail[]): DetectFacts => ({
  protocol: 4,
  agentVersion: '0.4.0',
  pods,
  nodes: [],
  workloads: null,
  podsTruncated: false,
  workloadsTruncated: false,
});
const conditions = (pods: PodDetail[], now: Date): Condition[] =>
  detect(facts(pods), { environment: 'staging', serverProtocol: 4, serverAgentVersion: '0.4.0' }, DEFAULT_THRESHOLDS, now);

async function rows(clusterId: string) {
  return queryRows<{
    id: string;
    kind: string;
    subject: string;
    state: string;
    details: { count: number };
    reopen_count: number;
    last_seen_at: Date;
    silenced_until: Date | null;
  }>(
    t.db,
    sql`select id, kind, subject, state, details, reopen_count, last_seen_at, silenced_until from incidents where cluster_id = ${clusterId} order by opened_at, kind`,
  );
}
async function transitions(clusterId: string): Promise<string[]> {
  const r = await queryRows<{ kind: string }>(t.db, sql`select kind from incident_transitions where cluster_id = ${clusterId} order by id`);
  return r.map((x) => x.kind);
}

test('10 crash-looping replicas of one Deployment: one incident counting 10; updates write only differences; quiet period resolves it', async () => {
  const c = await newCluster('crash');
  const ten = Array.from({ length: 10 }, (_, k) => crashing(k * 40));
  const r1 = await reconcileIncidents(t.db, c, INCIDENT_KINDS, conditions(ten, at(0)), at(0));
  expect(r1.opened.map((i) => [i.kind, i.subject])).toEqual([['pod_crash_looping', 'team-0/Deployment/app-0']]);
  expect((await rows(c.clusterId)).map((r) => [r.state, r.details.count])).toEqual([['open', 10]]);
  // The same again a minute later: nothing opens; only last_seen moves (a quiet kind's evidence).
  const r2 = await reconcileIncidents(t.db, c, INCIDENT_KINDS, conditions(ten, at(1)), at(1));
  expect(r2.opened.length + r2.resolved.length + r2.reopened.length).toBe(0);
  // Three pods recover: the count follows.
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, conditions(ten.slice(0, 7), at(2)), at(2));
  expect((await rows(c.clusterId))[0].details.count).toBe(7);
  // All recover: a quiet kind stays open through its quiet period, then the periodic pass resolves it.
  const r3 = await reconcileIncidents(t.db, c, INCIDENT_KINDS, [], at(3));
  expect(r3.resolved).toEqual([]);
  expect((await advanceIncidents(t.db, at(11))).resolved.filter((r) => r.clusterId === c.clusterId)).toEqual([]);
  expect((await advanceIncidents(t.db, at(13))).resolved.map((r) => r.clusterId)).toContain(c.clusterId);
  expect((await rows(c.clusterId)).map((r) => r.state)).toEqual(['resolved']);
  expect(await transitions(c.clusterId)).toEqual(['opened', 'resolved']);
});

test('a kind without quiet period resolves at once; firing again within 30 min reopens the same row, later opens a new one', async () => {
  const c = await newCluster('flap');
  const pulling = (): Condition[] => [
    {
      kind: 'image_pull_failing',
      subject: 'shop/Deployment/web',
      severity: 'medium',
      title: 'pull',
      details: { count: 1 },
      since: at(0),
      seenAt: at(0),
      opensAt: null,
    },
  ];
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, pulling(), at(0));
  expect((await reconcileIncidents(t.db, c, INCIDENT_KINDS, [], at(1))).resolved.length).toBe(1);
  const again = await reconcileIncidents(t.db, c, INCIDENT_KINDS, pulling(), at(20));
  expect(again.reopened.length).toBe(1);
  expect((await rows(c.clusterId)).map((r) => [r.state, r.reopen_count])).toEqual([['open', 1]]);
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, [], at(21));
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, pulling(), at(60));
  expect((await rows(c.clusterId)).map((r) => [r.state, r.reopen_count])).toEqual([
    ['resolved', 1],
    ['open', 0],
  ]);
  expect(await transitions(c.clusterId)).toEqual(['opened', 'resolved', 'reopened', 'resolved', 'opened']);
});

test('threshold kinds wait for the threshold: pending (shown nowhere), opened by the periodic pass; cleared before it, nothing happened', async () => {
  const c = await newCluster('pending');
  const pod = makePod(0, { phase: 'Pending', status: 'Pending', nodeName: '', createdUnix: at(0).getTime() / 1000 });
  expect((await reconcileIncidents(t.db, c, INCIDENT_KINDS, conditions([pod], at(1)), at(1))).opened).toEqual([]);
  expect((await rows(c.clusterId)).map((r) => r.state)).toEqual(['pending']);
  const pendingId = (await rows(c.clusterId))[0].id;
  expect(await findIncident(t.db, [org.id], pendingId)).toBeNull();
  expect((await advanceIncidents(t.db, at(9))).opened.filter((r) => r.clusterId === c.clusterId)).toEqual([]);
  expect((await advanceIncidents(t.db, at(10))).opened.map((r) => r.clusterId)).toContain(c.clusterId);
  expect((await rows(c.clusterId)).map((r) => r.state)).toEqual(['open']);
  expect(await transitions(c.clusterId)).toEqual(['opened']);

  // Another pod pending for 3 min, then scheduled: its pending row disappears without a trace.
  const c2 = await newCluster('pending-brief');
  await reconcileIncidents(t.db, c2, INCIDENT_KINDS, conditions([pod], at(3)), at(3));
  await reconcileIncidents(t.db, c2, INCIDENT_KINDS, [], at(4));
  expect(await rows(c2.clusterId)).toEqual([]);
  expect(await transitions(c2.clusterId)).toEqual([]);

  // A per-org threshold moves the opening time.
  const c3 = await newCluster('pending-slow');
  await t.db.execute(sql`insert into incident_settings (org_id, pending_after_seconds, unavailable_after_seconds) values (${org.id}, 1800, 600)`);
  await reconcileIncidents(t.db, c3, INCIDENT_KINDS, conditions([pod], at(1)), at(1));
  await advanceIncidents(t.db, at(20));
  expect((await rows(c3.clusterId)).map((r) => r.state)).toEqual(['pending']);
  await advanceIncidents(t.db, at(30));
  expect((await rows(c3.clusterId)).map((r) => r.state)).toEqual(['open']);
  await t.db.execute(sql`delete from incident_settings where org_id = ${org.id}`);
});

test('resolved by hand while the condition holds: stays resolved until it clears once; then a return reopens it', async () => {
  const c = await newCluster('by-hand');
  const node: Condition[] = [
    { kind: 'node_not_ready', subject: 'n1', severity: 'high', title: 'Node n1 is NotReady', details: {}, since: at(0), seenAt: at(0), opensAt: null },
  ];
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, node, at(0));
  const [row] = await rows(c.clusterId);
  const incident = (await findIncident(t.db, [org.id], row.id))!;
  expect((await resolveIncidentByHand(t.db, { userId, email: 'op@example.com', ip: null }, incident, 'rebooting it', at(1))).ok).toBe(true);
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, node, at(2));
  expect((await rows(c.clusterId)).map((r) => r.state)).toEqual(['resolved']);
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, [], at(3));
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, node, at(4));
  expect((await rows(c.clusterId)).map((r) => [r.state, r.reopen_count])).toEqual([['open', 1]]);
  const notes = await queryRows<{ kind: string; actor_id: string | null; note: string | null }>(
    t.db,
    sql`select kind, actor_id, note from incident_transitions where cluster_id = ${c.clusterId} order by id`,
  );
  expect(notes).toEqual([
    { kind: 'opened', actor_id: null, note: null },
    { kind: 'resolved', actor_id: userId, note: 'rebooting it' },
    { kind: 'reopened', actor_id: null, note: null },
  ]);
});

test('silences: a parent org’s silence matching kind covers its child’s incidents while active; opening under one sets silenced_until', async () => {
  const c = await newCluster('silenced', child.id);
  await createSilence(t.db, {
    orgId: org.id,
    clusterId: null,
    kind: 'node_pressure',
    workload: null,
    environment: 'staging',
    startsAt: at(0),
    endsAt: at(60),
    comment: 'disk work',
    createdBy: null,
  });
  const cond = (kind: 'node_pressure' | 'node_not_ready'): Condition => ({
    kind,
    subject: 'n1',
    severity: 'medium',
    title: kind,
    details: {},
    since: at(5),
    seenAt: at(5),
    opensAt: null,
  });
  await reconcileIncidents(t.db, c, INCIDENT_KINDS, [cond('node_pressure'), cond('node_not_ready')], at(5));
  expect((await rows(c.clusterId)).map((r) => [r.kind, r.silenced_until ? new Date(r.silenced_until).toISOString() : null])).toEqual([
    ['node_not_ready', null],
    ['node_pressure', at(60).toISOString()],
  ]);
  // Once the silence is over, the periodic refresh clears it.
  await refreshSilenced(t.db, at(61), { clusterId: c.clusterId });
  expect((await rows(c.clusterId)).map((r) => r.silenced_until)).toEqual([null, null]);
});

test('the periodic silence refresh reads only the incidents a silence can change: those silenced now and those under an organization with a silence active now', async () => {
  const open = (kind: 'node_pressure' | 'node_not_ready', subject: string): Condition => ({
    kind,
    subject,
    severity: 'medium',
    title: kind,
    details: {},
    since: at(100),
    seenAt: at(100),
    opensAt: null,
  });
  const elsewhere = await newCluster('unsilenced');
  await reconcileIncidents(t.db, elsewhere, INCIDENT_KINDS, [open('node_pressure', 'a'), open('node_not_ready', 'b'), open('node_pressure', 'c')], at(100));
  const under = await newCluster('under-silence', child.id);
  await reconcileIncidents(t.db, under, INCIDENT_KINDS, [open('node_pressure', 'n1')], at(100));
  await createSilence(t.db, {
    orgId: child.id,
    clusterId: null,
    kind: null,
    workload: null,
    environment: null,
    startsAt: at(110),
    endsAt: at(130),
    comment: 'maintenance',
    createdBy: null,
  });
  const count = async (where: ReturnType<typeof sql>) =>
    Number((await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from incidents where resolved_at is null and ${where}`))[0].n);
  const candidates = await count(sql`(silenced_until is not null or org_id = ${child.id})`);
  expect(candidates).toBeLessThan(await count(sql`true`));

  const plan = await planOf(t.db, (db) => refreshSilenced(db, at(120), {}));
  expect(rowsRead(cteOf(plan, 'target'), 'incidents')).toBe(candidates);
  // And it did what it is for: the silence covers its subtree's incidents, the others stay as they were.
  expect((await rows(under.clusterId)).map((r) => r.silenced_until && new Date(r.silenced_until).toISOString())).toEqual([at(130).toISOString()]);
  expect((await rows(elsewhere.clusterId)).map((r) => r.silenced_until)).toEqual([null, null, null]);
  // Over, it is cleared by the same pass.
  await refreshSilenced(t.db, at(131), {});
  expect((await rows(under.clusterId)).map((r) => r.silenced_until)).toEqual([null]);
});

test("whether a crash loop still holds reads the cluster's crash-looping pods through their own index, not every pod of the cluster", async () => {
  const plan = await planOfQuery(
    t.db,
    sql`select count(*) from incidents i where i.kind = 'pod_crash_looping' and ${storedWorkloadCrashLooping(sql`i.cluster_id`, sql`i.subject`)}`,
    { settings: { enable_seqscan: 'off', enable_bitmapscan: 'off' } },
  );
  expect(scansOf(plan, 'cluster_pods').map((s) => s.index)).toEqual(['cluster_pods_crash_looping_idx']);
});
