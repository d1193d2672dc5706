// Clusters API and pages: org-subtree scope (404 across orgs), roles, fleet filters and pagination, the polled fragment, escaping of cluster-supplied text.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeHeartbeatV1, makePod, makePods, sendHeartbeat } from '../testing/heartbeats';
import type { Org } from '../orgs/schema';
import { eq } from 'drizzle-orm';
import { clusters } from './schema';

type Api = Awaited<ReturnType<typeof apiClient>>;
type Client = { browser: Browser; api: Api };

let t: TestApp;
let msp: Org;
let customer: Org;
let other: Org;
let owner: Client; // owner of msp (sees customer too)
let stranger: Client; // owner of another org
let viewer: Client; // viewer of customer
let member: Client; // member of customer

async function client(org: Org, role: 'owner' | 'admin' | 'member' | 'viewer'): Promise<Client> {
  const user = await makeUser(t.db);
  const { setMembership } = await import('../orgs/store');
  await setMembership(t.db, org.id, user.id, role);
  const browser = await signIn(t, user);
  return { browser, api: await apiClient(t, browser) };
}

beforeAll(async () => {
  t = await startTestApp();
  msp = await makeOrg(t.db, 'MSP');
  customer = await makeOrg(t.db, 'Customer', msp);
  other = await makeOrg(t.db, 'Other Co');
  owner = await client(msp, 'owner');
  stranger = await client(other, 'owner');
  viewer = await client(customer, 'viewer');
  member = await client(customer, 'member');
});
afterAll(async () => {
  await t.close();
});

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

describe('scope', () => {
  test("another org's cluster is a 404 on every page and endpoint, exactly like a missing one", async () => {
    const c = await createEnrolledCluster(t, owner.api, { name: 'private', orgId: customer.id });
    await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: makePods(3) }));
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [c.clusterId, missing, 'not-a-uuid']) {
      for (const [method, path, body] of [
        ['GET', `/v1/clusters/${id}`],
        ['PATCH', `/v1/clusters/${id}`, { name: 'x' }],
        ['DELETE', `/v1/clusters/${id}`],
        ['POST', `/v1/clusters/${id}/enrollment-token`],
        ['GET', `/v1/clusters/${id}/nodes`],
        ['GET', `/v1/clusters/${id}/timeline`],
      ] as const) {
        const res = await stranger.api.call(method, path, body);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect((await json<{ error: { code: string } }>(res)).error.code).toBe('not_found');
      }
      for (const path of [`/clusters/${id}`, `/clusters/${id}/live`, `/clusters/${id}/workloads`, `/clusters/${id}/timeline`, `/clusters/${id}/settings`]) {
        expect({ path, status: (await stranger.browser.get(path)).status }).toEqual({ path, status: 404 });
      }
      expect((await stranger.browser.post(`/clusters/${id}/delete`, { confirm: 'private' })).status).toBe(404);
    }
    const list = await json<{ clusters: { id: string }[] }>(await stranger.api.call('GET', '/v1/clusters'));
    expect(list.clusters.map((x) => x.id)).not.toContain(c.clusterId);
    expect(await (await stranger.browser.get('/')).text()).not.toContain('private');
    // The MSP owner sees the customer's cluster through the org tree.
    expect((await owner.api.call('GET', `/v1/clusters/${c.clusterId}`)).status).toBe(200);
    expect(await (await owner.browser.get('/')).text()).toContain('private');
    // A cluster can't be created in someone else's org either.
    expect((await stranger.api.call('POST', '/v1/clusters', { name: 'sneaky', orgId: customer.id })).status).toBe(404);
  });

  test('viewers read; members operate; deleting needs admin', async () => {
    const c = await createEnrolledCluster(t, owner.api, { name: 'roles', orgId: customer.id });
    expect((await viewer.api.call('GET', `/v1/clusters/${c.clusterId}`)).status).toBe(200);
    expect((await viewer.browser.get(`/clusters/${c.clusterId}`)).status).toBe(200);
    expect((await viewer.api.call('PATCH', `/v1/clusters/${c.clusterId}`, { environment: 'dev' })).status).toBe(403);
    expect((await viewer.api.call('POST', '/v1/clusters', { name: 'by-viewer', orgId: customer.id })).status).toBe(403);
    expect((await viewer.browser.post(`/clusters/${c.clusterId}/settings`, { name: 'x', environment: 'dev' })).status).toBe(403);
    const patched = await member.api.call('PATCH', `/v1/clusters/${c.clusterId}`, { name: 'roles-renamed', environment: 'dev' });
    expect(patched.status).toBe(200);
    expect(await json<{ name: string; environment: string }>(patched)).toMatchObject({ name: 'roles-renamed', environment: 'dev' });
    expect((await member.api.call('DELETE', `/v1/clusters/${c.clusterId}`)).status).toBe(403);
    const settings = await (await member.browser.get(`/clusters/${c.clusterId}/settings`)).text();
    expect(settings).toContain('Deleting a cluster needs the admin role.');
    expect((await owner.api.call('DELETE', `/v1/clusters/${c.clusterId}`)).status).toBe(200);
  });
});

describe('API', () => {
  test('a cluster name is a DNS label, in the API and the forms; a refusal suggests one that would do', async () => {
    for (const bad of ['Bad Name!!', 'UPPER', '-edge', 'edge-', 'edge_1', 'a'.repeat(64), 'ünïcode']) {
      const res = await owner.api.call('POST', '/v1/clusters', { name: bad, orgId: msp.id });
      const body = await json<{ error: { code: string; message: string } }>(res);
      expect({ bad, status: res.status, code: body.error.code }).toEqual({ bad, status: 400, code: 'invalid_request' });
      expect(body.error.message).toStartWith('name: must be lowercase letters, digits and "-"');
    }
    const res = await owner.api.call('POST', '/v1/clusters', { name: 'Bad Name!!', orgId: msp.id });
    expect((await json<{ error: { message: string } }>(res)).error.message).toEndWith('— e.g. "bad-name"');
    const ok = await json<{ cluster: { id: string; name: string } }>(await owner.api.call('POST', '/v1/clusters', { name: 'store-berlin-01', orgId: msp.id }));
    expect(ok.cluster.name).toBe('store-berlin-01');
    // A rename follows the rule; a name from before the rule may stay as it is while the environment changes.
    expect((await owner.api.call('PATCH', `/v1/clusters/${ok.cluster.id}`, { name: 'Store Berlin' })).status).toBe(400);
    await t.db.update(clusters).set({ name: 'Legacy Name' }).where(eq(clusters.id, ok.cluster.id));
    expect((await owner.api.call('PATCH', `/v1/clusters/${ok.cluster.id}`, { name: 'Legacy Name', environment: 'dev' })).status).toBe(200);
    // The forms: the browser is told the rule, the server holds it.
    const form = await (await owner.browser.get('/clusters/new')).text();
    expect(form).toContain('pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?"');
    expect(form).toContain('maxlength="63"');
    const refused = await owner.browser.post('/clusters', { name: 'Bad Name!!', environment: 'dev', orgId: msp.id });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('e.g. &quot;bad-name&quot;');
    const settings = await owner.browser.post(`/clusters/${ok.cluster.id}/settings`, { name: 'Also Bad', environment: 'dev' });
    expect(settings.status).toBe(422);
    await owner.api.call('DELETE', `/v1/clusters/${ok.cluster.id}`);
  });

  test('unknown fields and bad values are 400s naming the field; duplicate names 409', async () => {
    const extra = await owner.api.call('POST', '/v1/clusters', { name: 'x1', colour: 'red' });
    expect(extra.status).toBe(400);
    expect((await json<{ error: { message: string } }>(extra)).error.message).toStartWith('colour:');
    const env = await owner.api.call('POST', '/v1/clusters', { name: 'x2', environment: 'moon' });
    expect(env.status).toBe(400);
    expect((await json<{ error: { message: string } }>(env)).error.message).toStartWith('environment:');
    const blank = await owner.api.call('POST', '/v1/clusters', { name: '   ' });
    expect(blank.status).toBe(400);
    expect((await owner.api.call('POST', '/v1/clusters', { name: 'dup', orgId: msp.id })).status).toBe(201);
    const dup = await owner.api.call('POST', '/v1/clusters', { name: ' dup ', orgId: msp.id });
    expect(dup.status).toBe(409);
    // The same name in another org is fine.
    expect((await owner.api.call('POST', '/v1/clusters', { name: 'dup', orgId: customer.id })).status).toBe(201);
    expect((await owner.api.call('GET', '/v1/clusters?limit=0')).status).toBe(400);
    expect((await owner.api.call('GET', '/v1/clusters?limit=201')).status).toBe(400);
    expect((await owner.api.call('GET', '/v1/clusters?cursor=garbage')).status).toBe(400);
    expect((await owner.api.call('GET', '/v1/clusters?status=purple')).status).toBe(400);
  });

  test('a keyset walk visits every cluster once; filters narrow it', async () => {
    const org = await makeOrg(t.db, 'Paging', msp);
    for (let i = 0; i < 7; i++)
      expect((await owner.api.call('POST', '/v1/clusters', { name: `page-${i}`, orgId: org.id, environment: i % 2 ? 'dev' : 'production' })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { clusters: { name: string }[]; nextCursor: string | null } = await json(
        await owner.api.call('GET', `/v1/clusters?orgId=${org.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`),
      );
      seen.push(...page.clusters.map((c) => c.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    const dev = await json<{ clusters: { name: string }[] }>(await owner.api.call('GET', `/v1/clusters?orgId=${org.id}&environment=dev`));
    expect(dev.clusters.map((c) => c.name)).toEqual(['page-1', 'page-3', 'page-5']);
    const q = await json<{ clusters: { name: string }[] }>(await owner.api.call('GET', `/v1/clusters?orgId=${org.id}&q=GE-4`));
    expect(q.clusters.map((c) => c.name)).toEqual(['page-4']);
    const pct = await json<{ clusters: unknown[] }>(await owner.api.call('GET', `/v1/clusters?q=${encodeURIComponent('%')}`));
    expect(pct.clusters).toEqual([]);
  });

  test('the clusters API is in the OpenAPI document', async () => {
    const spec = await json<{ paths: Record<string, Record<string, { tags?: string[] }>> }>(await t.request('/v1/openapi.json'));
    for (const p of [
      '/v1/clusters',
      '/v1/clusters/{id}',
      '/v1/clusters/{id}/enrollment-token',
      '/v1/clusters/{id}/nodes',
      '/v1/clusters/{id}/timeline',
      '/v1/agent/heartbeat',
      '/v1/agent/enroll',
    ]) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
    expect(spec.paths['/v1/clusters'].post.tags).toEqual(['clusters']);
  });
});

describe('pages', () => {
  test('a status is the same word in the API and on the page (the page capitalises it)', async () => {
    const org = await makeOrg(t.db, 'Words', msp);
    const fresh = await createEnrolledCluster(t, owner.api, { name: 'words-new', orgId: org.id });
    const live = await createEnrolledCluster(t, owner.api, { name: 'words-live', orgId: org.id });
    await sendHeartbeat(t, live.agentKey, makeHeartbeat({ pods: makePods(2) }));
    const page = await (await owner.browser.get(`/?orgId=${org.id}`)).text();
    for (const c of [fresh, live]) {
      const api = (await (await owner.api.call('GET', `/v1/clusters/${c.clusterId}`)).json()) as { name: string; status: string };
      const badge = new RegExp(`data-cluster="${api.name}"[\\s\\S]*?data-status="([a-z]+)"[^>]*>([^<]+)<`).exec(page);
      expect({ name: api.name, status: badge?.[1], label: badge?.[2].trim().toLowerCase() }).toEqual({ name: api.name, status: api.status, label: api.status });
    }
  });

  test('fleet filters live in the URL; summary counts; the polled fragment is the same element', async () => {
    const org = await makeOrg(t.db, 'Filters', msp);
    const a = await createEnrolledCluster(t, owner.api, { name: 'alpha-edge', orgId: org.id, environment: 'production' });
    await createEnrolledCluster(t, owner.api, { name: 'beta-edge', orgId: org.id, environment: 'dev' });
    await sendHeartbeat(t, a.agentKey, makeHeartbeat({ pods: makePods(4) }));
    const page = await (await owner.browser.get(`/?orgId=${org.id}`)).text();
    expect(page).toContain('alpha-edge');
    expect(page).toContain('beta-edge');
    expect(page).toMatch(/data-count="healthy"[^>]*>\s*Healthy 1/);
    expect(page).toMatch(/data-count="pending"[^>]*>\s*Pending 1/);
    const healthy = await (await owner.browser.get(`/?orgId=${org.id}&status=healthy`)).text();
    expect(healthy).toContain('alpha-edge');
    expect(healthy).not.toContain('beta-edge');
    const searched = await (await owner.browser.get(`/?orgId=${org.id}&q=beta`)).text();
    expect(searched).not.toContain('alpha-edge');
    expect(searched).toContain('value="beta"');
    // A stale bookmark with unknown values still loads.
    expect((await owner.browser.get('/?status=purple&environment=moon')).status).toBe(200);
    const fragment = await owner.browser.get(`/fleet/live?orgId=${org.id}&environment=dev`, { 'hx-request': 'true' });
    const html = await fragment.text();
    expect(html).toStartWith('<div id="fleet-live"');
    expect(html).toContain(`hx-get="/fleet/live?environment=dev&orgId=${org.id}"`);
    expect(html).toContain('hx-trigger="every 5s"'); // polls only while visible: static/app.ts drops hidden-tab polls (no inline expression under the CSP)
    expect(html).toContain('hx-swap="outerMorph"');
    expect(html).toContain('beta-edge');
    expect(html).not.toContain('alpha-edge');
  });

  test('creating a cluster in the UI shows the token and install command once; duplicates are explained', async () => {
    const res = await member.browser.post('/clusters', { name: 'ui-made', environment: 'staging', orgId: customer.id });
    // Post/redirect/get: the page it lands on shows the token once; a reload of it goes to the cluster, creating nothing.
    expect(res.status).toBe(303);
    const landed = await member.browser.follow(res);
    expect(landed.status).toBe(200);
    const html = await landed.text();
    const token = /data-token[^>]*>([^<]+)</.exec(html)?.[1];
    expect(token).toMatch(/^niro_enr_/);
    expect(html).toContain(`curl -fsSL ${t.config.publicUrl}/install.sh | NIRO_TOKEN=${token} sh`);
    const again = await member.browser.get(res.headers.get('location')!);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toMatch(/^\/clusters\/[0-9a-f-]{36}$/);
    const dup = await member.browser.post('/clusters', { name: 'ui-made', environment: 'staging', orgId: customer.id });
    expect(dup.status).toBe(422);
    expect(await dup.text()).toContain('A cluster named &quot;ui-made&quot; already exists');
    const form = await (await viewer.browser.get('/clusters/new')).text();
    expect(form).toContain('You need the member role');
  });

  test('new token from the settings page; delete asks for the name and shows the uninstall hint', async () => {
    const created = await json<{ cluster: { id: string }; enrollment: { token: string } }>(
      await owner.api.call('POST', '/v1/clusters', { name: 'regen-ui', orgId: customer.id }),
    );
    const id = created.cluster.id;
    const regen = await owner.browser.post(`/clusters/${id}/token`, {});
    expect(regen.status).toBe(303);
    const newToken = /data-token[^>]*>([^<]+)</.exec(await (await owner.browser.follow(regen)).text())?.[1];
    expect(newToken).toMatch(/^niro_enr_/);
    expect(newToken).not.toBe(created.enrollment.token);
    const settings = await (await owner.browser.get(`/clusters/${id}/settings`)).text();
    expect(settings).toContain('kubectl delete namespace niro-system');
    const wrong = await owner.browser.post(`/clusters/${id}/delete`, { confirm: 'nope' });
    expect(wrong.status).toBe(303);
    expect((await owner.api.call('GET', `/v1/clusters/${id}`)).status).toBe(200);
    const right = await owner.browser.post(`/clusters/${id}/delete`, { confirm: 'regen-ui' });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/');
    expect((await owner.api.call('GET', `/v1/clusters/${id}`)).status).toBe(404);
  });

  test('cluster-supplied text is escaped everywhere it shows', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const c = await createEnrolledCluster(t, owner.api, { name: 'evil-names', orgId: customer.id });
    // Names follow a rule now, but one given before it may hold anything.
    await t.db
      .update(clusters)
      .set({ name: `x${evil}` })
      .where(eq(clusters.id, c.clusterId));
    const pod = { ...makePod(1), namespace: `ns${evil}`, name: `pod${evil}`, status: 'CrashLoopBackOff' };
    const event = {
      namespace: 'default',
      involvedKind: 'Pod',
      involvedName: `p${evil}`,
      reason: 'BackOff',
      message: `boom ${evil}`,
      count: 1,
      firstSeen: 1_780_000_000,
      lastSeen: 1_780_000_000,
      uid: 'evil-1',
    };
    const node = { ...makeHeartbeat().nodes[0], name: `n${evil}`, roles: [`r${evil}`], kubeletVersion: `v${evil}` };
    expect((await sendHeartbeat(t, c.agentKey, { ...makeHeartbeat({ pods: [pod], events: [event], nodes: [node] }), agentVersion: `0.4${evil}` })).status).toBe(
      200,
    );
    for (const path of [
      '/',
      `/clusters/${c.clusterId}`,
      `/clusters/${c.clusterId}/live`,
      `/clusters/${c.clusterId}/workloads`,
      `/clusters/${c.clusterId}/timeline`,
      `/clusters/${c.clusterId}/settings`,
      '/incidents',
    ]) {
      const html = await (await owner.browser.get(path)).text();
      // Inside a quoted attribute value the text cannot open a tag; everywhere else it must be escaped.
      const outsideAttributes = html.replace(/="[^"]*"/g, '=""');
      expect({ path, raw: outsideAttributes.includes(evil) }).toEqual({ path, raw: false });
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });

  test('a protocol-1 cluster shows its counts and says why there is no pod list', async () => {
    const c = await createEnrolledCluster(t, owner.api, { name: 'old-agent-ui', orgId: customer.id });
    expect((await sendHeartbeat(t, c.agentKey, makeHeartbeatV1())).status).toBe(200);
    const fleet = await (await owner.browser.get('/')).text();
    const row = new RegExp(`<tr id="cluster-${c.clusterId}"[\\s\\S]*?</tr>`).exec(fleet)?.[0] ?? '';
    expect(row).toContain('11/12 running');
    expect(row).toContain('counts only');
    const workloads = await (await owner.browser.get(`/clusters/${c.clusterId}/workloads`)).text();
    expect(workloads).toContain('reports counts only: 12 pods, 11 running, 1 failed, in 4 namespaces');
  });

  test('detail tabs show nodes with usage, workloads by namespace and phase, the timeline', async () => {
    const c = await createEnrolledCluster(t, owner.api, { name: 'tabs', orgId: customer.id });
    // Pending since just now: not yet "pending too long" (which would make the cluster Warning).
    const pods = [...makePods(6), { ...makePod(100), phase: 'Pending', status: 'Pending', createdUnix: Math.floor(Date.now() / 1000) }];
    await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods }));
    const overview = await (await owner.browser.get(`/clusters/${c.clusterId}`)).text();
    expect(overview).toContain('id="cluster-live"');
    // The poll answers the whole tab, header included: the status and the heartbeat age refresh with the nodes.
    const live = await (await owner.browser.get(`/clusters/${c.clusterId}/live`, { 'hx-request': 'true' })).text();
    expect(live.startsWith(`<div id="cluster-live" hx-get="/clusters/${c.clusterId}/live"`)).toBe(true);
    for (const part of ['data-cluster-header', 'data-status="healthy"', 'data-last-heartbeat', 'k3s-node-2', '<h2>Cluster</h2>'])
      expect({ part, in: live.includes(part) }).toEqual({ part, in: true });
    expect(overview).toContain('k3s-node-2');
    expect(overview).toMatch(/30% · 1.2 \/ 4 cores/);
    const workloads = await (await owner.browser.get(`/clusters/${c.clusterId}/workloads`)).text();
    expect(workloads).toContain('team-0');
    expect(workloads).toContain('<th>Pending</th>');
    const timeline = await (await owner.browser.get(`/clusters/${c.clusterId}/timeline`)).text();
    expect(timeline).toContain('enrolled');
    expect(timeline).toContain('Pending → Healthy');
    expect((await owner.browser.get('/deployments')).status).toBe(200);
  });
});
