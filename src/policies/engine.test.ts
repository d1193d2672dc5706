// The rule engine's known answers: every rule fires on a real manifest or pod JSON that breaks it and on
// nothing else, a well-configured workload passes every rule, and the environment moves severities by the table.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RULES, evaluatePolicies, evaluateWorkloads } from './engine';
import { policyInputFromManifest, policyInputFromWorkload, policyInputsFromYaml, selects } from './manifest';
import { SEVERITY_BY_ENVIRONMENT, severityFor } from './severity';
import { RULE_IDS, type PolicyInput, type RuleId } from './vocabulary';
import { floatingImage } from './rules-workload';
import type { Environment } from '../clusters/vocabulary';

const data = (f: string): string => readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8');
const ids = (i: PolicyInput): RuleId[] => evaluatePolicies(i).map((f) => f.ruleId);
type Json = Record<string, any>;

function goodDocs(): Json[] {
  return data('good-deployment.yaml')
    .split(/^---$/m)
    .map((d) => parse(d) as Json);
}

/** The good Deployment with one change, evaluated with its PDB, in production unless told. */
function mutated(change: (dep: Json) => void, environment: Environment = 'production', withPdb = true): RuleId[] {
  const [dep, pdb] = goodDocs();
  change(dep);
  const input = policyInputFromManifest(dep, { environment, hasPdb: withPdb && selects(pdb.spec.selector, dep.spec.template.metadata.labels) })!;
  return ids(input);
}

const pod = (d: Json) => d.spec.template.spec;
const web = (d: Json) => pod(d).containers[0];
const migrate = (d: Json) => pod(d).initContainers[0];

describe('a well-configured workload', () => {
  test('the good production Deployment (with its PDB, from the YAML stream) passes every rule', () => {
    const { inputs, errors } = policyInputsFromYaml(data('good-deployment.yaml'), { environment: 'production' });
    expect(errors).toEqual([]);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({ kind: 'Deployment', namespace: 'shop', name: 'web', replicas: 3, hasPdb: true });
    expect(ids(inputs[0])).toEqual([]);
  });
});

// One change to the good Deployment → exactly these findings. Every rule appears at least once.
const CASES: [string, (d: Json) => void, RuleId[]][] = [
  ['privileged app container', (d) => (web(d).securityContext.privileged = true), ['privileged']],
  ['hostPID', (d) => (pod(d).hostPID = true), ['host-namespaces']],
  ['hostNetwork and hostIPC', (d) => Object.assign(pod(d), { hostNetwork: true, hostIPC: true }), ['host-namespaces']],
  [
    'a hostPath volume',
    (d) => pod(d).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }),
    ['host-path-volumes', 'restricted-volume-types'],
  ],
  ['a hostPort', (d) => (web(d).ports[0].hostPort = 8080), ['host-ports']],
  ['Windows HostProcess (pod level)', (d) => (pod(d).securityContext.windowsOptions = { hostProcess: true }), ['host-process']],
  ['allowPrivilegeEscalation unset', (d) => delete web(d).securityContext.allowPrivilegeEscalation, ['privilege-escalation']],
  ['container runAsNonRoot false overrides the pod’s true', (d) => (web(d).securityContext.runAsNonRoot = false), ['run-as-non-root']],
  ['runAsNonRoot nowhere', (d) => delete pod(d).securityContext.runAsNonRoot, ['run-as-non-root']],
  ['init container runAsUser 0', (d) => (migrate(d).securityContext.runAsUser = 0), ['run-as-uid-0']],
  ['pod runAsUser 0, one container overrides', (d) => ((pod(d).securityContext.runAsUser = 0), (web(d).securityContext.runAsUser = 1000)), ['run-as-uid-0']],
  ['SYS_ADMIN added', (d) => web(d).securityContext.capabilities.add.push('SYS_ADMIN'), ['dangerous-capabilities', 'capabilities-drop-all']],
  ['baseline capability CHOWN added', (d) => web(d).securityContext.capabilities.add.push('CHOWN'), ['capabilities-drop-all']],
  ['init container drops nothing', (d) => delete migrate(d).securityContext.capabilities, ['capabilities-drop-all']],
  [
    'container seccomp Unconfined overrides the pod’s RuntimeDefault',
    (d) => (web(d).securityContext.seccompProfile = { type: 'Unconfined' }),
    ['seccomp-profile'],
  ],
  ['no seccomp profile anywhere', (d) => delete pod(d).securityContext.seccompProfile, ['seccomp-profile']],
  ['AppArmor Unconfined', (d) => (web(d).securityContext.appArmorProfile = { type: 'Unconfined' }), ['apparmor-profile']],
  [
    'AppArmor annotation unconfined (the pre-1.30 form)',
    (d) => (d.spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' }),
    ['apparmor-profile'],
  ],
  ['SELinux type spc_t', (d) => (pod(d).securityContext.seLinuxOptions = { type: 'spc_t' }), ['selinux-options']],
  ['procMount Unmasked', (d) => (web(d).securityContext.procMount = 'Unmasked'), ['proc-mount']],
  ['unsafe sysctl', (d) => (pod(d).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]), ['unsafe-sysctls']],
  ['an nfs volume', (d) => pod(d).volumes.push({ name: 'share', nfs: { server: 'nfs', path: '/x' } }), ['restricted-volume-types']],
  ['service account token mounted by default', (d) => delete pod(d).automountServiceAccountToken, ['automount-service-account-token']],
  ['automountServiceAccountToken true', (d) => (pod(d).automountServiceAccountToken = true), ['automount-service-account-token']],
  ['writable root file system', (d) => delete web(d).securityContext.readOnlyRootFilesystem, ['read-only-root-filesystem']],
  ['init container without a CPU request', (d) => delete migrate(d).resources.requests.cpu, ['cpu-requests']],
  ['no memory request', (d) => delete web(d).resources.requests.memory, ['memory-requests']],
  ['no memory limit', (d) => delete web(d).resources.limits, ['memory-limit']],
  ['no liveness probe', (d) => delete web(d).livenessProbe, ['liveness-probe']],
  ['no readiness probe', (d) => delete web(d).readinessProbe, ['readiness-probe']],
  ['image :latest', (d) => (web(d).image = 'registry.example.com/shop/web:latest'), ['image-tag']],
  ['untagged image on a registry with a port', (d) => (migrate(d).image = 'localhost:5000/shop/web'), ['image-tag']],
  ['init container by tag, pull policy defaulted to IfNotPresent', (d) => delete migrate(d).imagePullPolicy, ['image-pull-policy']],
  [
    ':latest with IfNotPresent',
    (d) => Object.assign(web(d), { image: 'registry.example.com/shop/web:latest', imagePullPolicy: 'IfNotPresent' }),
    ['image-tag', 'image-pull-policy'],
  ],
  ['no priorityClassName', (d) => delete pod(d).priorityClassName, ['priority-class']],
  ['no topology spread in production', (d) => delete pod(d).topologySpreadConstraints, ['topology-spread']],
  ['spread over a key that is neither node nor zone', (d) => (pod(d).topologySpreadConstraints[0].topologyKey = 'example.com/rack'), ['topology-spread']],
  ['one replica in production', (d) => (d.spec.replicas = 1), ['single-replica']],
  ['replicas unset (the API server’s default of 1)', (d) => delete d.spec.replicas, ['single-replica']],
];

describe('each rule on the good Deployment with one change', () => {
  for (const [name, change, expected] of CASES) test(name, () => expect(mutated(change)).toEqual(expected));

  test('no PodDisruptionBudget in production', () => expect(mutated(() => {}, 'production', false)).toEqual(['pod-disruption-budget']));
  test('the production-only rules do not fire elsewhere', () => {
    expect(mutated((d) => (d.spec.replicas = 1), 'staging')).toEqual([]);
    expect(mutated((d) => delete pod(d).topologySpreadConstraints, 'staging')).toEqual([]);
    expect(mutated(() => {}, 'dev', false)).toEqual([]);
  });
  test('Localhost seccomp per container instead of the pod’s passes', () => {
    expect(
      mutated((d) => {
        delete pod(d).securityContext.seccompProfile;
        for (const c of [web(d), migrate(d)]) c.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'web.json' };
      }),
    ).toEqual([]);
  });
  test('pod anti-affinity over zones instead of a spread constraint passes; one replica is single-replica’s business', () => {
    const antiAffinity = (d: Json) => {
      delete pod(d).topologySpreadConstraints;
      const term = { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'topology.kubernetes.io/zone' };
      pod(d).affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
    };
    expect(mutated(antiAffinity)).toEqual([]);
    expect(mutated((d) => ((d.spec.replicas = 1), delete pod(d).topologySpreadConstraints))).toEqual(['single-replica']);
  });
  test('allowed AppArmor annotations, digests without Always and the newer safe sysctls pass', () => {
    expect(
      mutated((d) => {
        d.spec.template.metadata.annotations = {
          'container.apparmor.security.beta.kubernetes.io/web': 'runtime/default',
          'container.apparmor.security.beta.kubernetes.io/migrate': 'localhost/migrate',
        };
        web(d).imagePullPolicy = 'IfNotPresent';
        pod(d).securityContext.sysctls = [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }];
      }),
    ).toEqual([]);
  });
  test('every rule in the catalogue has a known answer above', () => {
    const covered = new Set([...CASES.flatMap((c) => c[2]), 'pod-disruption-budget', 'registry-pull-secret']);
    expect(RULE_IDS.filter((r) => !covered.has(r))).toEqual([]);
  });
});

describe('registry-pull-secret: the org’s registries as context', () => {
  const REGISTRIES = [
    { server: 'registry.example.com', secretName: 'example-pull' },
    { server: 'docker.io', secretName: 'hub-pull' },
  ];
  const withRegistries = (change: (dep: Json) => void, registries = REGISTRIES): RuleId[] => {
    const [dep] = goodDocs();
    change(dep);
    // Only this rule: changing an image may move image-tag or image-pull-policy too.
    return ids(policyInputFromManifest(dep, { environment: 'production', hasPdb: true, registries })!).filter((id) => id === 'registry-pull-secret');
  };

  test('an image from a held registry with no imagePullSecrets is flagged, naming each container and the Secret', () => {
    const [dep] = goodDocs();
    expect(ids(policyInputFromManifest(dep, { environment: 'production', hasPdb: true, registries: REGISTRIES })!)).toEqual(['registry-pull-secret']);
    const [finding] = evaluatePolicies(policyInputFromManifest(dep, { environment: 'production', hasPdb: true, registries: REGISTRIES })!);
    expect(finding.containers).toEqual(['web', 'migrate']);
    expect(finding.message).toBe(
      'Containers "web" pulls from registry.example.com without imagePullSecrets "example-pull"; "migrate (init)" pulls from registry.example.com without imagePullSecrets "example-pull"',
    );
  });
  test('the pod referencing the registry’s Secret passes; another Secret does not count', () => {
    expect(withRegistries((d) => (pod(d).imagePullSecrets = [{ name: 'example-pull' }]))).toEqual([]);
    expect(withRegistries((d) => (pod(d).imagePullSecrets = [{ name: 'someone-else' }]))).toEqual(['registry-pull-secret']);
  });
  test('images from registries Niro holds nothing for, and no context at all (runtime), are not flagged', () => {
    expect(withRegistries((d) => ((web(d).image = 'ghcr.io/acme/web:1.4.2'), (migrate(d).image = 'quay.io/acme/migrate@sha256:abc')))).toEqual([]);
    expect(withRegistries(() => {}, [])).toEqual([]);
    expect(mutated(() => {})).toEqual([]);
  });
  test('Docker Hub: an image without a host is docker.io', () => {
    expect(withRegistries((d) => ((web(d).image = 'acme/web:1.4.2'), (pod(d).imagePullSecrets = [{ name: 'example-pull' }])))).toEqual([
      'registry-pull-secret',
    ]);
    expect(withRegistries((d) => ((web(d).image = 'nginx:1.27'), (pod(d).imagePullSecrets = [{ name: 'example-pull' }, { name: 'hub-pull' }])))).toEqual([]);
  });
  test('the YAML stream passes the context to every workload', () => {
    const { inputs } = policyInputsFromYaml(data('good-deployment.yaml'), { environment: 'production', registries: REGISTRIES });
    expect(inputs.map(ids)).toEqual([['registry-pull-secret']]);
  });
});

describe('real pod JSON and manifests', () => {
  const podInput = (f: string, environment: Environment = 'production') => policyInputFromManifest(JSON.parse(data(f)), { environment })!;

  test('k3s coredns pod: runAsNonRoot and seccomp missing ("all" drops ALL); its token and tagged image advisories', () => {
    expect(ids(podInput('coredns-pod.json'))).toEqual(['run-as-non-root', 'seccomp-profile', 'automount-service-account-token', 'image-pull-policy']);
  });
  test('k3s svclb-traefik pod (klipper-lb): host ports, NET_ADMIN, an unsafe sysctl, no resources or probes', () => {
    const findings = evaluatePolicies(podInput('svclb-traefik-pod.json'));
    expect(findings.map((f) => f.ruleId)).toEqual([
      'host-ports',
      'privilege-escalation',
      'run-as-non-root',
      'dangerous-capabilities',
      'capabilities-drop-all',
      'seccomp-profile',
      'unsafe-sysctls',
      'read-only-root-filesystem',
      'cpu-requests',
      'memory-requests',
      'memory-limit',
      'liveness-probe',
      'readiness-probe',
      'image-pull-policy',
    ]);
    const caps = findings.find((f) => f.ruleId === 'dangerous-capabilities')!;
    expect(caps.containers).toEqual(['lb-tcp-80', 'lb-tcp-443']);
    expect(caps.message).toBe('Containers "lb-tcp-80", "lb-tcp-443": capabilities added beyond the baseline (NET_ADMIN)');
    expect(findings.find((f) => f.ruleId === 'unsafe-sysctls')!.message).toBe('The pod sets unsafe sysctls: net.ipv4.ip_forward');
  });
  test('a pod with a privileged ephemeral debug container: PSS covers ephemeral containers', () => {
    const findings = evaluatePolicies(podInput('debug-pod.json'));
    expect(findings.map((f) => f.ruleId)).toEqual([
      'privileged',
      'privilege-escalation',
      'run-as-non-root',
      'run-as-uid-0',
      'capabilities-drop-all',
      'automount-service-account-token',
      'image-pull-policy',
      'priority-class',
    ]);
    expect(findings[0].message).toBe('Container "debugger-7k2xq (ephemeral)": privileged');
  });
  test('the workloads stream: DaemonSet, Deployment, CronJob, StatefulSet, Job', () => {
    const { inputs, errors } = policyInputsFromYaml(data('workloads.yaml'), { environment: 'production' });
    expect(errors).toEqual([]);
    const byName = Object.fromEntries(inputs.map((i) => [`${i.kind}/${i.name}`, ids(i)]));
    expect(byName).toEqual({
      'DaemonSet/node-exporter': [
        'host-namespaces',
        'host-path-volumes',
        'host-ports',
        'seccomp-profile',
        'restricted-volume-types',
        'automount-service-account-token',
        'image-pull-policy',
        'priority-class',
      ],
      'Deployment/legacy-billing': [
        'privileged',
        'host-namespaces',
        'privilege-escalation',
        'run-as-non-root',
        'run-as-uid-0',
        'dangerous-capabilities',
        'capabilities-drop-all',
        'seccomp-profile',
        'proc-mount',
        'read-only-root-filesystem',
        'automount-service-account-token',
        'cpu-requests',
        'memory-requests',
        'memory-limit',
        'liveness-probe',
        'readiness-probe',
        'image-tag',
        'single-replica',
        'priority-class',
      ],
      'CronJob/nightly-report': ['automount-service-account-token', 'image-tag', 'priority-class'],
      'StatefulSet/postgres': ['read-only-root-filesystem', 'automount-service-account-token', 'image-pull-policy', 'single-replica', 'priority-class'],
      'Job/db-migrate': ['restricted-volume-types', 'automount-service-account-token', 'image-pull-policy', 'priority-class'],
    });
    const legacy = evaluatePolicies(inputs.find((i) => i.name === 'legacy-billing')!);
    expect(legacy.find((f) => f.ruleId === 'dangerous-capabilities')!.message).toEndWith('(SYS_ADMIN, NET_RAW)');
    expect(legacy.find((f) => f.ruleId === 'host-namespaces')!.message).toBe('The pod sets hostIPC');
  });
  test('a broken YAML document is reported, the others still evaluated', () => {
    const { inputs, errors } = policyInputsFromYaml(`kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: "x:1"}]}\n---\nkind: [unclosed\n`, {
      environment: 'dev',
    });
    expect(inputs.map((i) => i.name)).toEqual(['a']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith('document 2:');
  });
  test('garbage instead of a spec never throws: wrong types count as not set', () => {
    const input = policyInputFromManifest(
      { kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 1, securityContext: 'x', ports: 'y' }, 'z'], volumes: 7 } },
      { environment: 'dev' },
    )!;
    expect(() => evaluatePolicies(input)).not.toThrow();
    expect(policyInputFromManifest({ kind: 'ConfigMap' }, { environment: 'dev' })).toBeNull();
  });
});

describe('severity by environment', () => {
  test('the table: production raises one step, dev lowers one, staging and unspecified keep', () => {
    expect(SEVERITY_BY_ENVIRONMENT).toEqual({
      production: { low: 'medium', medium: 'high', high: 'high' },
      staging: { low: 'low', medium: 'medium', high: 'high' },
      unspecified: { low: 'low', medium: 'medium', high: 'high' },
      dev: { low: 'low', medium: 'low', high: 'medium' },
    });
    expect(severityFor('medium', 'production')).toBe('high');
  });
  test('a finding carries the adjusted severity', () => {
    const dep = goodDocs()[0];
    delete dep.spec.template.spec.containers[0].livenessProbe; // base low
    const at = (environment: Environment) => evaluatePolicies(policyInputFromManifest(dep, { environment, hasPdb: true })!)[0].severity;
    expect([at('production'), at('staging'), at('dev')]).toEqual(['medium', 'low', 'low']);
  });
});

test('every rule has an id, a category, a title, why it matters and fix YAML that parses', () => {
  for (const r of RULES) {
    expect(r.title.length).toBeGreaterThan(0);
    expect(r.why.length).toBeGreaterThan(20);
    expect(() => parse(r.fix)).not.toThrow();
  }
  expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
});

test('floating images', () => {
  expect(['nginx', 'nginx:latest', 'localhost:5000/app', 'ghcr.io/a/b:'].map(floatingImage)).toEqual([true, true, true, true]);
  expect(['nginx:1.27', 'localhost:5000/app:2', 'app@sha256:abc', 'app:latest@sha256:abc'].map(floatingImage)).toEqual([false, false, false, false]);
});

test('disabled rules are skipped; a stored workload without its template gives no input; many at once', () => {
  const dep = goodDocs()[0];
  dep.spec.replicas = 1;
  const input = policyInputFromManifest(dep, { environment: 'production', hasPdb: true })!;
  expect(evaluatePolicies(input, new Set(['single-replica']))).toEqual([]);
  const w = { kind: 'DaemonSet' as const, namespace: 'a', name: 'b', desired: 3, labels: {}, template: null, hasPdb: false };
  expect(policyInputFromWorkload(w, 'dev')).toBeNull();
  const withTpl = policyInputFromWorkload({ ...w, template: { labels: {}, spec: dep.spec.template.spec } }, 'production')!;
  expect(withTpl.replicas).toBeNull();
  expect(evaluateWorkloads([input, withTpl]).map((f) => f.map((x) => x.ruleId))).toEqual([['single-replica'], []]);
});
