// deploy/control-plane/ is what an operator applies: the real kubectl accepts it with a server-side dry run against
// the Kubernetes API simulator, and it runs the control plane the way README's "Run it in production" says —
// two replicas, probes on /readyz and /healthz, a PodDisruptionBudget, the Secret's DATABASE_URL and NIRO_SECRET,
// and time to drain on shutdown.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import pkg from '../../package.json' with { type: 'json' };
import { startSimulator, type Simulator } from '../../sim/index.ts';

const DIR = import.meta.dir;
const kubectlPath = Bun.which('kubectl');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any };
const manifests: Manifest[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJSON() as Manifest));
const byKind = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
};

test('one Deployment of two replicas with probes, Secret references and a drain on shutdown', () => {
  const deployment = byKind('Deployment');
  expect(deployment.spec.replicas).toBe(2);
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  const fromSecret = Object.fromEntries(container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => [e.name, e.valueFrom.secretKeyRef]));
  expect(fromSecret.DATABASE_URL).toEqual({ name: 'niro', key: 'DATABASE_URL' });
  expect(fromSecret.NIRO_SECRET).toEqual({ name: 'niro', key: 'NIRO_SECRET' });
  // The pod is given longer than its preStop pause plus an agent's command long-poll (30 s) to finish.
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(container.lifecycle.preStop.sleep.seconds + 30);
  // The image the Dockerfile's comment builds, at this version.
  expect(container.image).toBe(`niro:${pkg.version}`);
  expect(readFileSync(join(DIR, 'Dockerfile'), 'utf8')).toContain(`-t niro:${pkg.version} .`);
});

test('the PodDisruptionBudget and the Service select the Deployment pods', () => {
  const labels = byKind('Deployment').spec.template.metadata.labels;
  const pdb = byKind('PodDisruptionBudget');
  expect(pdb.spec.minAvailable).toBe(1);
  for (const [key, value] of Object.entries(pdb.spec.selector.matchLabels)) expect(labels[key]).toBe(value as string);
  for (const [key, value] of Object.entries(byKind('Service').spec.selector)) expect(labels[key]).toBe(value as string);
});

describe.skipIf(!kubectlPath)('kubectl', () => {
  let sim: Simulator;
  let cacheDir: string;
  beforeAll(async () => {
    sim = await startSimulator({ name: 'prod', nodes: 2, pods: 10, seed: 5, tickMs: 0, evolve: false });
    cacheDir = await mkdtemp(join(tmpdir(), 'kubectl-cache-'));
  });
  afterAll(async () => {
    await sim?.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = Bun.spawn(
      [kubectlPath!, '--kubeconfig', sim.kubeconfigPath, '--context', 'prod-admin', '--cache-dir', cacheDir, '--request-timeout', '10s', ...args],
      {
        stdout: 'pipe',
        stderr: 'pipe',
        stdin: 'ignore',
      },
    );
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { code, stdout, stderr };
  }

  test('apply --dry-run=server accepts every manifest and stores none of them', async () => {
    expect((await kubectl('create', 'namespace', 'niro')).code).toBe(0);
    const applied = await kubectl('apply', '--dry-run=server', '-n', 'niro', '-f', DIR);
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = applied.stdout.trim().split('\n').sort();
    expect(lines).toEqual(
      [
        'configmap/niro-config created (server dry run)',
        'deployment.apps/niro created (server dry run)',
        'poddisruptionbudget.policy/niro created (server dry run)',
        'service/niro created (server dry run)',
        'serviceaccount/niro created (server dry run)',
      ].sort(),
    );
    expect(sim.list('apps/deployments', 'niro')).toEqual([]);
    expect(sim.list('policy/poddisruptionbudgets', 'niro')).toEqual([]);
    expect(manifests.length).toBe(lines.length);
    // Applied for real, the new kind is stored and listed like any other.
    expect((await kubectl('apply', '-n', 'niro', '-f', join(DIR, 'poddisruptionbudget.yaml'))).stdout).toBe('poddisruptionbudget.policy/niro created\n');
    expect(sim.list('policy/poddisruptionbudgets', 'niro').map((o) => o.metadata.name)).toEqual(['niro']);
    expect((await kubectl('get', 'pdb', '-n', 'niro')).stdout).toMatch(
      /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nniro\s+1\s+N\/A\s+0\s+/,
    );
  });
});
