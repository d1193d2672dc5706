// Checks enrollment: a stored key wins (no token needed), a token is exchanged once and the key stored
// in the Secret, a rejected token waits slowly, the Kubernetes API being down is waited out.
import { expect, test } from 'bun:test';
import type { EnrollRequest, EnrollResponse } from '../src/contract/index.ts';
import { PROTOCOL } from '../src/contract/index.ts';
import { REJECTED_RETRY_MS } from './backoff.ts';
import { KEY_SECRET, exchangeToken, obtainAgentKey, readStoredKey, type EnrollDeps } from './enroll.ts';
import { KubeError } from './kube-api.ts';
import { createLogger } from './log.ts';
import type { NiroClient, NiroResult } from './niro-client.ts';
import { createFakeKube, waitFor } from './testing/fake-kube.ts';

function setup(answer: NiroResult<EnrollResponse>, token: string | null = 'niro_et_1') {
  const requests: EnrollRequest[] = [];
  const lines: string[] = [];
  const client: NiroClient = {
    enroll: async (body) => {
      requests.push(body);
      return answer;
    },
    heartbeat: async () => ({ ok: false, failure: { kind: 'unavailable', status: 0, message: '' } }),
    pollCommands: async () => ({ ok: false, failure: { kind: 'unavailable', status: 0, message: '' } }),
    postResult: async () => ({ ok: true, value: null }),
    openStream: () => {
      throw new Error('unused');
    },
  };
  const fake = createFakeKube();
  const controller = new AbortController();
  const deps: EnrollDeps = {
    kube: fake.kube,
    client,
    log: createLogger('info', (line) => lines.push(line)),
    namespace: 'niro-system',
    token,
    agentVersion: '0.4.0',
    signal: controller.signal,
  };
  return { deps, requests, lines, fake, controller };
}

const enrolled: NiroResult<EnrollResponse> = { ok: true, value: { agentKey: 'niro_ak_new', clusterId: 'c42', heartbeatIntervalSeconds: 15 } };

test('a stored key is used without contacting the control plane', async () => {
  const { deps, requests, fake } = setup(enrolled);
  await fake.kube.writeSecret('niro-system', KEY_SECRET, { agentKey: 'niro_ak_old', clusterId: 'c1' });
  expect(await obtainAgentKey(deps)).toEqual({ key: 'niro_ak_old', clusterId: 'c1' });
  expect(requests).toEqual([]);
});

test('the token is exchanged with cluster facts and the key lands in the Secret', async () => {
  const { deps, requests, fake, lines } = setup(enrolled);
  expect(await obtainAgentKey(deps)).toEqual({ key: 'niro_ak_new', clusterId: 'c42' });
  expect(requests).toEqual([
    {
      token: 'niro_et_1',
      agentVersion: '0.4.0',
      protocol: PROTOCOL,
      clusterFacts: { k8sVersion: 'v1.31.4+k3s1', distribution: 'k3s', platform: 'linux/amd64' },
    },
  ]);
  expect(await readStoredKey(fake.kube, 'niro-system')).toEqual({ key: 'niro_ak_new', clusterId: 'c42' });
  expect(lines.join('\n')).not.toContain('niro_ak_new');
  expect(lines.join('\n')).not.toContain('niro_et_1');
});

test('a rejected token says what to do and retries slowly', async () => {
  const { deps, lines } = setup({ ok: false, failure: { kind: 'unauthorized', status: 401, message: 'invalid token' } });
  const outcome = await exchangeToken(deps, 'niro_et_1', 1);
  expect(outcome).toEqual({ ok: false, rejected: true, retryAfterMs: REJECTED_RETRY_MS });
  expect(lines.some((l) => l.includes('enrollment token rejected'))).toBe(true);
});

test('without key or token the agent waits (and stops on abort) instead of crashing', async () => {
  const { deps, lines, controller } = setup(enrolled, null);
  const pending = obtainAgentKey(deps);
  await waitFor(() => lines.some((l) => l.includes('not enrolled')), 2000, 'log line');
  controller.abort();
  expect(await pending).toBeNull();
});

test('the Kubernetes API being down is waited out', async () => {
  const { deps, fake, lines } = setup(enrolled);
  fake.state.down = new KubeError(0, 'connection refused');
  const pending = obtainAgentKey(deps);
  await waitFor(() => lines.some((l) => l.includes('cannot read the agent key Secret')), 2000, 'warning');
  fake.state.down = null;
  expect(await pending).toEqual({ key: 'niro_ak_new', clusterId: 'c42' });
});
