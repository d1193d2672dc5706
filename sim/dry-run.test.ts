// Server-side dry run on every write verb (POST, PUT, PATCH of each type, DELETE, deletecollection): the answer is
// the object as it would be, and nothing changes — no object, no resourceVersion, no generation, no watch event.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Simulator, startSimulator } from './index.ts';
import { kubeFetch, kubeJson } from './testing.ts';

type Obj = {
  kind: string;
  metadata: { name: string; uid?: string; resourceVersion?: string; generation?: number; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { replicas?: number; dnsPolicy?: string; containers?: { imagePullPolicy?: string }[] };
  status?: { phase?: string; qosClass?: string };
  items?: Obj[];
  data?: Record<string, string>;
  message?: string;
};

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ name: 'dry', nodes: 1, pods: 30, seed: 5, tickMs: 0, evolve: false, problems: [] });
});

afterAll(async () => {
  await sim.stop();
});

/** The store's newest resourceVersion (every write and every watch event bumps it). */
async function revision(): Promise<string> {
  const list = await kubeJson<{ metadata: { resourceVersion: string } }>(sim, '/api/v1/namespaces?limit=1', { as: 'admin' });
  return list.body.metadata.resourceVersion;
}

/** Events a watch from `from` sees within a second (none, after a dry run). */
async function eventsSince(path: string, from: string): Promise<unknown[]> {
  const response = await kubeFetch(sim, `${path}?watch=1&resourceVersion=${from}&timeoutSeconds=1`, { as: 'admin' });
  return (await response.text()).split('\n').filter(Boolean);
}

function send(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: Obj }> {
  return kubeJson<Obj>(sim, path, {
    as: 'admin',
    method,
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const WEB = '/apis/apps/v1/namespaces/shop/deployments/web';

function liveWeb(): { replicas: unknown; resourceVersion: string; generation: unknown } {
  const web = sim.get('apps/deployments', 'shop', 'web')!;
  return { replicas: (web.spec as { replicas: number }).replicas, resourceVersion: web.metadata.resourceVersion, generation: web.metadata.generation };
}

describe('dryRun=All', () => {
  test('POST answers the admitted object without a resourceVersion and stores nothing', async () => {
    const before = await revision();
    const configMap = await send('POST', '/api/v1/namespaces/shop/configmaps?dryRun=All', { metadata: { generateName: 'settings-' }, data: { a: '1' } });
    expect(configMap.status).toBe(201);
    expect(configMap.body.metadata.name).toMatch(/^settings-[a-z0-9]{5}$/);
    expect(configMap.body.metadata.uid).toBeString();
    expect(configMap.body.metadata.resourceVersion).toBeUndefined();
    const pod = await send('POST', '/api/v1/namespaces/shop/pods?dryRun=All', {
      metadata: { name: 'dry-pod' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    expect(pod.status).toBe(201);
    expect(pod.body.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', containers: [{ imagePullPolicy: 'Always' }] });
    expect(pod.body.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const job = await send('POST', '/apis/batch/v1/namespaces/shop/jobs?dryRun=All', {
      metadata: { name: 'dry-job' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    expect(job.status).toBe(201);
    expect(job.body.metadata.generation).toBe(1);
    expect(sim.get('pods', 'shop', 'dry-pod')).toBeNull();
    expect(sim.get('batch/jobs', 'shop', 'dry-job')).toBeNull();
    expect(sim.list('pods', 'shop').some((p) => p.metadata.name.startsWith('dry-job-'))).toBe(false);
    expect(await revision()).toBe(before);
    // Creating what exists fails in a dry run as it would for real.
    expect((await send('POST', '/apis/apps/v1/namespaces/shop/deployments?dryRun=All', { metadata: { name: 'web' }, spec: {} })).status).toBe(409);
  });

  test('a dry-run create leaves the seeded cluster where it was: the next real create gets the same uid', async () => {
    const twin = await startSimulator({ name: 'dry', nodes: 1, pods: 30, seed: 5, tickMs: 0, evolve: false, problems: [] });
    try {
      const create = (target: Simulator, name: string, dryRun: boolean): Promise<{ status: number; body: Obj }> =>
        kubeJson<Obj>(target, `/api/v1/namespaces/data/services${dryRun ? '?dryRun=All' : ''}`, {
          as: 'admin',
          method: 'POST',
          body: JSON.stringify({ metadata: { name }, spec: { ports: [{ port: 80 }] } }),
        });
      await create(twin, 'probe', true);
      const [mine, theirs] = [await create(sim, 'real', false), await create(twin, 'real', false)];
      expect(mine.status).toBe(201);
      expect(theirs.body.metadata.uid).toBe(mine.body.metadata.uid!);
    } finally {
      await twin.stop();
    }
  });

  test('PUT answers the next generation and changes nothing', async () => {
    const live = liveWeb();
    const before = await revision();
    const current = (await kubeJson<Obj>(sim, WEB, { as: 'admin' })).body;
    const put = await send('PUT', `${WEB}?dryRun=All`, { ...current, spec: { ...current.spec, replicas: 9 } });
    expect(put.status).toBe(200);
    expect(put.body.spec?.replicas).toBe(9);
    expect(put.body.metadata.generation).toBe((live.generation as number) + 1);
    expect(put.body.metadata.resourceVersion).toBe(live.resourceVersion);
    expect(liveWeb()).toEqual(live);
    expect(await revision()).toBe(before);
    expect(await eventsSince('/apis/apps/v1/deployments', before)).toEqual([]);
  });

  const patches: [string, string, string][] = [
    ['merge', 'application/merge-patch+json', JSON.stringify({ spec: { replicas: 7 } })],
    ['strategic', 'application/strategic-merge-patch+json', JSON.stringify({ spec: { replicas: 7 } })],
    ['json', 'application/json-patch+json', JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 7 }])],
    ['apply', 'application/apply-patch+yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n'],
  ];
  for (const [name, contentType, body] of patches) {
    test(`PATCH (${name}) answers the patched object and changes nothing`, async () => {
      const live = liveWeb();
      const before = await revision();
      const patched = await send('PATCH', `${WEB}?dryRun=All&fieldManager=dry`, body, contentType);
      expect(patched.status).toBe(200);
      expect(patched.body.spec?.replicas).toBe(7);
      expect(patched.body.metadata.generation).toBe((live.generation as number) + 1);
      expect(liveWeb()).toEqual(live);
      expect(await revision()).toBe(before);
    });
  }

  test('the scale subresource: read as a Scale, written by PATCH or PUT, a dry run changing nothing', async () => {
    const path = '/apis/apps/v1/namespaces/shop/deployments/api/scale';
    const scale = await kubeJson<Obj & { status: { replicas: number; selector: string } }>(sim, path, { as: 'admin' });
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'api' }, status: { selector: 'app=api' } });
    const replicas = scale.body.spec!.replicas!;
    const generation = sim.get('apps/deployments', 'shop', 'api')!.metadata.generation!;
    const before = await revision();
    const dry = await send('PATCH', `${path}?dryRun=All`, { spec: { replicas: replicas + 2 } }, 'application/merge-patch+json');
    expect(dry).toMatchObject({ status: 200, body: { kind: 'Scale', spec: { replicas: replicas + 2 } } });
    const dryPut = await send('PUT', `${path}?dryRun=All`, { ...scale.body, spec: { replicas: 0 } });
    expect(dryPut.body.spec?.replicas).toBe(0);
    expect(await revision()).toBe(before);
    expect((sim.get('apps/deployments', 'shop', 'api')!.spec as { replicas: number }).replicas).toBe(replicas);
    const negative = await send('PATCH', path, [{ op: 'replace', path: '/spec/replicas', value: -1 }], 'application/json-patch+json');
    expect(negative.status).toBe(422);
    expect(negative.body.message).toBe('Scale.autoscaling "api" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const stale = await send('PUT', path, { ...scale.body, metadata: { ...scale.body.metadata, resourceVersion: '1' }, spec: { replicas: 1 } });
    expect(stale.status).toBe(409);
    const real = await send('PUT', path, { ...scale.body, spec: { replicas: replicas + 1 } });
    expect(real.body.spec?.replicas).toBe(replicas + 1);
    const api = sim.get('apps/deployments', 'shop', 'api')!;
    expect((api.spec as { replicas: number }).replicas).toBe(replicas + 1);
    expect(api.metadata.generation).toBe(generation + 1);
  });

  test('server-side apply of a new object in a dry run creates nothing', async () => {
    const before = await revision();
    const applied = await send(
      'PATCH',
      '/api/v1/namespaces/shop/configmaps/applied?dryRun=All&fieldManager=dry',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n',
      'application/apply-patch+yaml',
    );
    expect(applied.status).toBe(201);
    expect(applied.body.data).toEqual({ a: '1' });
    expect(sim.get('configmaps', 'shop', 'applied')).toBeNull();
    expect(await revision()).toBe(before);
  });

  test('DELETE (dryRun in the query or in DeleteOptions) removes nothing and answers as a real delete would', async () => {
    const before = await revision();
    const deployment = await send('DELETE', `${WEB}?dryRun=All`, '');
    expect(deployment).toMatchObject({ status: 200, body: { kind: 'Status', status: 'Success' } });
    const pod = sim.list('pods', 'shop').find((p) => p.metadata.name.startsWith('web-'))!;
    const podDelete = await send('DELETE', `/api/v1/namespaces/shop/pods/${pod.metadata.name}`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      dryRun: ['All'],
      propagationPolicy: 'Background',
    });
    expect(podDelete.status).toBe(200);
    expect(podDelete.body.metadata.deletionTimestamp).toBeString();
    expect(podDelete.body.metadata.resourceVersion).toBe(pod.metadata.resourceVersion);
    const namespace = await send('DELETE', '/api/v1/namespaces/shop', { dryRun: ['All'] });
    expect(namespace.body.status?.phase).toBe('Terminating');
    expect(sim.get('apps/deployments', 'shop', 'web')).not.toBeNull();
    expect(sim.get('pods', 'shop', pod.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
    expect(sim.get('namespaces', undefined, 'shop')).not.toBeNull();
    expect(await revision()).toBe(before);
  });

  test('deletecollection deletes what the selector picks, and nothing in a dry run', async () => {
    for (const name of ['one', 'two', 'keep'])
      await send('POST', '/api/v1/namespaces/shop/configmaps', { metadata: { name, labels: { batch: name === 'keep' ? 'no' : 'yes' } } });
    const before = await revision();
    const dry = await send('DELETE', '/api/v1/namespaces/shop/configmaps?labelSelector=batch%3Dyes&dryRun=All', '');
    expect(dry.status).toBe(200);
    expect(dry.body.kind).toBe('ConfigMapList');
    expect(dry.body.items?.map((i) => i.metadata.name)).toEqual(['one', 'two']);
    expect(await revision()).toBe(before);
    expect(sim.get('configmaps', 'shop', 'one')).not.toBeNull();
    const real = await send('DELETE', '/api/v1/namespaces/shop/configmaps?labelSelector=batch%3Dyes', '');
    expect(real.body.items).toHaveLength(2);
    expect(sim.get('configmaps', 'shop', 'one')).toBeNull();
    expect(sim.get('configmaps', 'shop', 'keep')).not.toBeNull();
    // Namespaces have no deletecollection verb.
    expect((await send('DELETE', '/api/v1/namespaces', '')).status).toBe(405);
  });

  test('a dryRun other than All is refused before anything is written, naming the options', async () => {
    const before = await revision();
    const create = await send('POST', '/api/v1/namespaces/shop/configmaps?dryRun=Yes', { metadata: { name: 'nope' } });
    expect(create.status).toBe(422);
    expect(create.body.message).toBe('CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Yes"}: supported values: "All"');
    const patch = await send('PATCH', `${WEB}?dryRun=true`, '{}', 'application/merge-patch+json');
    expect(patch.body.message).toStartWith('PatchOptions.meta.k8s.io "" is invalid: dryRun');
    const remove = await send('DELETE', WEB, { dryRun: ['All', 'Everything'] });
    expect(remove.status).toBe(422);
    expect(remove.body.message).toContain('DeleteOptions.meta.k8s.io');
    expect(sim.get('apps/deployments', 'shop', 'web')).not.toBeNull();
    expect(sim.get('configmaps', 'shop', 'nope')).toBeNull();
    expect(await revision()).toBe(before);
  });
});
