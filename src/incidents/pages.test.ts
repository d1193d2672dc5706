// The /incidents pages: filters narrow the list, the live fragment is what the page embeds and an unchanged
// poll is a 304, the forms acknowledge, resolve with a note, silence and expire (CSRF required), another
// org's incident is a 404, and org admins set thresholds on the settings page.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { createCluster } from '../clusters/store';
import type { Condition } from './detection';
import { reconcileIncidents } from './reconcile';
import { thresholdsFor } from './store';

let t: TestApp;
let owner: Browser;
let outsider: Browser;
let orgId = '';
let incidentId = '';

const cond = (kind: Condition['kind'], subject: string): Condition => ({
  kind,
  subject,
  severity: 'high',
  title: `${kind} on ${subject}`,
  details: { count: 3, pods: ['web-1', 'web-2', 'web-3'] },
  since: new Date(),
  seenAt: new Date(),
  opensAt: null,
});

beforeAll(async () => {
  t = await startTestApp();
  const [u, o] = [await makeUser(t.db), await makeUser(t.db)];
  const org = await makeOrg(t.db, 'Pages Org', null, { userId: u.id, role: 'owner' });
  await makeOrg(t.db, 'Other Org', null, { userId: o.id, role: 'owner' });
  orgId = org.id;
  owner = await signIn(t, u);
  outsider = await signIn(t, o);
  const c = await createCluster(t.db, { orgId, name: 'pages-1', environment: 'production', createdBy: null });
  if (!c.ok) throw new Error('cluster');
  const r = await reconcileIncidents(
    t.db,
    { orgId, clusterId: c.cluster.id },
    ['pod_crash_looping', 'node_not_ready'],
    [cond('pod_crash_looping', 'shop/Deployment/web'), cond('node_not_ready', 'node-1')],
    new Date(),
  );
  incidentId = r.opened.find((i) => i.kind === 'pod_crash_looping')!.id;
});
afterAll(async () => {
  await t.close();
});

test('the page lists open incidents with links to the cluster, workload and pods; filters narrow it; the poll answers 304 when unchanged', async () => {
  const page = await (await owner.get('/incidents')).text();
  expect(page).toContain('id="incidents-live"');
  expect(page).toContain('data-incident="pod_crash_looping"');
  expect(page).toContain('data-incident="node_not_ready"');
  expect(page).toContain('data-workload-link');
  expect(page).toContain('owner=Deployment%2Fweb');
  expect(page).toContain('data-pod-link');
  const narrowed = await (await owner.get('/incidents?kind=node_not_ready')).text();
  expect(narrowed).not.toContain('data-incident="pod_crash_looping"');
  const live = await owner.get('/incidents/live', { 'hx-request': 'true' });
  const etag = live.headers.get('etag');
  expect(etag).toBeTruthy();
  expect((await owner.get('/incidents/live', { 'hx-request': 'true', 'if-none-match': etag! })).status).toBe(304);
  const count = await (await owner.get('/incidents/count', { 'hx-request': 'true' })).text();
  expect(count).toContain('data-open-incidents="2"');
  expect((await outsider.get(`/incidents/${incidentId}`)).status).toBe(404);
  expect(await (await outsider.get('/incidents/count', { 'hx-request': 'true' })).text()).toContain('data-open-incidents="0"');
});

test('acknowledge (htmx: 204 and a refresh event), resolve with a note, without CSRF refused', async () => {
  const noCsrf = await owner.send(`/incidents/${incidentId}/acknowledge`, {
    method: 'POST',
    body: new URLSearchParams({}),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(noCsrf.status).toBe(403);
  const acked = await owner.post(`/incidents/${incidentId}/acknowledge`, {}, { 'hx-request': 'true' });
  expect(acked.status).toBe(204);
  expect(acked.headers.get('hx-trigger')).toBe('incidents-changed');
  expect(await (await owner.get(`/incidents/${incidentId}`)).text()).toContain('acknowledged by');
  const resolved = await owner.post(`/incidents/${incidentId}/resolve`, { note: 'rolled back' });
  expect(resolved.status).toBe(303);
  const detail = await (await owner.follow(resolved)).text();
  expect(detail).toContain('Incident resolved.');
  expect(detail).toContain('rolled back');
  expect(detail).toContain('data-transition="resolved"');
});

test('a silence from the form marks what it matches and is listed; expire ends it', async () => {
  const created = await owner.post('/incidents/silences', {
    orgId,
    kind: 'node_not_ready',
    durationMinutes: '240',
    comment: 'maintenance',
    back: '/incidents',
  });
  expect(created.status).toBe(303);
  const page = await (await owner.follow(created)).text();
  expect(page).toContain('Silence created.');
  expect(page).toContain('data-silenced');
  const id = /id="silence-([0-9a-f-]{36})"/.exec(page)![1];
  const bad = await owner.post('/incidents/silences', { orgId, comment: 'nothing matched', durationMinutes: '60' });
  expect(bad.status).toBe(400);
  expect((await outsider.post(`/incidents/silences/${id}/expire`, {})).status).toBe(303);
  expect(await (await owner.get('/incidents')).text()).toContain(`id="silence-${id}"`);
  await owner.post(`/incidents/silences/${id}/expire`, {});
  const after = await (await owner.get('/incidents')).text();
  expect(after).not.toContain(`id="silence-${id}"`);
  expect(after).not.toContain('data-silenced');
});

test('thresholds on the settings page: an admin saves them in minutes; bad values name the field', async () => {
  const page = await (await owner.get('/settings/incidents')).text();
  expect(page).toContain(`data-thresholds="${orgId}"`);
  const saved = await owner.post('/settings/incidents', { orgId, pendingMinutes: '15', unavailableMinutes: '5' });
  expect(saved.status).toBe(303);
  expect(await thresholdsFor(t.db, orgId)).toEqual({ pendingAfterSeconds: 900, unavailableAfterSeconds: 300 });
  const bad = await owner.post('/settings/incidents', { orgId, pendingMinutes: '0' });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('pendingAfterSeconds');
  expect((await outsider.post('/settings/incidents', { orgId, pendingMinutes: '20' })).status).toBe(404);
});
