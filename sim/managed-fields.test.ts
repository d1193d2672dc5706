// Field ownership as the real kubectl sees it: server-side apply by manager niro (force), `kubectl edit` taking a field
// over, a forced re-apply taking it back; label-selected gets and watches (an object labelled out of the selection
// arrives as DELETED). What the agent's drift detection relies on, checked with kubectl itself.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startSimulator } from './index.ts';
import { changedFields, recordApply, recordUpdate, removeFields, removedFields, staleFields, subtractFields } from './managed-fields.ts';
import { waitFor } from './testing.ts';

const kubectlPath = Bun.which('kubectl');

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ name: 'fields', nodes: 1, pods: 0, seed: 3, tickMs: 0, evolve: false });
  dir = await mkdtemp(join(tmpdir(), 'kubectl-fields-'));
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(
    [kubectlPath!, '--kubeconfig', sim.kubeconfigPath, '--context', 'fields-admin', '--cache-dir', join(dir, 'cache'), '--request-timeout', '10s', ...args],
    {
      stdout: 'pipe',
      stderr: 'pipe',
      stdin: 'ignore',
      env: { ...process.env, ...env },
    },
  );
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

async function kubectlOk(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await kubectl(args, env);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

type Entry = { manager: string; operation: string; fieldsV1: Record<string, unknown>; subresource?: string };

async function managedFields(kind: string, name: string): Promise<Entry[]> {
  const object = JSON.parse(await kubectlOk(['get', kind, name, '-n', 'shop', '-o', 'json', '--show-managed-fields'])) as {
    metadata: { managedFields?: Entry[] };
  };
  return object.metadata.managedFields ?? [];
}

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, app.kubernetes.io/managed-by: niro}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
  labels: {app.kubernetes.io/managed-by: niro}
data: {mode: blue}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
  namespace: shop
data: {x: "1"}
`;

describe('field ownership bookkeeping', () => {
  test('an update owns what it changed or added; what it removed leaves every set', () => {
    const before = { spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'a' }] } } } };
    const after = {
      spec: {
        replicas: 5,
        paused: true,
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'a' },
              { name: 'side', image: 'b' },
            ],
          },
        },
      },
    };
    expect(changedFields(before, after)).toEqual({
      'f:spec': {
        'f:replicas': {},
        'f:paused': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"side"}': { '.': {}, 'f:name': {}, 'f:image': {} } } } },
      },
    });
    expect(removedFields(after, before)).toEqual({
      'f:spec': { 'f:paused': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"side"}': { '.': {}, 'f:name': {}, 'f:image': {} } } } } },
    });
    expect(changedFields(before, before)).toBeNull();
    expect(subtractFields({ 'f:spec': { 'f:replicas': {}, 'f:paused': {} } }, { 'f:spec': { 'f:replicas': {} } })).toEqual({ 'f:spec': { 'f:paused': {} } });
  });

  test('apply with force takes fields from other managers; a manager left with nothing disappears', () => {
    const config = { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } } };
    const applied = recordApply([], 'niro', config, 'apps/v1', 't0');
    expect(applied).toEqual([
      {
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:selector': { 'f:matchLabels': { '.': {}, 'f:app': {} } } } },
        manager: 'niro',
        operation: 'Apply',
        time: 't0',
      },
    ]);
    const edited = recordUpdate(applied, 'kubectl-edit', config, { ...config, spec: { ...config.spec, replicas: 5 } }, 'apps/v1', 't1');
    expect(edited.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['niro', { 'f:spec': { 'f:selector': { 'f:matchLabels': { '.': {}, 'f:app': {} } } } }],
      ['kubectl-edit', { 'f:spec': { 'f:replicas': {} } }],
    ]);
    const back = recordApply(edited, 'niro', config, 'apps/v1', 't2');
    expect(back.map((e) => e.manager)).toEqual(['niro']);
    // A status entry (a controller's) is never touched by an apply to the main resource.
    const withStatus = recordApply(
      [{ manager: 'k3s', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } }],
      'niro',
      config,
      'apps/v1',
      't3',
    );
    expect(withStatus.map((e) => e.manager)).toEqual(['k3s', 'niro']);
  });

  test('what an applier stops applying, and nobody else owns, leaves the object', () => {
    const v1 = { metadata: { name: 'c' }, data: { a: '1', b: '2', c: '3' } };
    let entries = recordApply([], 'niro', v1, 'v1', 't0');
    // Someone else changed c: it is theirs now and stays when Niro drops it.
    entries = recordUpdate(entries, 'kubectl-edit', v1, { ...v1, data: { ...v1.data, c: '4' } }, 'v1', 't1');
    const v2 = { metadata: { name: 'c' }, data: { a: '1' } };
    expect(staleFields(entries, 'niro', v2)).toEqual({ 'f:data': { 'f:b': {} } });
    const object: { data: Record<string, string> } = { data: { a: '1', b: '2', c: '4' } };
    removeFields(object, staleFields(entries, 'niro', v2));
    expect(object).toEqual({ data: { a: '1', c: '4' } });
    // A keyed list item Niro no longer applies goes whole.
    const d1 = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
              },
            ],
          },
        },
      },
    };
    const d2 = { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }] } } } };
    const live = structuredClone(d1);
    removeFields(live, staleFields(recordApply([], 'niro', d1, 'apps/v1', 't0'), 'niro', d2));
    expect(live).toEqual(d2);
  });
});

describe.skipIf(!kubectlPath)('kubectl: server-side apply, edit, selectors', () => {
  test('apply --server-side as niro: manager niro, operation Apply, the applied fields', async () => {
    await kubectlOk(['create', 'namespace', 'shop']);
    const file = join(dir, 'manifests.yaml');
    await writeFile(file, MANIFESTS);
    await kubectlOk(['apply', '--server-side', '--field-manager', 'niro', '--force-conflicts', '-f', file]);
    const yaml = await kubectlOk(['get', 'deployment', 'web', '-n', 'shop', '-o', 'yaml', '--show-managed-fields']);
    expect(yaml).toContain('manager: niro');
    expect(yaml).toContain('operation: Apply');
    expect(yaml).toContain('f:replicas: {}');
    const niro = (await managedFields('deployment', 'web')).find((e) => e.manager === 'niro')!;
    expect(niro.operation).toBe('Apply');
    expect(Object.keys((niro.fieldsV1['f:spec'] as Record<string, unknown>) ?? {})).toEqual(expect.arrayContaining(['f:replicas', 'f:selector', 'f:template']));
  });

  test('get -l selects exactly the labelled objects of every kind', async () => {
    const out = await kubectlOk(['get', 'deployments,configmaps', '-n', 'shop', '-l', 'app.kubernetes.io/managed-by=niro', '-o', 'name']);
    expect(out.trim().split('\n').sort()).toEqual(['configmap/web-config', 'deployment.apps/web']);
    const all = await kubectlOk(['get', 'configmaps', '-A', '-l', 'app.kubernetes.io/managed-by=niro', '-o', 'name']);
    expect(all.trim().split('\n')).toEqual(['configmap/web-config']);
  });

  test('kubectl edit takes the edited field from niro; a forced re-apply takes it back', async () => {
    const editor = join(dir, 'editor.sh');
    await writeFile(editor, `#!/bin/sh\nsed -i 's/^  replicas: 2$/  replicas: 5/' "$1"\n`);
    await chmod(editor, 0o755);
    await kubectlOk(['edit', 'deployment', 'web', '-n', 'shop'], { KUBE_EDITOR: editor, EDITOR: editor });
    expect(await kubectlOk(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'])).toBe('5');
    let entries = await managedFields('deployment', 'web');
    const edit = entries.find((e) => e.manager === 'kubectl-edit');
    expect(edit?.operation).toBe('Update');
    expect(edit?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    const niroSpec = entries.find((e) => e.manager === 'niro')!.fieldsV1['f:spec'] as Record<string, unknown>;
    expect(Object.keys(niroSpec)).not.toContain('f:replicas');
    expect(Object.keys(niroSpec)).toContain('f:template');

    await kubectlOk(['apply', '--server-side', '--field-manager', 'niro', '--force-conflicts', '-f', join(dir, 'manifests.yaml')]);
    expect(await kubectlOk(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
    entries = await managedFields('deployment', 'web');
    expect(entries.map((e) => e.manager)).not.toContain('kubectl-edit');
    expect(Object.keys(entries.find((e) => e.manager === 'niro')!.fieldsV1['f:spec'] as Record<string, unknown>)).toContain('f:replicas');
  });

  test('kubectl apply by another manager (client-side apply) takes what it changed; kubectl scale takes replicas', async () => {
    const file = join(dir, 'config-green.yaml');
    await writeFile(file, MANIFESTS.split('---\n')[1]!.replace('mode: blue', 'mode: green'));
    await kubectlOk(['apply', '-f', file]);
    const entries = await managedFields('configmap', 'web-config');
    const csa = entries.find((e) => e.manager === 'kubectl-client-side-apply')!;
    expect(csa.operation).toBe('Update');
    expect((csa.fieldsV1['f:data'] as Record<string, unknown>)['f:mode']).toEqual({});
    expect(Object.keys((entries.find((e) => e.manager === 'niro')!.fieldsV1['f:data'] as Record<string, unknown> | undefined) ?? {})).not.toContain('f:mode');

    await kubectlOk(['scale', 'deployment', 'web', '-n', 'shop', '--replicas', '4']);
    const scaled = await managedFields('deployment', 'web');
    expect(Object.keys((scaled.find((e) => e.manager === 'niro')!.fieldsV1['f:spec'] as Record<string, unknown>) ?? {})).not.toContain('f:replicas');
    expect(scaled.some((e) => e.manager !== 'niro' && Object.keys((e.fieldsV1['f:spec'] as Record<string, unknown>) ?? {}).includes('f:replicas'))).toBe(true);
    // Back as applied, for the next test.
    await kubectlOk(['apply', '--server-side', '--field-manager', 'niro', '--force-conflicts', '-f', join(dir, 'manifests.yaml')]);
  });

  test('a key dropped from the applied configuration is removed by the next apply', async () => {
    const base = MANIFESTS.split('---\n')[1]!;
    const withExtra = join(dir, 'config-extra.yaml');
    await writeFile(withExtra, base.replace('data: {mode: blue}', 'data: {mode: blue, extra: "1"}'));
    await kubectlOk(['apply', '--server-side', '--field-manager', 'niro', '--force-conflicts', '-f', withExtra]);
    expect(JSON.parse(await kubectlOk(['get', 'configmap', 'web-config', '-n', 'shop', '-o', 'jsonpath={.data}']))).toEqual({ mode: 'blue', extra: '1' });
    const without = join(dir, 'config-base.yaml');
    await writeFile(without, base);
    await kubectlOk(['apply', '--server-side', '--field-manager', 'niro', '--force-conflicts', '-f', without]);
    expect(JSON.parse(await kubectlOk(['get', 'configmap', 'web-config', '-n', 'shop', '-o', 'jsonpath={.data}']))).toEqual({ mode: 'blue' });
  });

  test('get -w -l: an object labelled out of the selection is DELETED, labelled back ADDED', async () => {
    const watch = Bun.spawn(
      [
        kubectlPath!,
        '--kubeconfig',
        sim.kubeconfigPath,
        '--context',
        'fields-admin',
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        'configmaps',
        '-n',
        'shop',
        '-l',
        'app.kubernetes.io/managed-by=niro',
        '-w',
        '--output-watch-events',
      ],
      { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' },
    );
    let seen = '';
    const reader = (async () => {
      const decoder = new TextDecoder();
      const reader = watch.stdout.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += decoder.decode(value, { stream: true });
      }
    })();
    try {
      await waitFor('the first ADDED', () => seen.includes('ADDED'), 10_000);
      await kubectlOk(['label', 'configmap', 'web-config', '-n', 'shop', 'app.kubernetes.io/managed-by-']);
      await waitFor('DELETED', () => seen.includes('DELETED'), 10_000);
      await kubectlOk(['label', 'configmap', 'web-config', '-n', 'shop', 'app.kubernetes.io/managed-by=niro']);
      await waitFor('a second ADDED', () => seen.split('ADDED').length - 1 === 2, 10_000);
      // The unlabelled ConfigMap changed meanwhile: never seen by this watch.
      await kubectlOk(['label', 'configmap', 'unrelated', '-n', 'shop', 'touched=yes']);
      await kubectlOk(['label', 'configmap', 'web-config', '-n', 'shop', 'touched=yes']);
      await waitFor('MODIFIED', () => seen.includes('MODIFIED'), 10_000);
    } finally {
      watch.kill();
      await reader.catch(() => undefined);
    }
    // EVENT NAME DATA AGE, as kubectl prints a watch's events.
    const events = seen
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('EVENT'))
      .map((line) => line.split(/\s+/).slice(0, 2).join(' '));
    expect(events).toEqual(['ADDED web-config', 'DELETED web-config', 'ADDED web-config', 'MODIFIED web-config']);
  });
});
