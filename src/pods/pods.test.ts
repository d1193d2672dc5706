// Pods API and page: N pods of a heartbeat are N rows scoped to the org subtree, filters/search/sorts/keyset pages are exact (also while pods change), bad input is a 4xx or an empty answer, cluster-supplied text is escaped.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type Browser, type TestApp } from '../testing/app';
import { createEnrolledCluster, makeHeartbeat, makeHeartbeatV1, makePod, sendHeartbeat } from '../testing/heartbeats';
import { makeFleetPods } from '../testing/pod-fleet';
import type { PodDetail } from '../contract';
import type { Org } from '../orgs/schema';
import { indexFleetPods } from '../inventory/fleet-index';

type Api = Awaited<ReturnType<typeof apiClient>>;
type Client = { browser: Browser; api: Api };
type PodJson = {
  clusterId: string;
  clusterName: string;
  namespace: string;
  name: string;
  status: string;
  restarts: number;
  node: string | null;
  createdAt: string | null;
  owner: { kind: string; name: string } | null;
  images: string[];
  cpu: { usageMilli: number | null };
  memory: { usageBytes: number | null; limitBytes: number | null };
  problems: string[];
};
type ListJson = { pods: PodJson[]; nextCursor: string | null; clustersWithoutPodList: { id: string; name: string }[] };

let t: TestApp;
let msp: Org;
let customer: Org;
let other: Org;
let owner: Client; // owner of msp: sees msp and customer
let stranger: Client; // owner of another org
let shop: { clusterId: string; agentKey: string }; // customer's cluster, 120 fleet pods
let depot: { clusterId: string; agentKey: string }; // msp's cluster, 60 fleet pods
let secret: { clusterId: string; agentKey: string }; // other org's cluster
let shopPods: PodDetail[];
let depotPods: PodDetail[];

async function client(org: Org): Promise<Client> {
  const user = await makeUser(t.db);
  const { setMembership } = await import('../orgs/store');
  await setMembership(t.db, org.id, user.id, 'owner');
  const browser = await signIn(t, user);
  return { browser, api: await apiClient(t, browser) };
}

/** A heartbeat, then the index job's pass (what one replica does every few seconds). */
async function beat(c: { agentKey: string }, pods: PodDetail[]): Promise<void> {
  const res = await sendHeartbeat(t, c.agentKey, makeHeartbeat({ pods: structuredClone(pods) }));
  expect(res.status).toBe(200);
  await indexFleetPods(t.db, { now: new Date(), usageEverySeconds: 0 });
}

async function list(api: Api, query: string): Promise<ListJson> {
  const res = await api.call('GET', `/v1/clusters/pods${query ? `?${query}` : ''}`);
  expect({ query, status: res.status }).toEqual({ query, status: 200 });
  return (await res.json()) as ListJson;
}

/** Every page of a query, `limit` at a time, following nextCursor; `between` runs before each next page. */
async function walk(api: Api, query: string, limit: number, between?: () => Promise<void>): Promise<PodJson[]> {
  const out: PodJson[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await list(api, `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.pods);
    expect(page.pods.length).toBeLessThanOrEqual(limit);
    cursor = page.nextCursor;
    if (!cursor) return out;
    if (between) await between();
  }
  throw new Error('walk did not end');
}

const keyOf = (p: { clusterId?: string; namespace: string; name: string }, clusterId = p.clusterId): string => `${clusterId}/${p.namespace}/${p.name}`;
const keys = (ps: PodJson[]): string[] => ps.map((p) => keyOf(p));
/** The markup with every attribute value emptied: inside quotes `<` is text; outside, it would be a tag. */
const markup = (html: string): string => html.replace(/="[^"]*"/g, '=""');

beforeAll(async () => {
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
  msp = await makeOrg(t.db, 'MSP');
  customer = await makeOrg(t.db, 'Customer', msp);
  other = await makeOrg(t.db, 'Other Co');
  owner = await client(msp);
  stranger = await client(other);
  shop = await createEnrolledCluster(t, owner.api, { name: 'shop-edge', orgId: customer.id });
  depot = await createEnrolledCluster(t, owner.api, { name: 'depot-edge', orgId: msp.id });
  secret = await createEnrolledCluster(t, stranger.api, { name: 'secret-edge', orgId: other.id });
  shopPods = makeFleetPods(1, 120);
  depotPods = makeFleetPods(5, 60);
  await beat(shop, shopPods);
  await beat(depot, depotPods);
  await beat(secret, makeFleetPods(2, 30));
});
afterAll(async () => {
  await t.close();
});

describe('scope', () => {
  test('a heartbeat with N pods gives N rows, by API and page, to the org subtree only', async () => {
    const all = await walk(owner.api, '', 37);
    const expected = [...shopPods.map((p) => keyOf(p, shop.clusterId)), ...depotPods.map((p) => keyOf(p, depot.clusterId))].sort();
    expect(keys(all).sort()).toEqual(expected);
    expect(all.every((p) => p.clusterId !== secret.clusterId)).toBe(true);
    const one = await walk(owner.api, `cluster=${shop.clusterId}`, 50);
    expect(one.length).toBe(120);
    // The per-cluster endpoint lists the same pods.
    const viaCluster = (await (await owner.api.call('GET', `/v1/clusters/${shop.clusterId}/pods?limit=200`)).json()) as ListJson;
    expect(keys(viaCluster.pods).sort()).toEqual(keys(one).sort());

    const page = await (await owner.browser.get('/pods')).text();
    expect(page).toContain('data-count="all">All 180<');
    expect((page.match(/<tr data-pod=/g) ?? []).length).toBe(50);
    const strangerPage = await (await stranger.browser.get('/pods')).text();
    expect(strangerPage).toContain('data-count="all">All 30<');
    for (const p of [...shopPods, ...depotPods].slice(0, 200)) expect(strangerPage.includes(`/${p.namespace}/${p.name}"`)).toBe(false);
  });

  test("another org's cluster is a 404 on every pod endpoint and filter, exactly like a missing one", async () => {
    const p = shopPods[0];
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [shop.clusterId, missing, 'not-a-uuid']) {
      for (const path of [
        `/v1/clusters/${id}/pods`,
        `/v1/clusters/${id}/pods/${p.namespace}/${p.name}`,
        `/v1/clusters/${id}/pods/${p.namespace}/${p.name}/metrics`,
        `/v1/clusters/pods?cluster=${id}`,
      ]) {
        const res = await stranger.api.call('GET', path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
      for (const path of [
        `/clusters/${id}/pods/${p.namespace}/${p.name}/live`,
        `/clusters/${id}/pods/${p.namespace}/${p.name}/chart`,
        `/clusters/${id}/pods/${p.namespace}/${p.name}/details`,
      ]) {
        expect({ path, status: (await stranger.browser.get(path, { 'hx-request': 'true' })).status }).toEqual({ path, status: 404 });
      }
    }
    // The page ignores an out-of-scope cluster filter and a foreign pod link: nothing of theirs shows.
    const page = await (await stranger.browser.get(`/pods?cluster=${shop.clusterId}&pod=${shop.clusterId}/${p.namespace}/${p.name}`)).text();
    expect(page).not.toContain(p.name);
    expect(page).toContain('That pod');
  });

  test('/v1/clusters/pods is the fleet list, not a cluster called "pods"; /v1/clusters/{id} still answers', async () => {
    const res = await owner.api.call('GET', '/v1/clusters/pods?limit=1');
    expect(res.status).toBe(200);
    expect(((await res.json()) as ListJson).pods.length).toBe(1);
    expect((await owner.api.call('GET', `/v1/clusters/${shop.clusterId}`)).status).toBe(200);
  });

  test('the pod endpoints are in the OpenAPI document', async () => {
    const spec = (await (await t.request('/v1/openapi.json')).json()) as { paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> };
    for (const p of [
      '/v1/clusters/pods',
      '/v1/clusters/{id}/pods',
      '/v1/clusters/{id}/pods/{namespace}/{name}',
      '/v1/clusters/{id}/pods/{namespace}/{name}/metrics',
    ]) {
      expect(spec.paths[p]?.get?.tags).toEqual(['pods']);
      expect(spec.paths[p].get.summary).toBeTruthy();
    }
  });
});

describe('filters, search, sorts', () => {
  const mine = (): { clusterId: string; pod: PodDetail }[] => [
    ...shopPods.map((pod) => ({ clusterId: shop.clusterId, pod })),
    ...depotPods.map((pod) => ({ clusterId: depot.clusterId, pod })),
  ];
  const expectKeys = (pred: (p: PodDetail, clusterId: string) => boolean): string[] =>
    mine()
      .filter((x) => pred(x.pod, x.clusterId))
      .map((x) => keyOf(x.pod, x.clusterId))
      .sort();

  test('each filter returns exactly the matching pods, across pages', async () => {
    const sample = shopPods.find((p) => p.ownerKind === 'StatefulSet')!;
    const cases: [string, (p: PodDetail, c: string) => boolean][] = [
      ['namespace=kube-system', (p) => p.namespace === 'kube-system'],
      ['status=CrashLoopBackOff', (p) => p.status === 'CrashLoopBackOff'],
      ['status=Completed', (p) => p.status === 'Completed'],
      [`owner=${encodeURIComponent(`StatefulSet/${sample.ownerName}`)}`, (p) => p.ownerKind === 'StatefulSet' && p.ownerName === sample.ownerName],
      [`owner=${sample.ownerName}`, (p) => p.ownerName === sample.ownerName],
      ['node=k3s-node-1', (p) => p.nodeName === 'k3s-node-1'],
      [`cluster=${depot.clusterId}&namespace=kube-system`, (p, c) => c === depot.clusterId && p.namespace === 'kube-system'],
      [`cluster=${depot.clusterId},${shop.clusterId}&status=Running`, (p) => p.status === 'Running'],
      // Search: pod, namespace, owner and image, case-insensitive, substrings.
      [
        'q=CoreDNS',
        (p) => `${p.namespace} ${p.name} ${p.ownerKind}/${p.ownerName} ${p.containerDetails.map((c) => c.image).join(' ')}`.toLowerCase().includes('coredns'),
      ],
      ['q=1.3.9', (p) => p.containerDetails.some((c) => c.image.includes('1.3.9'))],
      [
        'q=ck',
        (p) => `${p.namespace} ${p.name} ${p.ownerKind}/${p.ownerName} ${p.containerDetails.map((c) => c.image).join(' ')}`.toLowerCase().includes('ck'),
      ],
      [
        `q=${encodeURIComponent(shopPods[7].name.slice(4, 15))}`,
        (p) =>
          `${p.namespace} ${p.name} ${p.ownerKind}/${p.ownerName} ${p.containerDetails.map((c) => c.image).join(' ')}`
            .toLowerCase()
            .includes(shopPods[7].name.slice(4, 15)),
      ],
    ];
    for (const [query, pred] of cases) {
      const expected = expectKeys(pred);
      expect({ query, n: expected.length > 0 }).toEqual({ query, n: true });
      expect({ query, got: keys(await walk(owner.api, query, 7)).sort() }).toEqual({ query, got: expected });
    }
  });

  test('every sort walks the whole set once, in order', async () => {
    const total = shopPods.length + depotPods.length;
    const value: Record<string, (p: PodJson) => number> = {
      restarts: (p) => p.restarts,
      age: (p) => (p.createdAt ? Date.parse(p.createdAt) : 0),
      cpu: (p) => p.cpu.usageMilli ?? -1,
      memory: (p) => p.memory.usageBytes ?? -1,
    };
    for (const sort of ['name', 'restarts', 'age', 'cpu', 'memory']) {
      const all = await walk(owner.api, `sort=${sort}`, 11);
      expect({ sort, n: all.length, unique: new Set(keys(all)).size }).toEqual({ sort, n: total, unique: total });
      for (let i = 1; i < all.length; i++) {
        const a = all[i - 1];
        const b = all[i];
        if (sort === 'name') expect(`${a.namespace}/${a.name}` <= `${b.namespace}/${b.name}`).toBe(true);
        else expect({ sort, i, ordered: value[sort](a) >= value[sort](b) }).toEqual({ sort, i, ordered: true });
      }
    }
    // A search pages through every sort the same way.
    const searched = new Set(keys(await walk(owner.api, 'q=registry', 50)));
    for (const sort of ['memory', 'cpu', 'restarts']) {
      const got = await walk(owner.api, `q=registry&sort=${sort}`, 9);
      expect({ sort, n: got.length, same: keys(got).every((k) => searched.has(k)), unique: new Set(keys(got)).size }).toEqual({
        sort,
        n: searched.size,
        same: true,
        unique: searched.size,
      });
    }
    // Usage known for running pods: memory sort puts the largest first and pods without metrics last.
    const byMem = await walk(owner.api, 'sort=memory', 200);
    const max = Math.max(...[...shopPods, ...depotPods].filter((p) => p.usageAvailable).map((p) => p.memUsageBytes));
    expect(byMem[0].memory.usageBytes).toBe(max);
    expect(byMem[byMem.length - 1].memory.usageBytes).toBeNull();
  });

  test('problem pods: failing, crash-looping, not ready, pending too long, restarted lately, near the memory limit — and not the others', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = (name: string, over: Partial<PodDetail>) =>
      makePod(0, { namespace: 'triage', name, ownerKind: '', ownerName: '', ownerChain: [], createdUnix: now - 86400, ...over });
    const pods = [
      base('crashy', { status: 'CrashLoopBackOff', ready: '1/2', restarts: 40 }),
      base('not-ready', { ready: '1/2' }),
      base('pending-new', { phase: 'Pending', status: 'Pending', ready: '0/2', createdUnix: now - 30 }),
      base('pending-old', { phase: 'Pending', status: 'Pending', ready: '0/2', createdUnix: now - 900 }),
      base('image-pull', { phase: 'Pending', status: 'ImagePullBackOff', ready: '0/2', createdUnix: now - 30 }),
      base('oom-risk', { memUsageBytes: 250 * 1024 ** 2, memLimitBytes: 256 * 1024 ** 2 }),
      base('restarted-lately', {
        restarts: 2,
        containerDetails: makePod(0).containerDetails.map((c) => ({ ...c, restarts: 1, lastTerminationReason: 'OOMKilled', lastTerminatedAt: now - 300 })),
      }),
      base('restarted-long-ago', {
        restarts: 2,
        containerDetails: makePod(0).containerDetails.map((c) => ({ ...c, restarts: 1, lastTerminationReason: 'Error', lastTerminatedAt: now - 7200 })),
      }),
      base('done', { phase: 'Succeeded', status: 'Completed', ready: '0/2' }),
      base('fine', {}),
    ];
    const triage = await createEnrolledCluster(t, owner.api, { name: 'triage', orgId: msp.id });
    await beat(triage, pods);
    const got = await list(owner.api, `cluster=${triage.clusterId}&problem=1&limit=50`);
    expect(got.pods.map((p) => p.name).sort()).toEqual(['crashy', 'image-pull', 'not-ready', 'oom-risk', 'pending-old', 'restarted-lately']);
    expect(got.pods.find((p) => p.name === 'oom-risk')!.problems).toEqual(['oom_risk']);
    expect(got.pods.find((p) => p.name === 'crashy')!.problems).toEqual(['failing', 'crash_loop', 'not_ready']);
    const page = await (await owner.browser.get(`/pods?cluster=${triage.clusterId}`)).text();
    expect(page).toContain(
      'data-count="problem" title="Not ready, crash-looping or restarted in the last hour, failing, pending over 5 min, or memory at 90 % of its limit">Problem pods 6<',
    );
    await owner.api.call('DELETE', `/v1/clusters/${triage.clusterId}`);
  });

  test('a keyset walk of a stable set has no duplicates or gaps while other pods come, go and change between pages', async () => {
    const live = await createEnrolledCluster(t, owner.api, { name: 'churny', orgId: customer.id });
    const stable = makeFleetPods(9, 40);
    let gen = 0;
    const churn = async () => {
      gen++;
      // New pods sorting everywhere (a-, m-, z- names), the previous generation gone, stable pods' restarts moving.
      const extra = ['a', 'm', 'z'].map((prefix, i) => makePod(1000 + gen * 3 + i, { namespace: 'churn', name: `${prefix}-gen${gen}-${i}` }));
      const moved = stable.map((p, i) => (i % 5 === gen % 5 ? { ...p, status: gen % 2 ? 'Running' : 'CrashLoopBackOff' } : p));
      await beat(live, [...moved, ...extra]);
    };
    await churn();
    for (const sort of ['name', 'age']) {
      const seen = await walk(owner.api, `cluster=${live.clusterId}&sort=${sort}`, 6, churn);
      const k = keys(seen);
      expect({ sort, duplicates: k.length - new Set(k).size }).toEqual({ sort, duplicates: 0 });
      for (const p of stable) expect({ sort, pod: p.name, seen: k.includes(keyOf(p, live.clusterId)) }).toEqual({ sort, pod: p.name, seen: true });
    }
    await owner.api.call('DELETE', `/v1/clusters/${live.clusterId}`);
  });

  test('the page keeps filters and sort in the URL and pages by cursor', async () => {
    const first = await (await owner.browser.get('/pods?sort=memory&namespace=kube-system')).text();
    const next = /href="(\/pods\?[^"]*cursor=[^"]+)" data-next/.exec(first);
    const expected = expectKeys((p) => p.namespace === 'kube-system').length;
    expect((first.match(/<tr data-pod=/g) ?? []).length).toBe(Math.min(50, expected));
    if (expected > 50) {
      const url = next![1].replace(/&amp;/g, '&');
      expect(url).toContain('sort=memory');
      expect(url).toContain('namespace=kube-system');
      const second = await (await owner.browser.get(url)).text();
      expect((second.match(/<tr data-pod=/g) ?? []).length).toBe(expected - 50);
      expect(second).toContain('← First page');
    }
    // The polled fragment is the page's live region, with the same filters.
    const live = await (await owner.browser.get('/pods/live?sort=memory&namespace=kube-system', { 'hx-request': 'true' })).text();
    expect(live).toStartWith('<div id="pods-live" hx-get="/pods/live?namespace=kube-system&sort=memory"');
    expect(first).toContain(live.slice(0, 200));
  });

  test('the cluster filter is one checkbox per cluster in scope, the chosen ones checked and counted', async () => {
    const all = await (await owner.browser.get('/pods')).text();
    expect(all).toContain('<summary aria-label="Clusters">All clusters</summary>');
    expect(all).toContain(`name="cluster" value="${shop.clusterId}"`);
    expect(all).not.toContain(secret.clusterId);
    const one = await (await owner.browser.get(`/pods?cluster=${shop.clusterId}`)).text();
    expect(one).toContain('<summary aria-label="Clusters">1 cluster</summary>');
    expect(one).toMatch(new RegExp(`name="cluster" value="${shop.clusterId}" checked`));
    expect(one).not.toMatch(new RegExp(`name="cluster" value="${depot.clusterId}" checked`));
    const keys = [...one.matchAll(/<tr data-pod="([^"]+)"/g)].map((m) => m[1]);
    expect(keys.length).toBe(50);
    expect(keys.every((k) => k.startsWith(`${shop.clusterId}/`))).toBe(true);
  });

  test('a search on the page: rows, pages, status chips and the problem count agree with the API', async () => {
    const all = await walk(owner.api, 'q=registry', 50);
    const problems = await walk(owner.api, 'q=registry&problem=1', 50);
    expect(all.length).toBeGreaterThan(50);
    const tally: Record<string, number> = {};
    for (const p of all) tally[p.status] = (tally[p.status] ?? 0) + 1;
    const first = await (await owner.browser.get('/pods?q=registry')).text();
    const rowKeys = (html: string) => [...html.matchAll(/<tr data-pod="([^"]+)"/g)].map((m) => m[1]);
    expect(rowKeys(first)).toEqual(keys(all).slice(0, 50));
    expect(first).toContain(`data-count="all">All ${all.length}<`);
    for (const [status, n] of Object.entries(tally)) expect(first).toContain(`data-count="${status}">${status} ${n}<`);
    expect(first).toContain(`>Problem pods ${problems.length}<`);
    const next = /href="(\/pods\?[^"]*cursor=[^"]+)" data-next/.exec(first)![1];
    const second = await (await owner.browser.get(next)).text();
    expect(rowKeys(second)).toEqual(keys(all).slice(50, 100));
    // Sorted by memory, the same pages as the API.
    const byMem = await walk(owner.api, 'q=registry&sort=memory', 50);
    const memFirst = await (await owner.browser.get('/pods?q=registry&sort=memory')).text();
    expect(rowKeys(memFirst)).toEqual(keys(byMem).slice(0, 50));
    const memNext = /href="(\/pods\?[^"]*cursor=[^"]+)" data-next/.exec(memFirst)![1];
    expect(rowKeys(await (await owner.browser.get(memNext)).text())).toEqual(keys(byMem).slice(50, 100));
    // With a status too: the chips still count every status of the search; the problem count follows the status.
    const running = await (await owner.browser.get('/pods?q=registry&status=Running')).text();
    expect(running).toContain(`data-count="all">All ${all.length}<`);
    expect(running).toContain(`>Problem pods ${problems.filter((p) => p.status === 'Running').length}<`);
    expect(rowKeys(running)).toEqual(keys(all.filter((p) => p.status === 'Running')).slice(0, 50));
  });

  test('the live fragment follows the address bar: the open pod stays selected across refreshes', async () => {
    const p = shopPods[3];
    const key = `${shop.clusterId}/${p.namespace}/${p.name}`;
    const current = `${t.config.publicUrl}/pods?namespace=${p.namespace}&pod=${encodeURIComponent(key)}`;
    const live = await (await owner.browser.get('/pods/live', { 'hx-request': 'true', 'hx-current-url': current })).text();
    expect(live).toContain(`<tr data-pod="${key}" class="selected">`);
    expect(live).toContain(`hx-get="/pods/live?namespace=${p.namespace}"`);
  });

  test('workloads across clusters: per-cluster ready, restarts and images side by side, drift marked', async () => {
    // coredns runs in both clusters; give the depot an older image.
    const drifted = depotPods.map((p) =>
      p.ownerName === 'coredns' ? { ...p, containerDetails: p.containerDetails.map((c) => ({ ...c, image: 'rancher/mirrored-coredns-coredns:1.10.1' })) } : p,
    );
    await beat(depot, drifted);
    const html = await (await owner.browser.get('/pods?group=owner&owner=Deployment/coredns')).text();
    expect(html).toContain('data-workload="kube-system/Deployment/coredns"');
    expect(html).toContain('data-workload-cluster="shop-edge"');
    expect(html).toContain('data-workload-cluster="depot-edge"');
    expect(html).toContain('rancher/mirrored-coredns-coredns:1.12.0');
    expect(html).toContain('rancher/mirrored-coredns-coredns:1.10.1');
    expect(html).toContain('image drift in 1');
    await beat(depot, depotPods);
  });

  test('workloads are (namespace, kind, name): one name in two namespaces is two workloads, neither drifting', async () => {
    const teams = await createEnrolledCluster(t, owner.api, { name: 'two-teams', orgId: msp.id });
    const api = (namespace: string, image: string, i: number): PodDetail => {
      const pod = makePod(900 + i, {
        namespace,
        name: `api-5d8f-${namespace}-${i}`,
        ownerKind: 'Deployment',
        ownerName: 'api',
        ownerChain: [
          { kind: 'ReplicaSet', name: 'api-5d8f' },
          { kind: 'Deployment', name: 'api' },
        ],
      });
      pod.containerDetails = pod.containerDetails.map((c) => ({ ...c, image }));
      return pod;
    };
    await beat(teams, [
      api('team-a', 'registry.example.com/a/api:1.0', 0),
      api('team-a', 'registry.example.com/a/api:1.0', 1),
      api('team-b', 'registry.example.com/b/api:7.3', 2),
    ]);
    const html = await (await owner.browser.get(`/pods?group=owner&cluster=${teams.clusterId}`)).text();
    const workloads = [...html.matchAll(/data-workload="([^"]+)"/g)].map((m) => m[1]);
    expect(workloads).toEqual(['team-a/Deployment/api', 'team-b/Deployment/api']);
    expect(html).not.toContain('image drift');
    expect(html).toContain('data-note="workload-identity"');
    // Each workload's pod list is its own namespace's pods.
    expect(html).toContain(`href="/pods?cluster=${teams.clusterId}&namespace=team-a&owner=Deployment%2Fapi"`);
    await owner.api.call('DELETE', `/v1/clusters/${teams.clusterId}`);
  });
});

describe('drawer', () => {
  test('shows owners, node, IP, QoS, labels, images, probes, privileged, container states with the last termination, usage tiles and the logs link', async () => {
    const now = Math.floor(Date.now() / 1000);
    const pod = makePod(4, {
      namespace: 'shop',
      name: 'web-7d9f8b6c5-abcde',
      status: 'CrashLoopBackOff',
      ready: '1/2',
      restarts: 7,
      nodeName: 'k3s-node-2',
      podIP: '10.42.2.17',
      qosClass: 'Burstable',
      privileged: true,
      labels: { app: 'web', tier: 'frontend' },
      ownerChain: [
        { kind: 'ReplicaSet', name: 'web-7d9f8b6c5' },
        { kind: 'Deployment', name: 'web' },
      ],
      containerDetails: makePod(4).containerDetails.map((c, i) =>
        i === 0
          ? {
              ...c,
              ready: false,
              restarts: 7,
              state: 'waiting' as const,
              stateReason: 'CrashLoopBackOff',
              lastTerminationReason: 'OOMKilled',
              lastTerminationExitCode: 137,
              lastTerminatedAt: now - 120,
              privileged: true,
            }
          : c,
      ),
    });
    const site = await createEnrolledCluster(t, owner.api, { name: 'drawer-site', orgId: msp.id });
    await beat(site, [pod]);
    const path = `/clusters/${site.clusterId}/pods/${pod.namespace}/${pod.name}`;
    const html = await (await owner.browser.get(path, { 'hx-request': 'true' })).text();
    for (const text of [
      'ReplicaSet/web-7d9f8b6c5',
      'Deployment/web',
      'k3s-node-2',
      '10.42.2.17',
      'Burstable',
      'app=web',
      'tier=frontend',
      'registry.example.com/shop/app-4:1.4.0',
      'liveness, readiness',
      'yes — a container runs privileged',
      '>CrashLoopBackOff<',
      '>OOMKilled<',
      '(exit 137)',
      'data-logs-off',
      'data-usage-tile="memory"',
      'data-pod-chart="memory"',
      'crash loop',
      'not ready',
    ]) {
      expect({ text, found: html.includes(text) }).toEqual({ text, found: true });
    }
    // The polled parts render the same pieces on their own.
    expect(await (await owner.browser.get(`${path}/details`, { 'hx-request': 'true' })).text()).toContain('>OOMKilled<');
    expect(await (await owner.browser.get(`${path}/live`, { 'hx-request': 'true' })).text()).toContain('data-tile="restarts"');
    const chart = await (await owner.browser.get(`${path}/chart?window=24h`, { 'hx-request': 'true' })).text();
    expect(chart).toContain('class="active" data-window="24h"');
    // Free plan: history goes back 24 h, so 7 d and 30 d are not offered.
    expect(chart).not.toContain('data-window="7d"');
    expect((await owner.browser.get(`${path}/chart?window=1y`, { 'hx-request': 'true' })).status).toBe(400);
    await owner.api.call('DELETE', `/v1/clusters/${site.clusterId}`);
  });
});

describe('bad input', () => {
  test('out-of-range limits, malformed or foreign-sort cursors, unknown sorts and parameters are 400s naming the field', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=ten',
      'cursor=garbage',
      'cursor=%27%3B--',
      'sort=colour',
      'problem=maybe',
      'colour=red',
      `cluster=${'x,'.repeat(201)}`,
    ]) {
      const res = await owner.api.call('GET', `/v1/clusters/pods?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.message.length).toBeGreaterThan(3);
    }
    const first = await list(owner.api, 'sort=memory&limit=2');
    const res = await owner.api.call('GET', `/v1/clusters/pods?sort=name&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toStartWith('cursor:');
    const p = shopPods[0];
    for (const query of ['from=yesterday', 'to=12:00', 'step=5', 'step=100000', 'from=2020-01-01T00:00:00Z&to=2019-01-01T00:00:00Z']) {
      const r = await owner.api.call('GET', `/v1/clusters/${shop.clusterId}/pods/${p.namespace}/${p.name}/metrics?${query}`);
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
    }
    expect((await owner.api.call('GET', `/v1/clusters/${shop.clusterId}/pods/${p.namespace}/no-such-pod`)).status).toBe(404);
    // A NUL byte can be in no stored name: a 400 naming the parameter, never a database error.
    for (const path of [`/v1/clusters/${shop.clusterId}/pods/%00/x`, `/v1/clusters/${shop.clusterId}/pods/${p.namespace}/a%00b/metrics`])
      expect({ path, status: (await owner.api.call('GET', path)).status }).toEqual({ path, status: 400 });
    const nulSearch = await owner.api.call('GET', '/v1/clusters/pods?q=%00');
    expect(nulSearch.status).toBe(400);
    expect(((await nulSearch.json()) as { error: { message: string } }).error.message).toStartWith('q:');
    expect((await owner.browser.get('/pods?q=%00')).status).toBe(400);
    const nulCursor = Buffer.from(JSON.stringify(['name', 0, 'a\u0000', 'b', shop.clusterId])).toString('base64url');
    expect((await owner.api.call('GET', `/v1/clusters/pods?cursor=${nulCursor}`)).status).toBe(400);
    expect((await owner.browser.get(`/pods?cursor=${nulCursor}`)).status).toBe(400);
    expect((await owner.browser.get(`/pods?group=owner&cursor=${Buffer.from(JSON.stringify(['a\u0000', 'b'])).toString('base64url')}`)).status).toBe(400);
    expect((await owner.browser.get(`/pods?group=owner&cursor=${Buffer.from(JSON.stringify(['a\u0000', 'b', 'c'])).toString('base64url')}`)).status).toBe(400);
    expect((await owner.browser.get(`/clusters/${shop.clusterId}/pods/%00/x/chart`, { 'hx-request': 'true' })).status).toBe(400);
    expect((await owner.browser.get('/pods?cursor=garbage')).status).toBe(400);
  });

  test('unknown filter values and search strings with SQL or HTML metacharacters give correct (empty) results, never a 500', async () => {
    for (const query of [
      'status=Purple',
      'namespace=nope',
      'node=%25',
      'owner=Nope%2Fnope',
      `q=${encodeURIComponent("'; drop table clusters; --")}`,
      'q=%25',
      'q=_',
      'q=%5C',
      `q=${encodeURIComponent('<script>alert(1)</script>')}`,
    ]) {
      const res = await owner.api.call('GET', `/v1/clusters/pods?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      expect({ query, pods: ((await res.json()) as ListJson).pods.length }).toEqual({ query, pods: 0 });
      const page = await owner.browser.get(`/pods?${query}&sort=nonsense&cluster=not-a-uuid`);
      expect({ query, status: page.status }).toEqual({ query, status: 200 });
      expect(markup(await page.text())).not.toContain('<script>alert(1)</script>');
    }
    // "%" and "_" are literal: a pod whose name has them is found, the others are not.
    const odd = await createEnrolledCluster(t, owner.api, { name: 'odd-names', orgId: msp.id });
    await beat(odd, [makePod(1, { name: 'has%percent' }), makePod(2, { name: 'has_underscore' }), makePod(3, { name: 'hasXunderscore' })]);
    expect((await list(owner.api, `cluster=${odd.clusterId}&q=%25`)).pods.map((p) => p.name)).toEqual(['has%percent']);
    expect((await list(owner.api, `cluster=${odd.clusterId}&q=s_u`)).pods.map((p) => p.name)).toEqual(['has_underscore']);
    await owner.api.call('DELETE', `/v1/clusters/${odd.clusterId}`);
  });

  test('pod names, namespaces, labels, images and messages with HTML render as text in the table and the drawer', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const hostile = await createEnrolledCluster(t, owner.api, { name: 'hostile', orgId: msp.id });
    const pod = makePod(1, {
      namespace: `ns${evil}`,
      name: `pod${evil}`,
      ownerKind: 'Deployment',
      ownerName: `own${evil}`,
      nodeName: `node${evil}`,
      phase: 'Pending',
      status: `Err${evil}`,
      message: `msg${evil}`,
      labels: { [`k${evil}`]: 'v<b>' },
      containerDetails: makePod(1).containerDetails.map((c) => ({
        ...c,
        name: `c${evil}`,
        image: `img${evil}`,
        stateReason: `r${evil}`,
        lastTerminationReason: `t${evil}`,
      })),
      ownerChain: [{ kind: 'ReplicaSet', name: `rs${evil}` }],
    });
    await beat(hostile, [pod]);
    const page = await (await owner.browser.get(`/pods?cluster=${hostile.clusterId}`)).text();
    expect(page).toContain('pod&lt;img src=x onerror=alert(1)&gt;');
    expect(markup(page)).not.toContain(evil);
    const drawer = await (
      await owner.browser.get(`/clusters/${hostile.clusterId}/pods/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`, {
        'hx-request': 'true',
      })
    ).text();
    expect(drawer).toContain('msg&lt;img src=x onerror=alert(1)&gt;');
    expect(drawer).toContain('img&lt;img src=x onerror=alert(1)&gt;');
    expect(markup(drawer)).not.toContain(evil);
    const workloads = await (await owner.browser.get(`/pods?cluster=${hostile.clusterId}&group=owner`)).text();
    expect(workloads).toContain('own&lt;img src=x onerror=alert(1)&gt;');
    expect(markup(workloads)).not.toContain(evil);
    // The full-page link to the same pod opens the drawer in /pods.
    const full = await owner.browser.get(`/clusters/${hostile.clusterId}/pods/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`);
    expect(full.status).toBe(303);
    const opened = await (await owner.browser.get(full.headers.get('location')!)).text();
    expect(opened).toContain('data-drawer-pod=');
    expect(markup(opened)).not.toContain(evil);
    await owner.api.call('DELETE', `/v1/clusters/${hostile.clusterId}`);
  });
});

describe('protocol 1 and metrics', () => {
  test("a protocol-1 cluster's pods don't list; the page says why", async () => {
    const old = await createEnrolledCluster(t, owner.api, { name: 'old-agent', orgId: msp.id });
    expect((await sendHeartbeat(t, old.agentKey, makeHeartbeatV1())).status).toBe(200);
    await indexFleetPods(t.db, { now: new Date(), usageEverySeconds: 0 });
    const res = await list(owner.api, `cluster=${old.clusterId}`);
    expect(res.pods).toEqual([]);
    expect(res.clustersWithoutPodList.map((c) => c.name)).toEqual(['old-agent']);
    const page = await (await owner.browser.get('/pods')).text();
    expect(page).toContain('data-note="protocol-1"');
    expect(page).toContain('>old-agent</a>');
    await owner.api.call('DELETE', `/v1/clusters/${old.clusterId}`);
  });

  test('metrics-server gone: the drawer and the API say "metrics unavailable" with the reason, and the pod still shows', async () => {
    const bare = await createEnrolledCluster(t, owner.api, { name: 'no-metrics', orgId: msp.id });
    const pods = makeFleetPods(3, 5).map((p) => ({ ...p, usageAvailable: false, cpuUsageMilli: 0, memUsageBytes: 0 }));
    const body = makeHeartbeat({ pods, nodes: [] });
    body.capabilities = {
      ...body.capabilities,
      podMetrics: { enabled: false, detectedBy: 'metrics.k8s.io not served (metrics-server absent or unavailable)' },
    };
    expect((await sendHeartbeat(t, bare.agentKey, body)).status).toBe(200);
    await indexFleetPods(t.db, { now: new Date(), usageEverySeconds: 0 });
    const p = pods[0];
    const detail = (await (await owner.api.call('GET', `/v1/clusters/${bare.clusterId}/pods/${p.namespace}/${p.name}`)).json()) as PodJson & {
      metrics: { available: boolean; reason: string };
      usageAt: string | null;
    };
    expect(detail.metrics.available).toBe(false);
    expect(detail.metrics.reason).toContain('metrics-server is not installed');
    expect(detail.cpu.usageMilli).toBeNull();
    expect(detail.memory.usageBytes).toBeNull();
    expect(detail.usageAt).toBeNull();
    const metrics = await owner.api.call('GET', `/v1/clusters/${bare.clusterId}/pods/${p.namespace}/${p.name}/metrics`);
    expect(metrics.status).toBe(200);
    expect(((await metrics.json()) as { metrics: { available: boolean }; points: unknown[] }).metrics.available).toBe(false);
    const drawer = await (await owner.browser.get(`/clusters/${bare.clusterId}/pods/${p.namespace}/${p.name}`, { 'hx-request': 'true' })).text();
    expect(drawer).toContain('data-metrics-unavailable');
    expect(drawer).toContain('Metrics unavailable: metrics-server is not installed or not serving in this cluster');
    const row = (await list(owner.api, `cluster=${bare.clusterId}&sort=memory`)).pods[0];
    expect(row.memory.usageBytes).toBeNull();
    await owner.api.call('DELETE', `/v1/clusters/${bare.clusterId}`);
  });
});

describe('one pod object', () => {
  test('a row of the list and the pod endpoint answer the same fields with the same values; the pod endpoint adds its containers', async () => {
    const site = await createEnrolledCluster(t, owner.api, { name: 'same-shape', orgId: msp.id });
    const pods = makeFleetPods(3, 4);
    await beat(site, pods);
    const rows = (await list(owner.api, `cluster=${site.clusterId}&limit=200`)).pods as unknown as Record<string, unknown>[];
    expect(rows.length).toBe(pods.length);
    for (const row of rows) {
      const res = await owner.api.call('GET', `/v1/clusters/${site.clusterId}/pods/${row.namespace}/${row.name}`);
      expect(res.status).toBe(200);
      const detail = (await res.json()) as Record<string, unknown>;
      for (const [field, value] of Object.entries(row)) expect({ pod: row.name, field, value: detail[field] }).toEqual({ pod: row.name, field, value });
      expect(Array.isArray(detail.containers)).toBe(true);
    }
    await owner.api.call('DELETE', `/v1/clusters/${site.clusterId}`);
  });

  test('a request or limit that is not set is null, not 0, in the list, the pod, its containers and its usage history', async () => {
    const site = await createEnrolledCluster(t, owner.api, { name: 'no-limits', orgId: msp.id });
    const pod = makePod(7, { namespace: 'free', name: 'unbounded', cpuRequestMilli: 0, cpuLimitMilli: 0, memRequestBytes: 0, memLimitBytes: 0, nodeName: '' });
    pod.containerDetails = pod.containerDetails.map((c) => ({ ...c, cpuRequestMilli: 0, cpuLimitMilli: 0, memRequestBytes: 0, memLimitBytes: 0 }));
    await beat(site, [pod]);
    const [row] = (await list(owner.api, `cluster=${site.clusterId}`)).pods;
    const unset = { cpu: { requestMilli: null, limitMilli: null }, memory: { requestBytes: null, limitBytes: null } };
    expect(row).toMatchObject({ ...unset, node: null });
    const detail = (await (await owner.api.call('GET', `/v1/clusters/${site.clusterId}/pods/free/unbounded`)).json()) as { containers: unknown[] };
    expect(detail).toMatchObject({ ...unset, node: null });
    for (const c of detail.containers) expect(c).toMatchObject(unset);
    const history = await (await owner.api.call('GET', `/v1/clusters/${site.clusterId}/pods/free/unbounded/metrics`)).json();
    expect(history).toMatchObject(unset);
    // A set one is the number itself.
    const [set] = (await list(owner.api, `cluster=${shop.clusterId}&limit=1`)).pods;
    expect(set.memory.limitBytes).toBeGreaterThan(0);
    await owner.api.call('DELETE', `/v1/clusters/${site.clusterId}`);
  });
});
