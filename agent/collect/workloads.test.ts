// The workload collector on real object JSON: counts per kind, progressing, PDB coverage (matchLabels and
// matchExpressions, same namespace only), templates without env/envFrom/command/args, a stable template hash,
// truncation keeping troubled workloads, and the result accepted by the contract.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { LIMITS, WorkloadInfo } from '../../src/contract/index.ts';
import type { AppsWorkload, PodDisruptionBudget } from '../kube-objects.ts';
import { canonicalJson, collectWorkloads, hashTemplate, mapWorkload, selectorMatches, templateFacts } from './workloads.ts';

const load = async <T>(file: string): Promise<T[]> => ((await Bun.file(new URL(`./testdata/${file}`, import.meta.url)).json()) as { items: T[] }).items;
const [coredns, checkout] = await load<AppsWorkload>('deployments.json');
const [postgres] = await load<AppsWorkload>('statefulsets.json');
const [svclb] = await load<AppsWorkload>('daemonsets.json');
const pdbs = await load<PodDisruptionBudget>('pdbs.json');

describe('mapWorkload', () => {
  test('a settled Deployment: counts from spec and status, not progressing, no PDB in its namespace', () => {
    const info = mapWorkload('Deployment', coredns, pdbs);
    expect(info).toMatchObject({ kind: 'Deployment', namespace: 'kube-system', name: 'coredns', desired: 1, ready: 1, available: 1, updated: 1 });
    expect(info.progressing).toBe(false);
    // A PDB selecting k8s-app=kube-dns exists, but in another namespace.
    expect(info.hasPdb).toBe(false);
    expect(info.labels['k8s-app']).toBe('kube-dns');
    expect(Value.Check(WorkloadInfo, info)).toBe(true);
  });

  test('a Deployment mid-rollout: generation ahead of observedGeneration, fewer ready than desired', () => {
    const info = mapWorkload('Deployment', checkout, pdbs);
    expect(info).toMatchObject({ desired: 3, ready: 2, available: 2, updated: 1, progressing: true });
    // checkout-canary selects app.kubernetes.io/name=checkout but tier NotIn [web]: the template has tier=web.
    expect(info.hasPdb).toBe(false);
  });

  test('a StatefulSet covered by a PDB through matchLabels and matchExpressions', () => {
    const info = mapWorkload('StatefulSet', postgres, pdbs);
    expect(info).toMatchObject({ kind: 'StatefulSet', desired: 2, ready: 1, available: 1, updated: 2, progressing: false, hasPdb: true });
    expect(mapWorkload('StatefulSet', postgres, null).hasPdb).toBe(false);
  });

  test('a DaemonSet counts scheduled pods: desiredNumberScheduled, numberReady, numberAvailable, updatedNumberScheduled', () => {
    const info = mapWorkload('DaemonSet', svclb, []);
    expect(info).toMatchObject({ kind: 'DaemonSet', desired: 3, ready: 2, available: 2, updated: 3, progressing: false, hasPdb: false });
  });

  test('spec.replicas unset means 1; 0 stays 0', () => {
    const noReplicas = structuredClone(coredns);
    delete noReplicas.spec!.replicas;
    expect(mapWorkload('Deployment', noReplicas, []).desired).toBe(1);
    noReplicas.spec!.replicas = 0;
    expect(mapWorkload('Deployment', noReplicas, []).desired).toBe(0);
  });
});

describe('templates', () => {
  test('every container list loses env, envFrom, command and args; the rest of the PodSpec stays', () => {
    const facts = templateFacts(checkout.spec!.template);
    const text = JSON.stringify(facts);
    for (const secret of ['s3cret', 'hunter2', 'STRIPE_KEY', 'checkout-env', 'nc -z', '/etc/envoy', 'TOKEN']) expect(text).not.toContain(secret);
    const spec = facts.spec as {
      containers: Record<string, unknown>[];
      initContainers: Record<string, unknown>[];
      ephemeralContainers: Record<string, unknown>[];
    };
    for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers])
      for (const container of list) for (const field of ['env', 'envFrom', 'command', 'args']) expect(container).not.toHaveProperty(field);
    expect(spec.containers[0].image).toBe('registry.example.com/shop/checkout:latest');
    expect(spec.containers[1].securityContext).toEqual({ privileged: true });
    expect(facts.spec.hostNetwork).toBe(true);
    expect(facts.labels).toEqual({ 'app.kubernetes.io/name': 'checkout', tier: 'web' });
    // The object itself is untouched (the watch cache keeps it).
    expect(checkout.spec!.template!.spec!.containers).toBeArrayOfSize(2);
    expect((checkout.spec!.template!.spec!.containers as { env?: unknown }[])[0].env).toBeDefined();
  });

  test('the hash is 32 hex digits, ignores key order, and changes with the template', () => {
    const facts = templateFacts(coredns.spec!.template);
    const hash = hashTemplate(facts);
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    // The same facts with every object's keys in reverse order.
    const reverse = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverse)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverse(v)]),
            )
          : value;
    const reordered = reverse(facts) as typeof facts;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(facts));
    expect(hashTemplate(reordered)).toBe(hash);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const changed = structuredClone(coredns);
    (changed.spec!.template!.spec!.containers as { image: string }[])[0].image = 'rancher/mirrored-coredns-coredns:1.12.0';
    expect(hashTemplate(templateFacts(changed.spec!.template))).not.toBe(hash);
    // An env change alone is no change of the facts: no rule reads env.
    const envOnly = structuredClone(checkout);
    (envOnly.spec!.template!.spec!.containers as { env: unknown[] }[])[0].env = [];
    expect(mapWorkload('Deployment', envOnly, []).templateHash).toBe(mapWorkload('Deployment', checkout, []).templateHash);
    // A workload-level change (replicas, status) keeps the hash.
    expect(mapWorkload('Deployment', { ...coredns, spec: { ...coredns.spec, replicas: 5 } }, []).templateHash).toBe(hash);
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  test('matchLabels and each operator', () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, labels)).toBe(false);
  });

  test('a PDB with an empty selector covers its whole namespace; one without a selector covers nothing', () => {
    const all: PodDisruptionBudget = { metadata: { name: 'all', namespace: 'kube-system' }, spec: { selector: {}, minAvailable: 1 } };
    const none: PodDisruptionBudget = { metadata: { name: 'none', namespace: 'kube-system' }, spec: { minAvailable: 1 } };
    expect(mapWorkload('Deployment', coredns, [all]).hasPdb).toBe(true);
    expect(mapWorkload('Deployment', coredns, [none]).hasPdb).toBe(false);
  });
});

describe('collectWorkloads', () => {
  test('all kinds, troubled first, every item valid for the contract', () => {
    const { workloads, truncated } = collectWorkloads({ deployments: [coredns, checkout], statefulSets: [postgres], daemonSets: [svclb], pdbs });
    expect(truncated).toBe(false);
    expect(workloads.map((w) => `${w.kind}/${w.name}`)).toEqual([
      'DaemonSet/svclb-traefik-4ff1bbdb',
      'Deployment/checkout',
      'StatefulSet/postgres',
      'Deployment/coredns',
    ]);
    for (const w of workloads) expect(Value.Check(WorkloadInfo, w)).toBe(true);
  });

  test('truncated at the cap, keeping the troubled ones', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ...coredns, metadata: { ...coredns.metadata, name: `ok-${i}` } }));
    const { workloads, truncated } = collectWorkloads({ deployments: [...many, checkout], statefulSets: [], daemonSets: [], pdbs: [] }, 2);
    expect(truncated).toBe(true);
    expect(workloads.map((w) => w.name)).toEqual(['checkout', 'ok-0']);
    expect(collectWorkloads({ deployments: many, statefulSets: [], daemonSets: [], pdbs: [] }, LIMITS.workloadsPerHeartbeat + 10).workloads).toHaveLength(5);
  });
});
