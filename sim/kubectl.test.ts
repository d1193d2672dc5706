// Fidelity check: the real kubectl, over HTTPS with the simulator's CA and the agent's token, accepts the simulator.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startSimulator } from './index.ts';
import { waitFor } from './testing.ts';

const kubectlPath = Bun.which('kubectl');

let sim: Simulator;
let cacheDir: string;

beforeAll(async () => {
  sim = await startSimulator({ name: 'kind-of-k3s', nodes: 3, pods: 60, seed: 11, tickMs: 0, evolve: false });
  // A private discovery cache: kubectl otherwise caches per host:port under $HOME for hours.
  cacheDir = await mkdtemp(join(tmpdir(), 'kubectl-cache-'));
});

afterAll(async () => {
  await sim.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

function kubectlArgs(args: string[]): string[] {
  return [kubectlPath!, '--kubeconfig', sim.kubeconfigPath, '--cache-dir', cacheDir, '--request-timeout', '10s', ...args];
}

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(kubectlArgs(args), { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

async function kubectlOk(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

function firstPod(prefix: string, namespace: string): string {
  const pod = sim.list('pods', namespace).find((p) => p.metadata.name.startsWith(prefix));
  if (!pod) throw new Error(`no ${prefix} pod in ${namespace}`);
  return pod.metadata.name;
}

describe.skipIf(!kubectlPath)('kubectl against the simulator', () => {
  test('get pods -A prints every pod with kubectl-style STATUS', async () => {
    const out = await kubectlOk('get', 'pods', '-A');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines).toHaveLength(61);
    expect(out).toContain(firstPod('coredns-', 'kube-system'));
    for (const status of ['Running', 'CrashLoopBackOff', 'ImagePullBackOff', 'Pending', 'Completed', 'Evicted', 'Terminating']) expect(out).toContain(status);
    expect(out).toMatch(/CrashLoopBackOff\s+\d+ \(\d+s ago\)/);
  });

  test('get nodes', async () => {
    const out = await kubectlOk('get', 'nodes');
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(out).toMatch(/kind-of-k3s-server-0\s+Ready\s+control-plane,master\s+\S+\s+v1\.31\.4\+k3s1/);
    expect(out.trimEnd().split('\n')).toHaveLength(4);
  });

  test('get events -A', async () => {
    const out = await kubectlOk('get', 'events', '-A');
    expect(out).toMatch(/^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(out).toMatch(/Warning\s+BackOff\s+pod\/ledger-sync-/);
    expect(out).toMatch(/Warning\s+FailedScheduling\s+pod\/search-indexer-/);
  });

  test('get deployments -A', async () => {
    const out = await kubectlOk('get', 'deployments', '-A');
    expect(out).toMatch(/^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(out).toMatch(/kube-system\s+coredns\s+1\/1\s+1\s+1/);
    expect(out).toMatch(/niro-system\s+niro-agent\s+1\/1/);
    expect(out).toMatch(/payments\s+ledger-sync\s+0\/1/);
  });

  test('get pdb -A prints the disruption budget columns', async () => {
    sim.tick();
    const out = await kubectlOk('get', 'pdb', '-A');
    expect(out).toMatch(/^NAMESPACE\s+NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE/);
    expect(out).toMatch(/shop\s+web\s+2\s+N\/A\s+1\s+\d+d/);
    const yaml = await kubectlOk('get', 'pdb', 'web', '-n', 'shop', '-o', 'jsonpath={.status.expectedPods}/{.status.currentHealthy}/{.status.desiredHealthy}');
    expect(yaml).toBe('3/3/2');
  });

  test('get deploy,sts,ds -A prints each kind with its counts', async () => {
    const out = await kubectlOk('get', 'deploy,sts,ds', '-A');
    expect(out).toMatch(/NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(out).toMatch(/shop\s+deployment\.apps\/web\s+3\/3\s+3\s+3/);
    expect(out).toMatch(/NAMESPACE\s+NAME\s+READY\s+AGE/);
    expect(out).toMatch(/data\s+statefulset\.apps\/postgres\s+1\/1/);
    expect(out).toMatch(/NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/);
    expect(out).toMatch(/monitoring\s+daemonset\.apps\/node-exporter\s+3\s+3\s+3\s+3\s+3/);
  });

  test('incident scenarios show in kubectl as they would on a cluster, and their fixes clear them', async () => {
    // A watch (list, then watch from its resourceVersion) sees the scenario's Deployment arrive and change.
    const watcher = Bun.spawn(kubectlArgs(['get', 'deployments', '-n', 'incidents', '--watch', '--output-watch-events']), {
      stdout: 'pipe',
      stderr: 'pipe',
      stdin: 'ignore',
    });
    const crash = sim.startScenario('crashloop', { replicas: 10 });
    const unavailable = sim.startScenario('workload-unavailable', { kind: 'StatefulSet', name: 'ledger', replicas: 3, ready: 1 });
    const notReady = sim.startScenario('node-not-ready', { node: 'kind-of-k3s-agent-2' });
    const pressure = sim.startScenario('node-pressure', { node: 'kind-of-k3s-agent-1', pressures: ['DiskPressure'] });
    try {
      expect(await kubectlOk('get', 'deployment', 'payments-worker', '-n', 'incidents')).toMatch(/payments-worker\s+0\/10\s+10\s+0/);
      const pods = await kubectlOk('get', 'pods', '-n', 'incidents', '-l', 'app=payments-worker');
      expect(pods.trimEnd().split('\n')).toHaveLength(11);
      expect(pods).toMatch(/CrashLoopBackOff\s+\d+ \(\S+ ago\)/);
      expect(await kubectlOk('get', 'statefulset', 'ledger', '-n', 'incidents')).toMatch(/ledger\s+1\/3/);
      const nodes = await kubectlOk('get', 'nodes');
      expect(nodes).toMatch(/kind-of-k3s-agent-2\s+NotReady/);
      const disk = await kubectlOk('get', 'node', 'kind-of-k3s-agent-1', '-o', 'jsonpath={.status.conditions[?(@.type=="DiskPressure")].status}');
      expect(disk).toBe('True');

      await waitFor('kubectl to watch', () => sim.stats().openWatches > 0, 10_000);
      for (const target of [crash, unavailable, notReady, pressure]) expect(sim.fixScenario(target)).toBe(true);
      sim.tick();
      expect(await kubectlOk('get', 'deployment', 'payments-worker', '-n', 'incidents')).toMatch(/payments-worker\s+10\/10\s+10\s+10/);
      expect(await kubectlOk('get', 'statefulset', 'ledger', '-n', 'incidents')).toMatch(/ledger\s+3\/3/);
      expect(await kubectlOk('get', 'nodes')).not.toContain('NotReady');

      const reader = watcher.stdout.getReader();
      const decoder = new TextDecoder();
      let watched = '';
      await waitFor(
        'the watch to show the Deployment fixed',
        async () => {
          const { value } = await reader.read();
          watched += decoder.decode(value);
          return /MODIFIED\s+payments-worker\s+10\/10/.test(watched);
        },
        10_000,
      );
      expect(watched).toMatch(/ADDED\s+payments-worker\s+0\/10/);
    } finally {
      watcher.kill();
      await watcher.exited;
    }
  });

  test('auth can-i follows the RBAC posture', async () => {
    expect(await kubectl('auth', 'can-i', 'list', 'pods')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await kubectl('auth', 'can-i', 'get', 'pods', '--subresource=log')).toMatchObject({ code: 1, stdout: 'no\n' });
    sim.setRbac({ logs: true });
    try {
      expect(await kubectl('auth', 'can-i', 'get', 'pods', '--subresource=log')).toMatchObject({ code: 0, stdout: 'yes\n' });
    } finally {
      sim.setRbac({ logs: false });
    }
    expect(await kubectl('auth', 'can-i', 'get', 'pods', '--subresource=log')).toMatchObject({ code: 1, stdout: 'no\n' });
  });

  test('logs needs the logs grant, then prints the container log', async () => {
    const pod = firstPod('web-', 'shop');
    const denied = await kubectl('logs', pod, '-n', 'shop');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('cannot get resource "pods/log"');
    sim.setRbac({ logs: true });
    try {
      sim.emitLines('shop', pod, 'nginx', ['hello from the simulator']);
      const out = await kubectlOk('logs', pod, '-n', 'shop', '--tail=1');
      expect(out).toBe('hello from the simulator\n');
      const previous = await kubectlOk('logs', firstPod('ledger-sync-', 'payments'), '-n', 'payments', '--previous');
      expect(previous).toContain('Traceback (most recent call last):');
    } finally {
      sim.setRbac({ logs: false });
    }
  });

  test('logs -f streams new lines until kubectl is killed, and the request closes', async () => {
    const pod = firstPod('web-', 'shop');
    sim.setRbac({ logs: true });
    const child = Bun.spawn(kubectlArgs(['logs', '-f', pod, '-n', 'shop', '--tail=0']), { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' });
    try {
      await waitFor('kubectl to open the follow request', () => sim.openLogRequests() === 1, 10_000);
      const reader = child.stdout.getReader();
      const decoder = new TextDecoder();
      let out = '';
      sim.emitLines('shop', pod, 'nginx', ['follow 1', 'follow 2', 'follow 3']);
      await waitFor(
        'the followed lines',
        async () => {
          const { value } = await reader.read();
          out += decoder.decode(value);
          return out.includes('follow 3');
        },
        10_000,
      );
      expect(out).toContain('follow 1\nfollow 2\nfollow 3\n');
      child.kill();
      await child.exited;
      await waitFor('the server to close the follow request', () => sim.openLogRequests() === 0, 10_000);
    } finally {
      child.kill();
      sim.setRbac({ logs: false });
    }
  });

  test('apply --server-side through the agent context needs the apply grant', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    const file = join(dir, 'app.yaml');
    await Bun.write(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: greeter\n  namespace: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: greeter}\n  template:\n    metadata:\n      labels: {app: greeter}\n    spec:\n      containers:\n      - name: greeter\n        image: nginx:1.27.3-alpine\n',
    );
    try {
      const denied = await kubectl('apply', '--server-side', '--field-manager', 'niro', '-f', file);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('forbidden');
      sim.setRbac({ apply: true });
      const out = await kubectlOk('apply', '--server-side', '--field-manager', 'niro', '-f', file);
      expect(out).toContain('deployment.apps/greeter serverside-applied');
      sim.tick();
      expect(await kubectlOk('get', 'deployment', 'greeter', '-n', 'shop')).toMatch(/greeter\s+2\/2\s+2\s+2/);
      expect(await kubectlOk('delete', 'deployment', 'greeter', '-n', 'shop')).toContain('deleted');
      const namespace = await kubectl('delete', 'namespace', 'shop');
      expect(namespace.code).toBe(1);
      expect(namespace.stderr).toContain('forbidden');
    } finally {
      sim.setRbac({ apply: false });
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a server-side dry run (apply, server-side apply, delete) stores and removes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    const file = join(dir, 'dry.yaml');
    await Bun.write(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: shop\ndata:\n  mode: fast\n');
    sim.setRbac({ apply: true });
    try {
      expect(await kubectlOk('apply', '--dry-run=server', '-f', file)).toBe('configmap/dry created (server dry run)\n');
      expect(await kubectlOk('apply', '--server-side', '--field-manager', 'niro', '--dry-run=server', '-f', file)).toBe(
        'configmap/dry serverside-applied (server dry run)\n',
      );
      expect(sim.get('configmaps', 'shop', 'dry')).toBeNull();
      expect(await kubectlOk('delete', 'deployment', 'web', '-n', 'shop', '--dry-run=server')).toBe('deployment.apps "web" deleted (server dry run)\n');
      expect(sim.get('apps/deployments', 'shop', 'web')).not.toBeNull();
    } finally {
      sim.setRbac({ apply: false });
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('get pods -w (with and without --output-watch-events) prints pods added, changed and deleted', async () => {
    const spawnWatch = (...extra: string[]): ReturnType<typeof Bun.spawn> =>
      Bun.spawn(kubectlArgs(['--context', 'kind-of-k3s-admin', 'get', 'pods', '-n', 'watched', '-w', ...extra]), {
        stdout: 'pipe',
        stderr: 'pipe',
        stdin: 'ignore',
      });
    sim.addPod({ namespace: 'watched', name: 'first' });
    const withEvents = spawnWatch('--output-watch-events');
    const plain = spawnWatch();
    const outputs = [withEvents, plain].map((child) => ({ reader: (child.stdout as ReadableStream<Uint8Array>).getReader(), text: '' }));
    const decoder = new TextDecoder();
    const until = async (what: string, pattern: RegExp, index: number): Promise<void> => {
      const output = outputs[index];
      await waitFor(
        what,
        async () => {
          if (pattern.test(output.text)) return true;
          output.text += decoder.decode((await output.reader.read()).value);
          return pattern.test(output.text);
        },
        10_000,
      );
    };
    try {
      await waitFor('both kubectl watches to open', () => sim.stats().openWatches >= 2, 10_000);
      sim.addPod({ namespace: 'watched', name: 'second' });
      expect(await kubectlOk('--context', 'kind-of-k3s-admin', 'label', 'pod', 'second', '-n', 'watched', 'stage=two')).toBe('pod/second labeled\n');
      expect(await kubectlOk('--context', 'kind-of-k3s-admin', 'delete', 'pod', 'second', '-n', 'watched', '--wait=false')).toBe('pod "second" deleted\n');
      sim.tick();
      await until('the deletion with events', /DELETED\s+second\s/, 0);
      expect(outputs[0].text).toMatch(/^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nADDED\s+first\s+1\/1\s+Running/);
      const second = outputs[0].text.split('\n').filter((line) => /\ssecond\s/.test(line));
      expect(second.map((line) => line.split(/\s+/)[0])).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
      expect(second[2]).toMatch(/MODIFIED\s+second\s+1\/1\s+Terminating/);
      await until('the plain watch to see it go', /second(.|\n)*second(.|\n)*second(.|\n)*second/, 1);
      expect(outputs[1].text).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nfirst\s+1\/1\s+Running/);
      expect(outputs[1].text).toMatch(/second\s+1\/1\s+Terminating/);
    } finally {
      for (const child of [withEvents, plain]) child.kill();
      await Promise.all([withEvents.exited, plain.exited]);
    }
  });

  test('a watch from a compacted resourceVersion: kubectl reports 410 Expired, and a kubectl informer re-lists', async () => {
    const list = JSON.parse(await kubectlOk('--context', 'kind-of-k3s-admin', 'get', '--raw', '/api/v1/namespaces/shop/pods?limit=1')) as {
      metadata: { resourceVersion: string };
    };
    sim.addPod({ namespace: 'shop', name: 'compacted' });
    sim.compactWatchHistory();
    const raw = await kubectlOk(
      '--context',
      'kind-of-k3s-admin',
      'get',
      '--raw',
      `/api/v1/namespaces/shop/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
    );
    expect(JSON.parse(raw)).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });

    // kubectl wait lists, then watches from the list's resourceVersion. The watch drops (an API server restart),
    // the pod changes meanwhile and the history is compacted: the resumed watch gets 410, and only a re-list sees the change.
    const pod = sim.addPod({ namespace: 'shop', name: 'waited' });
    const waiter = Bun.spawn(
      kubectlArgs(['--context', 'kind-of-k3s-admin', 'wait', '--for=condition=Ready=false', 'pod/waited', '-n', 'shop', '--timeout=30s', '-v=6']),
      {
        stdout: 'pipe',
        stderr: 'pipe',
        stdin: 'ignore',
      },
    );
    try {
      await waitFor('kubectl wait to watch', () => sim.stats().openWatches > 0, 10_000);
      // An event first: a watch that ends without any is "very short" to client-go, which re-lists at once.
      await kubectlOk('--context', 'kind-of-k3s-admin', 'label', 'pod', 'waited', '-n', 'shop', 'seen=yes');
      sim.closeWatches();
      expect(sim.crashPod('shop', pod.metadata.name)).toBe(true);
      sim.compactWatchHistory();
      const [stdout, stderr, code] = await Promise.all([new Response(waiter.stdout).text(), new Response(waiter.stderr).text(), waiter.exited]);
      expect({ code, stdout }).toEqual({ code: 0, stdout: 'pod/waited condition met\n' });
      // client-go's own log: the resumed watch ended with the 410, then the reflector listed again.
      const expired = stderr.indexOf('closed with: too old resource version');
      expect(expired).toBeGreaterThan(0);
      expect(stderr.slice(expired)).toMatch(
        /GET \S+\/api\/v1\/namespaces\/shop\/pods\?fieldSelector=metadata.name%3Dwaited&resourceVersion=\d+&timeout=10s 200/,
      );
    } finally {
      waiter.kill();
    }
  });

  test('apply --dry-run=server and diff answer the change and leave the Deployment, its resourceVersion and generation alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    const file = join(dir, 'web.json');
    const admin = ['--context', 'kind-of-k3s-admin'];
    const live = JSON.parse(await kubectlOk(...admin, 'get', 'deployment', 'web', '-n', 'shop', '-o', 'json')) as {
      spec: { replicas: number };
      metadata: { resourceVersion: string; generation: number; [field: string]: unknown };
    };
    const before = { replicas: live.spec.replicas, resourceVersion: live.metadata.resourceVersion, generation: live.metadata.generation };
    const unchanged = (): void => {
      const web = sim.get('apps/deployments', 'shop', 'web')!;
      expect({
        replicas: (web.spec as { replicas: number }).replicas,
        resourceVersion: web.metadata.resourceVersion,
        generation: web.metadata.generation,
      }).toEqual(before);
    };
    const { resourceVersion: _, managedFields: __, ...metadata } = live.metadata;
    await Bun.write(file, JSON.stringify({ ...live, metadata, spec: { ...live.spec, replicas: 5 }, status: undefined }));
    const watcher = Bun.spawn(kubectlArgs([...admin, 'get', 'deployments', '-n', 'shop', '-w', '--watch-only', '--output-watch-events']), {
      stdout: 'pipe',
      stderr: 'pipe',
      stdin: 'ignore',
    });
    try {
      await waitFor('the watch to open', () => sim.stats().openWatches > 0, 10_000);
      const diff = await kubectl(...admin, 'diff', '-f', file);
      expect(diff.code).toBe(1);
      expect(diff.stdout).toContain('-  replicas: 3\n+  replicas: 5\n');
      expect(diff.stdout).toMatch(/-  generation: (\d+)\n\+  generation: (\d+)/);
      unchanged();
      const serverSide = await kubectl(...admin, 'diff', '--server-side', '--field-manager', 'niro', '-f', file);
      expect(serverSide.code).toBe(1);
      expect(serverSide.stdout).toContain('+  replicas: 5\n');
      unchanged();
      expect(await kubectlOk(...admin, 'apply', '--dry-run=server', '-f', file)).toBe('deployment.apps/web configured (server dry run)\n');
      expect(await kubectlOk(...admin, 'apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', file)).toBe(
        'deployment.apps/web serverside-applied (server dry run)\n',
      );
      const answered = JSON.parse(await kubectlOk(...admin, 'apply', '--dry-run=server', '-f', file, '-o', 'json')) as {
        spec: { replicas: number };
        metadata: { generation: number };
      };
      expect(answered.spec.replicas).toBe(5);
      expect(answered.metadata.generation).toBe(before.generation + 1);
      unchanged();
      expect(await kubectlOk(...admin, 'scale', 'deployment', 'web', '-n', 'shop', '--replicas=9', '--dry-run=server')).toBe(
        'deployment.apps/web scaled (server dry run)\n',
      );
      unchanged();
      // The same manifest as live: no difference, exit 0.
      await Bun.write(file, JSON.stringify({ ...live, metadata, status: undefined }));
      expect(await kubectl(...admin, 'diff', '-f', file)).toMatchObject({ code: 0, stdout: '' });
      // A server-side dry-run delete of a running pod deletes nothing, and kubectl does not wait for it to go.
      const pod = firstPod('web-', 'shop');
      expect(await kubectlOk(...admin, 'delete', 'pod', pod, '-n', 'shop', '--dry-run=server')).toBe(`pod "${pod}" deleted (server dry run)\n`);
      expect(sim.get('pods', 'shop', pod)?.metadata.deletionTimestamp).toBeUndefined();
      unchanged();
      // No write reached the store: the watch saw nothing.
      watcher.kill();
      expect(await new Response(watcher.stdout).text()).toBe('');
    } finally {
      watcher.kill();
      await watcher.exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('top pods reads metrics.k8s.io', async () => {
    const out = await kubectlOk('top', 'pods', '-n', 'shop');
    expect(out).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(out).toContain(firstPod('web-', 'shop'));
  });
});
