// Checks the installer and the agent manifests: shellcheck-clean, embedded manifests identical to
// deploy/agent/*.yaml, RBAC exactly as documented, hardened Deployment, and install.sh's behaviour
// (token Secret, NIRO_ENABLE_*=1|0|unset, restart on changed settings) driven through a recording kubectl.
import { afterAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderInstallScript } from '../src/http/install-script.ts';
import { MANAGED_KINDS } from '../src/contract/index.ts';

const here = new URL('.', import.meta.url).pathname;
const script = readFileSync(join(here, 'install.sh'), 'utf8');
const manifestFiles = ['namespace', 'rbac', 'deployment', 'capability-logs', 'capability-apply', 'capability-self-update'];
const readManifest = (name: string): string => readFileSync(join(here, 'agent', `${name}.yaml`), 'utf8');

interface KubeDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
  // Loosely typed: the Deployment is inspected by path below.
  spec?: Record<string, unknown>;
}
const docs = (text: string): KubeDoc[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubeDoc)
    .filter(Boolean);
const rbac = docs(readManifest('rbac'));
const find = (kind: string, name: string): KubeDoc => {
  const found = rbac.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} missing`);
  return found;
};

describe('script', () => {
  test('shellcheck is clean', () => {
    const shellcheck = Bun.which('shellcheck');
    if (!shellcheck) return; // The CI image installs it; a bare machine skips this check.
    const run = Bun.spawnSync([shellcheck, '--shell=sh', join(here, 'install.sh')]);
    expect(run.stdout.toString() + run.stderr.toString()).toBe('');
    expect(run.exitCode).toBe(0);
  });

  test('embedded manifests are byte for byte the files of deploy/agent', () => {
    for (const [fn, file] of [
      ['namespace', 'namespace'],
      ['rbac', 'rbac'],
      ['deployment', 'deployment'],
      ['capability_logs', 'capability-logs'],
      ['capability_apply', 'capability-apply'],
      ['capability_self_update', 'capability-self-update'],
    ] as const) {
      const match = new RegExp(`manifest_${fn}\\(\\) \\{\\n  cat <<'NIRO_EOF'\\n([\\s\\S]*?)NIRO_EOF\\n\\}`).exec(script);
      expect(match?.[1]).toBe(readManifest(file));
    }
  });

  test('the only placeholders are the two the server fills', () => {
    expect([...new Set(script.match(/__[A-Z_]+__/g))].sort()).toEqual(['__AGENT_IMAGE__', '__NIRO_URL__']);
  });
});

describe('manifests', () => {
  test('every file parses as Kubernetes objects in niro-system', () => {
    for (const name of manifestFiles) {
      for (const doc of docs(readManifest(name))) {
        expect(doc.kind).toBeTruthy();
        if (doc.metadata.namespace) expect(doc.metadata.namespace).toBe('niro-system');
      }
    }
  });

  test('the default role is exactly the documented read-only rules', () => {
    expect(find('ClusterRole', 'niro-agent').rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods', 'namespaces', 'events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['nodes', 'pods'], verbs: ['get', 'list'] },
    ]);
    expect(find('ClusterRoleBinding', 'niro-agent').subjects).toEqual([{ kind: 'ServiceAccount', name: 'niro-agent', namespace: 'niro-system' }]);
  });

  test('the key Secret role reads and updates only niro-agent-key', () => {
    const rules = find('Role', 'niro-agent-key').rules!;
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], resourceNames: ['niro-agent-key'], verbs: ['get', 'update'] });
    expect(rules.filter((r) => !r.resourceNames).flatMap((r) => r.verbs)).toEqual(['create']);
  });

  test('opt-in roles: logs, apply without namespaces, self-update of the own Deployment only', () => {
    expect(find('ClusterRole', 'niro-agent-logs').rules).toContainEqual({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] });
    const apply = find('ClusterRole', 'niro-agent-apply').rules!;
    // Namespaces may be created or patched by an apply, never deleted.
    expect(apply.filter((r) => r.resources.includes('namespaces'))).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'update', 'patch'] },
    ]);
    const managed = apply.filter((r) => !r.resources.includes('namespaces'));
    // Every kind the agent watches for drift can be listed and watched (and is nothing more than those kinds).
    expect(managed.flatMap((r) => r.resources).sort()).toEqual(MANAGED_KINDS.map((k) => k.resource).sort());
    for (const kind of MANAGED_KINDS) {
      const rule = managed.find((r) => r.resources.includes(kind.resource))!;
      expect(rule.apiGroups).toEqual([kind.group]);
      expect(rule.verbs).toEqual(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
    }
    expect(find('Role', 'niro-agent-self-update').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['niro-agent'], verbs: ['get', 'patch'] },
    ]);
    for (const [file, kind, role] of [
      ['capability-logs', 'ClusterRoleBinding', 'niro-agent-logs'],
      ['capability-apply', 'ClusterRoleBinding', 'niro-agent-apply'],
      ['capability-self-update', 'RoleBinding', 'niro-agent-self-update'],
    ] as const) {
      const [binding] = docs(readManifest(file));
      expect([binding!.kind, binding!.metadata.name, binding!.roleRef!.name]).toEqual([kind, role, role]);
    }
  });

  test('the Deployment is hardened and passes the cluster CA to Bun', () => {
    const [deployment] = docs(readManifest('deployment'));
    interface EnvVar {
      name: string;
      value?: string;
      valueFrom?: { configMapKeyRef?: unknown; secretKeyRef?: unknown };
    }
    interface PodSpec {
      serviceAccountName: string;
      securityContext: Record<string, unknown>;
      containers: { securityContext: unknown; resources: { requests?: unknown; limits: { memory?: string } }; env: EnvVar[] }[];
    }
    const pod = (deployment!.spec as { template: { spec: PodSpec } }).template.spec;
    const container = pod.containers[0]!;
    expect(pod.serviceAccountName).toBe('niro-agent');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toBeTruthy();
    expect(container.resources.limits.memory).toBeTruthy();
    const env = new Map(container.env.map((e) => [e.name, e]));
    expect(env.get('NODE_EXTRA_CA_CERTS')?.value).toBe('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    expect(env.get('NIRO_URL')?.valueFrom?.configMapKeyRef).toEqual({ name: 'niro-agent-config', key: 'NIRO_URL' });
    expect(env.get('NIRO_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'niro-enrollment', key: 'token', optional: true });
  });

  test('the image is distroless, non-root, with the CA variable', () => {
    const dockerfile = readFileSync(join(here, 'agent', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('FROM oven/bun:1.4 AS build');
    expect(dockerfile).toMatch(/FROM gcr\.io\/distroless\/cc-debian12:nonroot/);
    expect(dockerfile).toContain('ENV NODE_EXTRA_CA_CERTS=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    expect(dockerfile).toContain('USER 65532:65532');
  });
});

// A kubectl that records its arguments and stdin; answers like kubectl for the calls install.sh makes.
const FAKE_KUBECTL = `#!/bin/sh
dir="$FAKE_KUBE_DIR"
printf '%s\\n' "$*" >> "$dir/calls"
case "$*" in
  "get --raw /version") echo '{"gitVersion":"v1.31.4+k3s1"}' ;;
  "apply -f -")
    n=$(ls "$dir" | grep -c '^apply-' || true)
    cat > "$dir/apply-$n.yaml"
    echo "object/applied \${FAKE_APPLY_VERB:-created}" ;;
  "create -f -") cat > "$dir/created.yaml" ;;
  *"get secret niro-enrollment"*) [ -f "$dir/token" ] && cat "$dir/token" || exit 1 ;;
  *"get deployment niro-agent"*) [ -f "$dir/deployment" ] || exit 1 ;;
esac
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function served(url = 'https://niro.example.com', image = 'registry.example.com/niro/agent:0.4.0'): string {
  // The control plane's own rendering of GET /install.sh (src/http/install-script.ts); the end-to-end
  // test (src/agent-e2e) fetches it over HTTP from a running control plane.
  return renderInstallScript(script, url, image);
}

function runInstaller(env: Record<string, string>, setup: (dir: string) => void = () => undefined, body: string = served()) {
  const dir = mkdtempSync(join(tmpdir(), 'niro-install-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'kubectl'), FAKE_KUBECTL);
  chmodSync(join(dir, 'kubectl'), 0o755);
  setup(dir);
  const run = Bun.spawnSync(['sh', '-s'], {
    stdin: new TextEncoder().encode(body),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECTL: join(dir, 'kubectl'), FAKE_KUBE_DIR: dir, ...env },
  });
  const calls = existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  const applied = calls.filter((c) => c === 'apply -f -').map((_, i) => readFileSync(join(dir, `apply-${i}.yaml`), 'utf8'));
  const created = existsSync(join(dir, 'created.yaml')) ? readFileSync(join(dir, 'created.yaml'), 'utf8') : null;
  return { exitCode: run.exitCode, stderr: run.stderr.toString(), calls, applied, created };
}

const appliedNames = (applied: string[]): string[] => applied.flatMap((text) => docs(text).map((d) => `${d.kind}/${d.metadata.name}`));

describe('install.sh', () => {
  test('refuses to run unless served by a control plane', () => {
    const run = runInstaller({}, () => undefined, script);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('not served by a Niro control plane');
    expect(run.calls).toEqual([]);
  });

  test('rejects a bad flag value before touching the cluster', () => {
    const run = runInstaller({ NIRO_ENABLE_LOGS: 'yes' });
    expect([run.exitCode, run.calls]).toEqual([1, []]);
    expect(run.stderr).toContain('NIRO_ENABLE_LOGS must be 1');
  });

  test('first install: manifests, config, token Secret by create (stdin only), logs granted, apply revoked', () => {
    const run = runInstaller({ NIRO_TOKEN: 'niro_et_s3cret', NIRO_ENABLE_LOGS: '1', NIRO_ENABLE_APPLY: '0', NIRO_MAX_PODS: '800' });
    expect(run.exitCode).toBe(0);
    expect(appliedNames(run.applied)).toEqual([
      'Namespace/niro-system',
      ...rbac.map((d) => `${d.kind}/${d.metadata.name}`),
      'ConfigMap/niro-agent-config',
      'Deployment/niro-agent',
      'ClusterRoleBinding/niro-agent-logs',
    ]);
    const config = docs(run.applied[2]!)[0] as unknown as { data: Record<string, string> };
    expect(config.data).toEqual({ NIRO_URL: 'https://niro.example.com', NIRO_LOG_LEVEL: 'info', NIRO_MAX_PODS: '800' });
    expect(run.applied[3]).toContain('image: registry.example.com/niro/agent:0.4.0');
    const secret = docs(run.created!)[0] as unknown as { kind: string; metadata: { name: string }; data: { token: string } };
    expect([secret.kind, secret.metadata.name, Buffer.from(secret.data.token, 'base64').toString()]).toEqual(['Secret', 'niro-enrollment', 'niro_et_s3cret']);
    expect(run.calls).toContain('delete clusterrolebinding niro-agent-apply --ignore-not-found');
    expect(run.calls.join('\n')).not.toContain('niro_et_s3cret');
    expect(run.stderr).not.toContain('niro_et_s3cret');
    expect(run.calls.some((c) => c.includes('rollout restart'))).toBe(false);
  });

  test('re-run with only a flag: no token needed, unset flags leave bindings alone, no restart', () => {
    const run = runInstaller({ NIRO_ENABLE_SELF_UPDATE: '1' }, (dir) => writeFileSync(join(dir, 'deployment'), ''), served());
    expect(run.exitCode).toBe(0);
    expect(appliedNames(run.applied).at(-1)).toBe('RoleBinding/niro-agent-self-update');
    expect(run.calls.some((c) => c.includes('niro-agent-logs') || c.includes('niro-agent-apply'))).toBe(false);
    expect(run.created).toBeNull();
    expect(run.calls.some((c) => c.includes('rollout restart'))).toBe(false);
  });

  test('revoking self-update deletes its RoleBinding in niro-system', () => {
    const run = runInstaller({ NIRO_ENABLE_SELF_UPDATE: '0' });
    expect(run.calls).toContain('-n niro-system delete rolebinding niro-agent-self-update --ignore-not-found');
  });

  test('the same token again changes nothing; a new token replaces the Secret and restarts the agent', () => {
    const same = Buffer.from('niro_et_1').toString('base64');
    const unchanged = runInstaller({ NIRO_TOKEN: 'niro_et_1', FAKE_APPLY_VERB: 'unchanged' }, (dir) => {
      writeFileSync(join(dir, 'token'), same);
      writeFileSync(join(dir, 'deployment'), '');
    });
    expect([unchanged.exitCode, unchanged.created]).toEqual([0, null]);
    expect(unchanged.calls.some((c) => c.includes('rollout restart'))).toBe(false);

    const replaced = runInstaller({ NIRO_TOKEN: 'niro_et_2', FAKE_APPLY_VERB: 'unchanged' }, (dir) => {
      writeFileSync(join(dir, 'token'), same);
      writeFileSync(join(dir, 'deployment'), '');
    });
    expect(replaced.exitCode).toBe(0);
    expect(replaced.calls).toContain('-n niro-system delete secret niro-enrollment --ignore-not-found');
    expect(replaced.created).toContain(Buffer.from('niro_et_2').toString('base64'));
    expect(replaced.calls).toContain('-n niro-system rollout restart deployment/niro-agent');
  });

  test('a changed URL restarts an existing agent', () => {
    const run = runInstaller({ FAKE_APPLY_VERB: 'configured' }, (dir) => writeFileSync(join(dir, 'deployment'), ''), served('https://niro2.example.com'));
    expect(run.calls).toContain('-n niro-system rollout restart deployment/niro-agent');
  });
});

describe('install.sh with the real kubectl against the simulator', () => {
  const kubectl = Bun.which('kubectl');

  test('installs, grants and revokes capabilities, keeps the token out of annotations', async () => {
    if (!kubectl) return; // kubectl missing on this machine: the recorded-kubectl tests above still ran.
    const { startSimulator } = await import('../sim/index.ts');
    const sim = await startSimulator({ pods: 20, tickMs: 0 });
    try {
      // The installer runs as the cluster's admin, like an operator would.
      const wrapper = join(sim.dir, 'kubectl-admin');
      writeFileSync(wrapper, `#!/bin/sh\nexec ${kubectl} --kubeconfig ${sim.kubeconfigPath} --context ${sim.name}-admin "$@"\n`);
      chmodSync(wrapper, 0o755);
      // Async spawn: the simulator answers from this same process.
      const install = async (env: Record<string, string>): Promise<{ exitCode: number; stderr: string }> => {
        const run = Bun.spawn(['sh', '-s'], {
          stdin: new TextEncoder().encode(served()),
          // HOME: kubectl keeps a discovery cache under it, which belongs in the throwaway directory.
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: sim.dir, KUBECTL: wrapper, ...env },
          stdout: 'pipe',
          stderr: 'pipe',
        });
        const stderr = await new Response(run.stderr).text();
        return { exitCode: await run.exited, stderr };
      };

      const first = await install({ NIRO_TOKEN: 'niro_et_sim', NIRO_ENABLE_LOGS: '1' });
      expect(first.exitCode).toBe(0);
      const role = sim.get('rbac.authorization.k8s.io/clusterroles', undefined, 'niro-agent') as unknown as KubeDoc;
      expect(role.rules).toEqual(find('ClusterRole', 'niro-agent').rules);
      const config = sim.get('configmaps', 'niro-system', 'niro-agent-config') as unknown as { data: Record<string, string> };
      expect(config.data.NIRO_URL).toBe('https://niro.example.com');
      const secret = sim.get('secrets', 'niro-system', 'niro-enrollment') as unknown as {
        data: { token: string };
        metadata: { annotations?: Record<string, string> };
      };
      expect(Buffer.from(secret.data.token, 'base64').toString()).toBe('niro_et_sim');
      expect(JSON.stringify(secret.metadata.annotations ?? {})).not.toContain('niro_et_sim');
      expect(sim.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'niro-agent-logs')).not.toBeNull();
      const deployment = sim.get('apps/deployments', 'niro-system', 'niro-agent') as unknown as {
        spec: { template: { spec: { containers: { name: string; image: string }[] } } };
      };
      const container = deployment.spec.template.spec.containers.find((c) => c.name === 'niro-agent');
      expect(container?.image).toBe('registry.example.com/niro/agent:0.4.0');

      const second = await install({ NIRO_ENABLE_LOGS: '0', NIRO_ENABLE_APPLY: '1' });
      expect(second.exitCode).toBe(0);
      expect(sim.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'niro-agent-logs')).toBeNull();
      expect(sim.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'niro-agent-apply')).not.toBeNull();
      expect(second.stderr).not.toContain('rollout');
    } finally {
      await sim.stop();
    }
  });
});
