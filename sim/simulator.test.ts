// Contract of the simulator's Kubernetes API over HTTPS: auth, discovery, object shapes, lists, logs, RBAC, writes, evolution.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type KubeObject, type Simulator, startSimulator } from './index.ts';
import { kubeFetch, kubeJson, waitFor } from './testing.ts';

type List = { kind: string; metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }; items: KubeObject[] };
type Status = { kind: string; status: string; reason: string; code: number; message: string };

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ nodes: 3, pods: 60, seed: 7, tickMs: 0, evolve: false, logLinesPerSecond: 2 });
});

afterAll(async () => {
  await sim.stop();
});

function pods(): KubeObject[] {
  return sim.list('pods');
}

function findPod(predicate: (pod: KubeObject) => boolean): KubeObject {
  const pod = pods().find(predicate);
  if (!pod) throw new Error('no such pod in the simulated cluster');
  return pod;
}

function podStatus(pod: KubeObject): Record<string, any> {
  return pod.status as Record<string, any>;
}

describe('authentication and discovery', () => {
  test('no token → 401 Status; unknown token → 401', async () => {
    const anonymous = await kubeJson<Status>(sim, '/api/v1/pods', { as: 'anonymous' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    const wrong = await kubeFetch(sim, '/version', { as: 'anonymous', headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  test('the serving certificate is only trusted through the simulator CA', async () => {
    expect(fetch(`${sim.url}/version`)).rejects.toThrow();
  });

  test('/version, /api, /apis and group resource lists', async () => {
    expect((await kubeJson(sim, '/version')).body).toMatchObject({ major: '1', gitVersion: 'v1.31.4+k3s1' });
    expect((await kubeJson(sim, '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await kubeJson<{ groups: { name: string }[] }>(sim, '/apis')).body.groups.map((g) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'batch', 'authorization.k8s.io', 'metrics.k8s.io', 'rbac.authorization.k8s.io']));
    const core = (await kubeJson<{ resources: { name: string }[] }>(sim, '/api/v1')).body.resources.map((r) => r.name);
    expect(core).toEqual(expect.arrayContaining(['pods', 'pods/log', 'nodes', 'namespaces', 'events', 'secrets']));
    const apps = (await kubeJson<{ resources: { name: string; kind: string }[] }>(sim, '/apis/apps/v1')).body.resources;
    expect(apps.find((r) => r.name === 'deployments')?.kind).toBe('Deployment');
  });

  test('aggregated discovery v2 when asked for it', async () => {
    const response = await kubeFetch(sim, '/apis', {
      headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' },
    });
    expect(response.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = (await response.json()) as { kind: string; items: { metadata: { name: string } }[] };
    expect(body.kind).toBe('APIGroupDiscoveryList');
    expect(body.items.map((i) => i.metadata.name)).toContain('apps');
  });

  test('unknown paths and resources → 404 Status', async () => {
    expect((await kubeJson<Status>(sim, '/apis/example.com/v1/widgets')).body).toMatchObject({ reason: 'NotFound', code: 404 });
    expect((await kubeJson<Status>(sim, '/api/v1/namespaces/shop/pods/nope')).body).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
  });
});

describe('a fresh k3s plus workloads', () => {
  test('k3s system components are there, owner chains are real', () => {
    const names = pods().map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    for (const prefix of [
      'kube-system/coredns-',
      'kube-system/traefik-',
      'kube-system/svclb-traefik-',
      'kube-system/metrics-server-',
      'kube-system/local-path-provisioner-',
      'kube-system/helm-install-traefik-crd-',
      'niro-system/niro-agent-',
    ]) {
      expect(names.some((n) => n.startsWith(prefix))).toBe(true);
    }
    const coredns = findPod((p) => p.metadata.name.startsWith('coredns-'));
    const rsRef = coredns.metadata.ownerReferences![0];
    expect(rsRef.kind).toBe('ReplicaSet');
    const rs = sim.get('apps/replicasets', 'kube-system', rsRef.name)!;
    expect(rs.metadata.uid).toBe(rsRef.uid);
    expect(rs.metadata.ownerReferences![0]).toMatchObject({ kind: 'Deployment', name: 'coredns', controller: true });
    const cronPod = findPod((p) => p.metadata.name.startsWith('nightly-report-'));
    const job = sim.get('batch/jobs', 'batch', cronPod.metadata.ownerReferences![0].name)!;
    expect(job.metadata.ownerReferences![0]).toMatchObject({ kind: 'CronJob', name: 'nightly-report' });
    const helmJob = sim.get('batch/jobs', 'kube-system', 'helm-install-traefik')!;
    expect((helmJob.status as any).conditions.map((c: any) => c.type)).toContain('Complete');
  });

  test('every troubled pod shape is present with real status fields', () => {
    const crash = findPod((p) => p.metadata.name.startsWith('ledger-sync-'));
    const crashStatus = podStatus(crash).containerStatuses[0];
    expect(crashStatus.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(crashStatus.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(crashStatus.restartCount).toBeGreaterThan(0);

    const pull = findPod((p) => p.metadata.name.startsWith('recommendations-'));
    expect(podStatus(pull).containerStatuses[0].state.waiting.reason).toBe('ImagePullBackOff');

    const oom = findPod((p) => p.metadata.name.startsWith('image-resizer-'));
    expect(podStatus(oom).containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });

    const pending = findPod((p) => p.metadata.name.startsWith('search-indexer-'));
    expect(podStatus(pending).phase).toBe('Pending');
    expect(podStatus(pending).conditions[0]).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' });

    const evicted = findPod((p) => podStatus(p).reason === 'Evicted');
    expect(podStatus(evicted).phase).toBe('Failed');

    const terminating = findPod((p) => p.metadata.deletionTimestamp !== undefined);
    expect(podStatus(terminating).phase).toBe('Running');

    const api = findPod((p) => p.metadata.name.startsWith('api-') && p.metadata.namespace === 'shop');
    const inits = (api.spec as any).initContainers;
    expect(inits.map((c: any) => c.restartPolicy ?? null)).toEqual([null, 'Always']);
    expect(podStatus(api).initContainerStatuses[0].state.terminated.reason).toBe('Completed');
    expect(podStatus(api).initContainerStatuses[1]).toMatchObject({ started: true, ready: true });

    const checkout = findPod((p) => p.metadata.name.startsWith('checkout-'));
    expect((checkout.spec as any).containers).toHaveLength(2);

    const completed = findPod((p) => p.metadata.name.startsWith('db-migrate-'));
    expect(podStatus(completed).phase).toBe('Succeeded');
    expect(podStatus(completed).containerStatuses[0].state.terminated.reason).toBe('Completed');
  });

  test('pods carry managedFields like the API server records them: the creator’s spec, the kubelet’s status', async () => {
    const listed = (await kubeJson<List>(sim, '/api/v1/pods')).body.items;
    const pod = listed.find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && (p.status as any).phase === 'Running')!;
    const [spec, status] = pod.metadata.managedFields as Record<string, any>[];
    expect(spec).toMatchObject({ apiVersion: 'v1', fieldsType: 'FieldsV1', manager: 'k3s', operation: 'Update', time: pod.metadata.creationTimestamp });
    const containers = (pod.spec as any).containers as { name: string }[];
    expect(Object.keys(spec!.fieldsV1['f:spec']['f:containers'])).toEqual(containers.map((c) => `k:{"name":"${c.name}"}`));
    expect(spec!.fieldsV1['f:metadata']['f:labels']).toMatchObject({ '.': {}, 'f:pod-template-hash': {} });
    expect(status).toMatchObject({ manager: 'k3s', operation: 'Update', subresource: 'status' });
    expect(Object.keys(status!.fieldsV1['f:status']['f:conditions'])).toContain('k:{"type":"Ready"}');
    // As on a real cluster they are a large share of what a pod list weighs.
    const share = JSON.stringify(pod.metadata.managedFields).length / JSON.stringify(pod).length;
    expect(share).toBeGreaterThan(0.25);
  });

  test('nodes look like k3s: roles, kubelet version, capacity', async () => {
    const nodes = (await kubeJson<List>(sim, '/api/v1/nodes')).body.items;
    expect(nodes).toHaveLength(3);
    const server = nodes.find((n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] === 'true')!;
    expect(server).toBeDefined();
    expect((server.status as any).nodeInfo.kubeletVersion).toMatch(/^v1\.31\.\d+\+k3s1$/);
    expect((server.status as any).capacity).toMatchObject({ cpu: expect.any(String), memory: expect.stringMatching(/Ki$/), pods: '110' });
  });

  test('the same seed builds the same cluster', async () => {
    const twin = await startSimulator({ nodes: 3, pods: 60, seed: 7, tickMs: 0, evolve: false });
    try {
      expect(twin.list('pods').map((p) => p.metadata.name)).toEqual(pods().map((p) => p.metadata.name));
      expect(twin.list('pods').map((p) => p.metadata.uid)).toEqual(pods().map((p) => p.metadata.uid));
    } finally {
      await twin.stop();
    }
  });
});

describe('lists', () => {
  test('pods across namespaces and per namespace', async () => {
    const all = (await kubeJson<List>(sim, '/api/v1/pods')).body;
    expect(all.kind).toBe('PodList');
    expect(all.items).toHaveLength(60);
    const shop = (await kubeJson<List>(sim, '/api/v1/namespaces/shop/pods')).body.items;
    expect(shop.length).toBeGreaterThan(0);
    expect(shop.every((p) => p.metadata.namespace === 'shop')).toBe(true);
  });

  test('limit + continue pages through every pod exactly once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ limit: '7', ...(token ? { continue: token } : {}) });
      const page = (await kubeJson<List>(sim, `/api/v1/pods?${query}`)).body;
      seen.push(...page.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      if (page.metadata.continue) expect(page.metadata.remainingItemCount).toBe(60 - seen.length);
      token = page.metadata.continue;
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(60 / 7));
    expect(new Set(seen).size).toBe(60);
  });

  test('labelSelector and fieldSelector', async () => {
    const web = (await kubeJson<List>(sim, '/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb')).body.items;
    expect(web).toHaveLength(3);
    const notWeb = (await kubeJson<List>(sim, '/api/v1/namespaces/shop/pods?labelSelector=app%20notin%20(web),app')).body.items;
    expect(notWeb.every((p) => p.metadata.labels?.app !== 'web')).toBe(true);
    const node = sim.list('nodes')[0].metadata.name;
    const onNode = (await kubeJson<List>(sim, `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`)).body.items;
    expect(onNode.length).toBeGreaterThan(0);
    expect(onNode.every((p) => (p.spec as any).nodeName === node)).toBe(true);
    const pending = (await kubeJson<List>(sim, '/api/v1/pods?fieldSelector=status.phase%3DPending')).body.items;
    expect(pending.every((p) => podStatus(p).phase === 'Pending')).toBe(true);
    const bad = await kubeJson<Status>(sim, '/api/v1/pods?fieldSelector=spec.image%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('field label not supported: spec.image');
  });

  test('Warning events name their objects', async () => {
    const events = (await kubeJson<List>(sim, '/api/v1/events')).body.items;
    const warnings = events.filter((e) => e.type === 'Warning');
    expect(warnings.map((e) => e.reason)).toEqual(expect.arrayContaining(['BackOff', 'FailedScheduling']));
    const backOff = warnings.find((e) => e.reason === 'BackOff')!;
    expect(backOff.involvedObject).toMatchObject({ kind: 'Pod', namespace: 'payments' });
    expect(Number(backOff.count)).toBeGreaterThan(1);
  });

  test('a Table when kubectl asks for one', async () => {
    const response = await kubeFetch(sim, '/api/v1/namespaces/payments/pods', {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const table = (await response.json()) as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.slice(0, 5).map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(table.rows[0].cells[2]).toBe('CrashLoopBackOff');
  });

  test('metadata only (PartialObjectMetadataList) when asked for it, paged like any list', async () => {
    const accept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json';
    const full = await kubeJson<List>(sim, '/apis/apps/v1/replicasets');
    const first = await kubeFetch(sim, '/apis/apps/v1/replicasets?limit=2', { headers: { Accept: accept } });
    expect(first.headers.get('content-type')).toContain('as=PartialObjectMetadataList');
    const page = (await first.json()) as List;
    expect(page.kind).toBe('PartialObjectMetadataList');
    expect(page.items).toHaveLength(2);
    expect(page.metadata.continue).toBeString();
    expect(page.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: full.body.items[0].metadata });
    expect(page.items[0].metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', controller: true });
  });
});

describe('metrics.k8s.io', () => {
  test('pod and node metrics, then 404 and gone from discovery without metrics-server', async () => {
    const podMetrics = (
      await kubeJson<{ kind: string; items: { containers: { usage: { cpu: string; memory: string } }[] }[] }>(sim, '/apis/metrics.k8s.io/v1beta1/pods')
    ).body;
    expect(podMetrics.kind).toBe('PodMetricsList');
    expect(podMetrics.items.length).toBeGreaterThan(30);
    expect(podMetrics.items[0].containers[0].usage.cpu).toMatch(/^\d+n$/);
    expect(podMetrics.items[0].containers[0].usage.memory).toMatch(/^\d+Ki$/);
    const nodeMetrics = (await kubeJson<{ items: unknown[] }>(sim, '/apis/metrics.k8s.io/v1beta1/nodes')).body;
    expect(nodeMetrics.items).toHaveLength(3);

    sim.setMetrics(false);
    try {
      expect((await kubeFetch(sim, '/apis/metrics.k8s.io/v1beta1/pods')).status).toBe(404);
      const groups = (await kubeJson<{ groups: { name: string }[] }>(sim, '/apis')).body.groups.map((g) => g.name);
      expect(groups).not.toContain('metrics.k8s.io');
      expect(sim.get('apps/deployments', 'kube-system', 'metrics-server')).toBeNull();
    } finally {
      sim.setMetrics(true);
    }
    expect((await kubeFetch(sim, '/apis/metrics.k8s.io/v1beta1/nodes')).status).toBe(200);
  });
});

describe('RBAC posture', () => {
  async function canI(attributes: Record<string, string>): Promise<boolean> {
    const review = await kubeJson<{ status: { allowed: boolean } }>(sim, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } }),
    });
    expect(review.status).toBe(201);
    return review.body.status.allowed;
  }

  test('default read-only role; grants toggle like the installer flags', async () => {
    expect(await canI({ verb: 'list', resource: 'pods' })).toBe(true);
    expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop' })).toBe(false);
    expect(await canI({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'web' })).toBe(false);
    expect(await canI({ verb: 'create', resource: 'secrets', namespace: 'niro-system' })).toBe(true);
    expect(await canI({ verb: 'create', resource: 'secrets', namespace: 'shop' })).toBe(false);
    sim.setRbac({ logs: true, apply: true, selfUpdate: true });
    try {
      expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop' })).toBe(true);
      expect(await canI({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'web' })).toBe(true);
      expect(await canI({ verb: 'delete', resource: 'namespaces', name: 'shop' })).toBe(false);
    } finally {
      sim.setRbac({ logs: false, apply: false, selfUpdate: false });
    }
    sim.setRbac({ selfUpdate: true });
    try {
      expect(await canI({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'niro-system', name: 'niro-agent' })).toBe(true);
      expect(await canI({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'niro-system', name: 'other' })).toBe(false);
      expect(await canI({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'niro-agent' })).toBe(false);
    } finally {
      sim.setRbac({ selfUpdate: false });
    }
  });

  test('RBAC objects written through the API grant the agent more (what the installer manifests do)', async () => {
    const post = (path: string, body: object): Promise<{ status: number }> => kubeJson(sim, path, { method: 'POST', as: 'admin', body: JSON.stringify(body) });
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    expect(
      (
        await post(`${rbac}/clusterroles`, {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'niro-agent-logs' },
          rules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }],
        })
      ).status,
    ).toBe(201);
    expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop' })).toBe(false);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'niro-agent-logs' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'niro-agent-logs' },
      subjects: [{ kind: 'ServiceAccount', name: 'niro-agent', namespace: 'niro-system' }],
    };
    expect((await post(`${rbac}/clusterrolebindings`, binding)).status).toBe(201);
    expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop' })).toBe(true);
    await kubeFetch(sim, `${rbac}/clusterrolebindings/niro-agent-logs`, { method: 'DELETE', as: 'admin' });
    expect(await canI({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop' })).toBe(false);
  });

  test('requests outside the posture get 403 Forbidden with the API server wording', async () => {
    // Jobs and CronJobs are in the default role (owner links); Ingresses are not.
    expect((await kubeJson<Status>(sim, '/apis/batch/v1/jobs')).status).toBe(200);
    const ingresses = await kubeJson<Status>(sim, '/apis/networking.k8s.io/v1/ingresses');
    expect(ingresses.status).toBe(403);
    expect(ingresses.body.message).toBe(
      'ingresses.networking.k8s.io is forbidden: User "system:serviceaccount:niro-system:niro-agent" cannot list resource "ingresses" in API group "networking.k8s.io" at the cluster scope',
    );
    const pod = findPod((p) => p.metadata.name.startsWith('web-'));
    const log = await kubeJson<Status>(sim, `/api/v1/namespaces/shop/pods/${pod.metadata.name}/log`);
    expect(log.status).toBe(403);
    expect(log.body.message).toContain('cannot get resource "pods/log"');
    expect((await kubeFetch(sim, '/apis/networking.k8s.io/v1/ingresses', { as: 'admin' })).status).toBe(200);
  });
});

describe('pod logs', () => {
  beforeAll(() => {
    sim.setRbac({ logs: true });
  });
  afterAll(() => {
    sim.setRbac({ logs: false });
  });

  const logPath = (pod: KubeObject, query = ''): string => `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log${query}`;

  test('tailLines, timestamps, sinceTime, limitBytes', async () => {
    const pod = findPod((p) => p.metadata.name.startsWith('web-'));
    sim.emitLines('shop', pod.metadata.name, 'nginx', ['marker one', 'marker two']);
    const tail = await (await kubeFetch(sim, logPath(pod, '?tailLines=2'))).text();
    expect(tail).toBe('marker one\nmarker two\n');
    const stamped = (await (await kubeFetch(sim, logPath(pod, '?tailLines=1&timestamps=true'))).text()).trimEnd();
    const [stamp, ...rest] = stamped.split(' ');
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(rest.join(' ')).toBe('marker two');
    const since = new Date(Date.parse(stamp) - 1).toISOString();
    const fromSince = await (await kubeFetch(sim, logPath(pod, `?sinceTime=${encodeURIComponent(since)}`))).text();
    expect(fromSince.endsWith('marker one\nmarker two\n')).toBe(true);
    expect(await (await kubeFetch(sim, logPath(pod, '?tailLines=2&limitBytes=8'))).text()).toBe('marker o');
  });

  test('multi-container pods need a container; waiting containers explain why', async () => {
    const checkout = findPod((p) => p.metadata.name.startsWith('checkout-'));
    const noContainer = await kubeJson<Status>(sim, logPath(checkout));
    expect(noContainer.status).toBe(400);
    expect(noContainer.body.message).toBe(`a container name must be specified for pod ${checkout.metadata.name}, choose one of: [checkout envoy]`);
    expect((await kubeFetch(sim, logPath(checkout, '?container=envoy&tailLines=1'))).status).toBe(200);
    const pull = findPod((p) => p.metadata.name.startsWith('recommendations-'));
    expect((await kubeJson<Status>(sim, logPath(pull))).body.message).toContain("is waiting to start: image can't be pulled");
    const web = findPod((p) => p.metadata.name.startsWith('web-'));
    expect((await kubeJson<Status>(sim, logPath(web, '?previous=true'))).body.message).toBe(
      `previous terminated container "nginx" in pod "${web.metadata.name}" not found`,
    );
  });

  test('previous: the crashed instance of a crash-looping container ends in its stack trace', async () => {
    const crash = findPod((p) => p.metadata.name.startsWith('ledger-sync-'));
    const previous = await (await kubeFetch(sim, logPath(crash, '?previous=true'))).text();
    expect(previous).toContain('Traceback (most recent call last):');
    expect(previous.trimEnd().split('\n').pop()).toBe("KeyError: 'DATABASE_URL'");
  });

  test('follow streams new lines and closes when the client goes away', async () => {
    const pod = findPod((p) => p.metadata.name.startsWith('web-'));
    expect(sim.openLogRequests()).toBe(0);
    const abort = new AbortController();
    const response = await kubeFetch(sim, logPath(pod, '?follow=true&tailLines=0'), { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(sim.openLogRequests()).toBe(1);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    sim.emitLines('shop', pod.metadata.name, 'nginx', ['live line 1', 'live line 2']);
    await waitFor('followed lines', async () => {
      const chunk = await reader.read();
      received += decoder.decode(chunk.value);
      return received.includes('live line 2');
    });
    expect(received).toContain('live line 1\nlive line 2\n');
    abort.abort();
    await waitFor('the log request to close', () => sim.openLogRequests() === 0);
  });

  test('follow ends when the followed container crashes', async () => {
    const pod = sim.addPod({ namespace: 'shop', name: 'crash-me', image: 'registry.example.com/shop/crash-me:1.0.0' });
    const response = await kubeFetch(sim, logPath(pod, '?follow=true'));
    expect(sim.openLogRequests()).toBe(1);
    expect(sim.crashPod('shop', 'crash-me')).toBe(true);
    const text = await response.text(); // resolves only when the server ends the stream
    expect(text).toContain('panic: runtime error');
    expect(sim.openLogRequests()).toBe(0);
    // Exited; the kubelet starts it again at its next sync (a first restart has no back-off).
    const status = podStatus(sim.get('pods', 'shop', 'crash-me')!).containerStatuses[0];
    expect(status.state.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    sim.tick();
    const restarted = podStatus(sim.get('pods', 'shop', 'crash-me')!).containerStatuses[0];
    expect(restarted.restartCount).toBe(1);
    expect(restarted.state.running).toBeDefined();
    expect(restarted.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  });
});

describe('writes', () => {
  const secretPath = '/api/v1/namespaces/niro-system/secrets';

  test('the agent keeps its key in a Secret of niro-system: create, get, update, conflict, 409', async () => {
    const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'niro-agent-key' }, stringData: { key: 'abc' } };
    const created = await kubeJson<KubeObject>(sim, secretPath, { method: 'POST', body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ key: Buffer.from('abc').toString('base64') });
    const again = await kubeJson<Status>(sim, secretPath, { method: 'POST', body: JSON.stringify(body) });
    expect(again.body).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'secrets "niro-agent-key" already exists' });
    const fetched = (await kubeJson<KubeObject>(sim, `${secretPath}/niro-agent-key`)).body;
    const updated = await kubeJson<KubeObject>(sim, `${secretPath}/niro-agent-key`, {
      method: 'PUT',
      body: JSON.stringify({ ...fetched, data: { key: Buffer.from('def').toString('base64') } }),
    });
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.resourceVersion).not.toBe(fetched.metadata.resourceVersion);
    const stale = await kubeJson<Status>(sim, `${secretPath}/niro-agent-key`, { method: 'PUT', body: JSON.stringify(fetched) });
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
    const elsewhere = await kubeJson<Status>(sim, '/api/v1/namespaces/shop/secrets', { method: 'POST', body: JSON.stringify(body) });
    expect(elsewhere.status).toBe(403);
  });

  test('server-side apply needs the apply grant, creates then updates, and a Deployment gets pods', async () => {
    const manifest =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n  namespace: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: hello}\n  template:\n    metadata:\n      labels: {app: hello}\n    spec:\n      containers:\n      - name: hello\n        image: nginx:1.27\n';
    const apply = (text: string, manager = 'niro'): Promise<{ status: number; body: KubeObject & Status }> =>
      kubeJson(sim, `/apis/apps/v1/namespaces/shop/deployments/hello?fieldManager=${manager}`, {
        method: 'PATCH',
        body: text,
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
      });
    expect((await apply(manifest)).status).toBe(403);
    sim.setRbac({ apply: true });
    try {
      const created = await apply(manifest);
      expect(created.status).toBe(201);
      expect(created.body.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'niro', operation: 'Apply' })]);
      expect(sim.list('pods', 'shop').filter((p) => p.metadata.labels?.app === 'hello')).toHaveLength(2);
      const scaled = await apply(manifest.replace('replicas: 2', 'replicas: 3'));
      expect(scaled.status).toBe(200);
      expect((scaled.body.spec as any).replicas).toBe(3);
      expect(sim.list('pods', 'shop').filter((p) => p.metadata.labels?.app === 'hello')).toHaveLength(3);
      sim.tick();
      expect((sim.get('apps/deployments', 'shop', 'hello')!.status as any).readyReplicas).toBe(3);
      const noManager = await kubeJson<Status>(sim, '/apis/apps/v1/namespaces/shop/deployments/hello', {
        method: 'PATCH',
        body: manifest,
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
      });
      expect(noManager.body).toMatchObject({ code: 422, reason: 'Invalid' });
      const deleted = await kubeJson<Status>(sim, '/apis/apps/v1/namespaces/shop/deployments/hello', { method: 'DELETE' });
      expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success' });
      expect(sim.list('pods', 'shop').filter((p) => p.metadata.labels?.app === 'hello')).toHaveLength(0);
      const namespace = await kubeJson<Status>(sim, '/api/v1/namespaces/shop', { method: 'DELETE' });
      expect(namespace.body).toMatchObject({ code: 403, reason: 'Forbidden' });
    } finally {
      sim.setRbac({ apply: false });
    }
  });

  test('self-update patches only the agent Deployment, and the patch rolls it', async () => {
    const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'niro-agent', image: 'ghcr.io/niro/niro-agent:0.2.0' }] } } } });
    const send = (namespace: string, name: string): Promise<{ status: number; body: KubeObject }> =>
      kubeJson(sim, `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, {
        method: 'PATCH',
        body: patch,
        headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      });
    expect((await send('niro-system', 'niro-agent')).status).toBe(403);
    sim.setRbac({ selfUpdate: true });
    try {
      const patched = await send('niro-system', 'niro-agent');
      expect(patched.status).toBe(200);
      const containers = (patched.body.spec as any).template.spec.containers;
      expect(containers).toHaveLength(1);
      expect(containers[0]).toMatchObject({ name: 'niro-agent', image: 'ghcr.io/niro/niro-agent:0.2.0' });
      expect(containers[0].env).toBeDefined(); // merged by name, not replaced
      expect((await send('shop', 'web')).status).toBe(403);
      sim.tick(2);
      const agentPods = sim.list('pods', 'niro-system');
      expect(agentPods).toHaveLength(1);
      expect((agentPods[0].spec as any).containers[0].image).toBe('ghcr.io/niro/niro-agent:0.2.0');
      expect(podStatus(agentPods[0]).phase).toBe('Running');
    } finally {
      sim.setRbac({ selfUpdate: false });
    }
  });
});

describe('evolution', () => {
  test('a crash loop five hours old shows the kubelet’s back-off: five-minute waits, restarts counted by that schedule (crash-loop.test.ts runs the clock)', () => {
    const status = podStatus(findPod((p) => p.metadata.name.startsWith('ledger-sync-'))).containerStatuses[0];
    expect(status.state.waiting.message).toStartWith('back-off 5m0s restarting failed container=ledger-sync pod=ledger-sync-');
    expect(status.restartCount).toBeGreaterThanOrEqual(63);
    expect(status.restartCount).toBeLessThanOrEqual(64);
  });

  test('a minute CronJob fires on ticks: Job → pod → Completed, three Jobs of history kept', async () => {
    const cron = await startSimulator({ pods: 60, seed: 2, tickMs: 0, evolve: false, cronEveryTicks: 1 });
    try {
      const jobsOf = (name: string): KubeObject[] => cron.list('batch/jobs', 'batch').filter((j) => j.metadata.ownerReferences?.[0]?.name === name);
      const before = jobsOf('queue-sweeper').map((j) => j.metadata.name);
      const nightly = jobsOf('nightly-report').map((j) => j.metadata.name);
      cron.tick();
      const fired = jobsOf('queue-sweeper').find((j) => !before.includes(j.metadata.name))!;
      expect(fired).toBeDefined();
      const pod = cron.list('pods', 'batch').find((p) => p.metadata.labels?.['job-name'] === fired.metadata.name)!;
      expect(podStatus(pod).phase).toBe('Running');
      cron.tick();
      expect(podStatus(cron.get('pods', 'batch', pod.metadata.name)!).phase).toBe('Succeeded');
      expect((cron.get('batch/jobs', 'batch', fired.metadata.name)!.status as any).succeeded).toBe(1);
      cron.tick(3);
      expect(jobsOf('queue-sweeper')).toHaveLength(3);
      expect(cron.get('batch/jobs', 'batch', fired.metadata.name)).toBeNull();
      expect(cron.get('pods', 'batch', pod.metadata.name)).toBeNull(); // its pod went with it
      expect(jobsOf('nightly-report').map((j) => j.metadata.name)).toEqual(nightly); // a daily schedule never fires here
    } finally {
      await cron.stop();
    }
  });

  test('watch streams ADDED for current objects, then changes as they happen', async () => {
    const abort = new AbortController();
    const response = await kubeFetch(sim, '/api/v1/namespaces/data/pods?watch=true', { signal: abort.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const read = (what: string, predicate: (text: string) => boolean): Promise<boolean> =>
      waitFor(what, async () => {
        text += decoder.decode((await reader.read()).value);
        return predicate(text);
      });
    await read('ADDED postgres-0', (t) => t.includes('"name":"postgres-0"'));
    expect(text.split('\n')[0]).toStartWith('{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod"');
    sim.addPod({ namespace: 'data', name: 'watched', image: 'busybox:1.37' });
    await read('ADDED watched', (t) => /"type":"ADDED","object":\{[^\n]*"name":"watched"/.test(t));
    abort.abort();
  });

  test('a node can go NotReady and come back', async () => {
    const name = sim.list('nodes')[2].metadata.name;
    expect(sim.setNodeReady(name, false)).toBe(true);
    const node = (await kubeJson<KubeObject>(sim, `/api/v1/nodes/${name}`)).body;
    expect((node.status as any).conditions.find((c: any) => c.type === 'Ready').status).toBe('Unknown');
    sim.setNodeReady(name, true);
  });
});

describe('scale', () => {
  test('1000 pods list in one page and in pages of 500', async () => {
    const big = await startSimulator({ name: 'big', nodes: 10, pods: 1000, seed: 3, tickMs: 0 });
    try {
      const all = (await kubeJson<List>(big, '/api/v1/pods')).body;
      expect(all.items).toHaveLength(1000);
      const first = (await kubeJson<List>(big, '/api/v1/pods?limit=500')).body;
      expect(first.items).toHaveLength(500);
      expect(first.metadata.remainingItemCount).toBe(500);
      big.tick(3);
      expect(big.stats().pods).toBeGreaterThan(990);
    } finally {
      await big.stop();
    }
  });
});
