// Rendering a repository path: a kustomize base + overlay comes out exactly as `kubectl kustomize` prints it, plain
// YAML directories are read in path order, and paths, symlinks, sizes and a missing kubectl are refused by name.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from '../testing/git-server';
import { DEFAULT_RENDER_LIMITS, normalizeRepoPath, renderPath } from './render';

let root: { dir: string; remove: () => Promise<void> };

const FILES: Record<string, string> = {
  'base/kustomization.yaml': `resources:
  - deployment.yaml
  - service.yaml
labels:
  - pairs:
      app.kubernetes.io/name: shop
    includeSelectors: true
configMapGenerator:
  - name: shop-config
    literals:
      - MODE=base
`,
  'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: shop
          image: ghcr.io/acme/shop:1.0.0
          envFrom:
            - configMapRef:
                name: shop-config
`,
  'base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  ports:
    - port: 80
      targetPort: 8080
`,
  'overlays/prod/kustomization.yaml': `resources:
  - ../../base
namePrefix: prod-
namespace: shop-prod
images:
  - name: ghcr.io/acme/shop
    newTag: 1.2.3
configMapGenerator:
  - name: shop-config
    behavior: merge
    literals:
      - MODE=prod
patches:
  - target:
      kind: Deployment
      name: shop
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 3
`,
  'plain/b/service.yml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web # the front door\nspec:\n  ports: [{port: 80}]\n',
  'plain/a.yaml':
    '# comments only\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a2\n---\n',
  'plain/.github/workflow.yaml': 'on: push\n',
  'plain/README.md': '# not a manifest\n',
  'broken/bad.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n',
  'badkustomize/kustomization.yaml': 'resources:\n  - missing.yaml\n',
  'remote/kustomization.yaml': 'resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n',
};

beforeAll(async () => {
  root = await tempDir();
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(root.dir, 'repo', path)), { recursive: true });
    await writeFile(join(root.dir, 'repo', path), text);
  }
  await writeFile(join(root.dir, 'outside.yaml'), 'kind: Secret\n');
  await mkdir(join(root.dir, 'repo/linked'));
  await symlink(join(root.dir, 'outside.yaml'), join(root.dir, 'repo/linked/secret.yaml'));
  await symlink(root.dir, join(root.dir, 'repo/escape'));
});
afterAll(() => root.remove());

async function kubectlKustomize(dir: string): Promise<string> {
  const proc = Bun.spawn(['kubectl', 'kustomize', dir], { stdout: 'pipe', stderr: 'pipe' });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  return out;
}

describe('kustomize', () => {
  test('a base + overlay renders exactly as kubectl kustomize renders it', async () => {
    const repo = join(root.dir, 'repo');
    const res = await renderPath(repo, 'overlays/prod/', DEFAULT_RENDER_LIMITS);
    if (!res.ok) throw new Error(res.message);
    expect(res.via).toBe('kustomize');
    expect(res.manifests).toBe(await kubectlKustomize(join(repo, 'overlays/prod')));
    // And it really is the overlay: prefix, namespace, image tag, patch and the merged generator with its hash.
    expect(res.manifests).toContain('name: prod-shop\n  namespace: shop-prod');
    expect(res.manifests).toContain('image: ghcr.io/acme/shop:1.2.3');
    expect(res.manifests).toContain('replicas: 3');
    expect(res.manifests).toContain('MODE: prod');
    expect(res.manifests).toMatch(/name: prod-shop-config-[a-z0-9]{10}/);
    const base = await renderPath(repo, 'base', DEFAULT_RENDER_LIMITS);
    if (!base.ok) throw new Error(base.message);
    expect(base.manifests).toBe(await kubectlKustomize(join(repo, 'base')));
  });

  test('kustomize’s own error is shown with paths relative to the repository', async () => {
    const res = await renderPath(join(root.dir, 'repo'), 'badkustomize', DEFAULT_RENDER_LIMITS);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.message).toStartWith('kustomize failed: ');
      expect(res.message).toContain('missing.yaml');
      expect(res.message).not.toContain(root.dir);
    }
  });

  test('a remote base is not fetched', async () => {
    const res = await renderPath(join(root.dir, 'repo'), 'remote', { ...DEFAULT_RENDER_LIMITS, timeoutMs: 20_000 });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.message).toStartWith('kustomize failed: accumulating resources:');
      expect(res.message).toContain('proxyconnect tcp: dial tcp 127.0.0.1:9');
      expect(res.message).toContain("no 'git' program on path");
    }
  });

  test('without kubectl, a kustomization is refused saying what is missing; plain YAML still renders', async () => {
    const none = await renderPath(join(root.dir, 'repo'), 'base', { ...DEFAULT_RENDER_LIMITS, kubectlPath: null });
    expect(none).toEqual({
      ok: false,
      message: 'path "base" has a kustomization; rendering it needs kubectl on the control plane (set NIRO_KUBECTL to its path)',
    });
    const absent = await renderPath(join(root.dir, 'repo'), 'base', { ...DEFAULT_RENDER_LIMITS, kubectlPath: join(root.dir, 'no-kubectl') });
    expect(absent.ok).toBe(false);
    if (!absent.ok) expect(absent.message).toContain('kubectl was not found');
    const plain = await renderPath(join(root.dir, 'repo'), 'plain', { ...DEFAULT_RENDER_LIMITS, kubectlPath: null });
    expect(plain.ok).toBe(true);
  });
});

describe('plain YAML', () => {
  test('every manifest file under the path, recursively in path order, dot-directories and empty documents skipped, text kept as written', async () => {
    const res = await renderPath(join(root.dir, 'repo'), './plain', DEFAULT_RENDER_LIMITS);
    if (!res.ok) throw new Error(res.message);
    expect(res.via).toBe('files');
    expect(res.files).toEqual(['plain/a.yaml', 'plain/b/service.yml']);
    expect(res.manifests).toBe(
      [
        '# Source: plain/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
        '# Source: plain/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a2\n',
        '# Source: plain/b/service.yml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web # the front door\nspec:\n  ports: [{port: 80}]\n',
      ].join('---\n'),
    );
    const one = await renderPath(join(root.dir, 'repo'), 'plain/b/service.yml', DEFAULT_RENDER_LIMITS);
    expect(one.ok && one.files).toEqual(['plain/b/service.yml']);
  });

  test('bad YAML names its file; a missing path, an escape and symlinks are refused', async () => {
    const repo = join(root.dir, 'repo');
    const broken = await renderPath(repo, 'broken', DEFAULT_RENDER_LIMITS);
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.message).toStartWith('broken/bad.yaml: not valid YAML');
    expect(await renderPath(repo, 'nope', DEFAULT_RENDER_LIMITS)).toEqual({ ok: false, message: 'path "nope" does not exist at this commit' });
    expect(await renderPath(repo, '../outside.yaml', DEFAULT_RENDER_LIMITS)).toEqual({
      ok: false,
      message: 'path "../outside.yaml" must stay inside the repository',
    });
    expect(await renderPath(repo, 'escape', DEFAULT_RENDER_LIMITS)).toEqual({ ok: false, message: 'path "escape" leads outside the repository' });
    expect(await renderPath(repo, 'linked', DEFAULT_RENDER_LIMITS)).toEqual({
      ok: false,
      message: 'secret.yaml is a symbolic link; only regular files are read',
    });
    const small = await renderPath(repo, 'plain', { ...DEFAULT_RENDER_LIMITS, maxBytes: 50 });
    expect(small.ok).toBe(false);
    const few = await renderPath(repo, 'plain', { ...DEFAULT_RENDER_LIMITS, maxFiles: 1 });
    expect(few).toEqual({ ok: false, message: 'more than 1 manifest files under the path' });
  });

  test('paths normalize to one stored form', () => {
    expect(normalizeRepoPath('./deploy/prod/')).toBe('deploy/prod');
    expect(normalizeRepoPath('/')).toBe('');
    expect(normalizeRepoPath('a/../../b')).toBeNull();
  });
});
