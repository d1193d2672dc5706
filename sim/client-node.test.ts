// The real @kubernetes/client-node under Bun accepts the simulator over HTTPS (kubeconfig and in-cluster), given NODE_EXTRA_CA_CERTS.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Simulator, startSimulator } from './index.ts';
import { waitFor } from './testing.ts';

const PROBE = join(import.meta.dir, 'client-node-probe.ts');

let sim: Simulator;
let root: string;

beforeAll(async () => {
  sim = await startSimulator({ pods: 60, seed: 5, tickMs: 0, evolve: false, rbac: { logs: true, apply: true } });
  root = await mkdtemp(join(tmpdir(), 'in-cluster-'));
});

afterAll(async () => {
  await sim.stop();
  await rm(root, { recursive: true, force: true });
});

type Step = { step: string; [key: string]: unknown };

/** Run the probe; answer its "following" step by emitting lines, check the open-request count on the way. */
async function runProbe(args: string[], env: Record<string, string>): Promise<Step> {
  const child = Bun.spawn([process.execPath, PROBE, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`probe exited without result: ${await new Response(child.stderr).text()}`);
      buffered += decoder.decode(value);
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline)) as Step;
        buffered = buffered.slice(newline + 1);
        if (message.step === 'following') {
          expect(sim.openLogRequests()).toBe(1);
          sim.emitLines('shop', String(message.pod), 'nginx', ['probe marker']);
        } else if (message.step === 'aborted') {
          await waitFor('the aborted follow to close on the server', () => sim.openLogRequests() === 0);
        } else {
          return message;
        }
      }
    }
  } finally {
    child.kill();
    await child.exited;
  }
}

describe('@kubernetes/client-node under Bun', () => {
  test('kubeconfig (CA file + token) with NODE_EXTRA_CA_CERTS', async () => {
    const result = await runProbe(['kubeconfig'], { KUBECONFIG: sim.kubeconfigPath, NODE_EXTRA_CA_CERTS: sim.caFile });
    expect(result).toMatchObject({ step: 'done', pods: 60, canGetLogs: true, appliedManagedBy: 'niro' });
    expect(result.podMetrics).toBeGreaterThan(0);
    expect(result.received).toContain('probe marker\n');
    expect(sim.get('configmaps', 'shop', 'probe-settings')?.data).toEqual({ mode: 'fast' });
  });

  test('in-cluster files under a root, as in a pod', async () => {
    const dir = await sim.writeInClusterFiles(root);
    const result = await runProbe(['in-cluster', root], {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(sim.port),
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt'),
    });
    expect(result).toMatchObject({ step: 'done', pods: 60, canGetLogs: true });
  });

  test('without NODE_EXTRA_CA_CERTS the CA in the kubeconfig is not enough (Bun ignores client-node TLS options)', async () => {
    const result = await runProbe(['kubeconfig'], { KUBECONFIG: sim.kubeconfigPath });
    expect(result.step).toBe('error');
    expect(String(result.message)).toMatch(/certificate/i);
  });
});
