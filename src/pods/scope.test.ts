// The pod table over a scope larger than the page draws: 230 clusters, most of them counts-only agents. The
// filter lists the first 200 by name and those chosen, the notes list 200 and count the rest, "across N" counts
// them all; the API still answers every counts-only cluster and a foreign cluster id is a 404.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/client';
import { createCluster } from '../clusters/store';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import type { Org } from '../orgs/schema';

const CLUSTERS = 230;
const COUNTS_ONLY = 210;

let t: TestApp;
let org: Org;
let browser: Browser;
let api: Awaited<ReturnType<typeof apiClient>>;
let foreignId = '';
/** The cluster ids by name: c-000 … c-229. */
const ids: string[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const user = await makeUser(t.db);
  org = await makeOrg(t.db, 'Big Scope', null, { userId: user.id, role: 'owner' });
  const other = await makeOrg(t.db, 'Elsewhere');
  for (let i = 0; i < CLUSTERS; i++) {
    const made = await createCluster(t.db, { orgId: org.id, name: `c-${String(i).padStart(3, '0')}`, environment: 'production', createdBy: null });
    if (!made.ok) throw new Error('name taken');
    ids.push(made.cluster.id);
  }
  const foreign = await createCluster(t.db, { orgId: other.id, name: 'c-000', environment: 'production', createdBy: null });
  if (!foreign.ok) throw new Error('name taken');
  foreignId = foreign.cluster.id;
  // The last COUNTS_ONLY clusters by name run protocol-1 agents.
  await queryRows(t.db, sql`update clusters set protocol = 1 where org_id = ${org.id} and name >= ${`c-${String(CLUSTERS - COUNTS_ONLY).padStart(3, '0')}`}`);
  browser = await signIn(t, user);
  api = await apiClient(t, browser);
});
afterAll(async () => {
  await t.close();
});

const checkboxes = (html: string): string[] => [...html.matchAll(/name="cluster" value="([^"]+)"/g)].map((m) => m[1]);

test('the page draws the first 200 clusters by name and the chosen ones, and counts them all', async () => {
  const html = await (await browser.get('/pods')).text();
  expect(html).toContain(`across ${CLUSTERS} clusters`);
  expect(checkboxes(html)).toEqual(ids.slice(0, 200));
  expect(html).toContain(`The first 200 of ${CLUSTERS} clusters by name, and those chosen.`);
  // Counts-only agents: 200 named, the rest counted.
  const note = html.slice(html.indexOf('data-note="protocol-1"'), html.indexOf('</p>', html.indexOf('data-note="protocol-1"')));
  expect([...note.matchAll(/href="\/clusters\/([^"]+)"/g)].length).toBe(200);
  expect(note).toContain(`, and ${COUNTS_ONLY - 200} others`);
  expect(note).toContain('run agents of protocol 1');

  // A cluster past the first 200, chosen: first in the list and checked; a foreign id in the URL is ignored.
  const late = ids[CLUSTERS - 1];
  const chosen = await (await browser.get(`/pods?cluster=${late}&cluster=${foreignId}`)).text();
  expect(checkboxes(chosen)[0]).toBe(late);
  expect(checkboxes(chosen)).toHaveLength(200);
  expect(chosen).toMatch(new RegExp(`name="cluster" value="${late}" checked`));
  expect(chosen).not.toContain(foreignId);
  expect(chosen).toContain('<summary aria-label="Clusters">1 cluster</summary>');
});

test('the API names every counts-only cluster in scope; a foreign cluster id is a 404', async () => {
  const res = await api.call('GET', '/v1/clusters/pods');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { pods: unknown[]; clustersWithoutPodList: { id: string; name: string }[] };
  expect(body.pods).toEqual([]);
  expect(body.clustersWithoutPodList.map((c) => c.id)).toEqual(ids.slice(CLUSTERS - COUNTS_ONLY));
  const one = (await (await api.call('GET', `/v1/clusters/pods?cluster=${ids[CLUSTERS - 1]}`)).json()) as typeof body;
  expect(one.clustersWithoutPodList.map((c) => c.id)).toEqual([ids[CLUSTERS - 1]]);
  expect((await api.call('GET', `/v1/clusters/pods?cluster=${foreignId}`)).status).toBe(404);
  expect((await api.call('GET', `/v1/clusters/${foreignId}/pods`)).status).toBe(404);
});
