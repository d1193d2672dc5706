// Checks one heartbeat's reactions: interval honoured with jitter, key rejection slows down and may
// re-enroll, 413 shrinks the pod list, 429 and 503 honour Retry-After, an unreachable Kubernetes API backs off;
// protocol 6: a delta once acknowledged, a full list after fullInventory, a failure, or no generation.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { HeartbeatV2, type HeartbeatResponse } from '../src/contract/index.ts';
import { REJECTED_RETRY_MS } from './backoff.ts';
import { KEY_REJECTED_MESSAGE, beatOnce, createHeartbeatState, type HeartbeatDeps } from './heartbeat.ts';
import { samePod } from './heartbeat-delta.ts';
import { makePod } from '../src/testing/heartbeats.ts';
import { KubeError } from './kube-api.ts';
import type { Pod } from './kube-objects.ts';
import { createLogger } from './log.ts';
import type { NiroClient, NiroFailure, NiroResult } from './niro-client.ts';
import { AgentSession } from './session.ts';
import { createFakeKube } from './testing/fake-kube.ts';

const pod = (await Bun.file(new URL('./collect/testdata/pods/running-coredns.json', import.meta.url)).json()) as Pod;
const pods = Array.from({ length: 10 }, (_, i) => ({ ...pod, metadata: { ...pod.metadata, name: `coredns-${i}` } }));

function setup(answers: NiroResult<HeartbeatResponse>[]) {
  const sent: { key: string; body: HeartbeatV2 }[] = [];
  const lines: string[] = [];
  const client: NiroClient = {
    enroll: async () => ({ ok: false, failure: { kind: 'unavailable', status: 0, message: 'unused' } }),
    heartbeat: async (key, body) => {
      sent.push({ key, body });
      return answers.shift() ?? { ok: false, failure: { kind: 'unavailable', status: 0, message: 'no answer' } };
    },
    pollCommands: async () => ({ ok: true, value: { commands: [] } }),
    postResult: async () => ({ ok: true, value: null }),
    openStream: () => {
      throw new Error('unused');
    },
  };
  const fake = createFakeKube({ pods });
  const session = new AgentSession('niro_ak_test', 'c1');
  const deps: HeartbeatDeps = {
    kube: fake.kube,
    client,
    log: createLogger('debug', (line) => lines.push(line)),
    session,
    agentVersion: '0.4.0',
    namespace: 'niro-system',
    maxPods: 5000,
    signal: new AbortController().signal,
  };
  return { deps, sent, lines, session, fake, state: createHeartbeatState() };
}

const ok = (value: Partial<HeartbeatResponse> = {}): NiroResult<HeartbeatResponse> => ({
  ok: true,
  value: { nextIntervalSeconds: 15, commandsPending: false, serverTime: new Date().toISOString(), ...value },
});
const fail = (failure: NiroFailure): NiroResult<HeartbeatResponse> => ({ ok: false, failure });

describe('beatOnce', () => {
  test('sends a valid heartbeat with the key and waits the server interval ±20%', async () => {
    const { deps, sent, state } = setup([ok({ nextIntervalSeconds: 30 })]);
    const outcome = await beatOnce(deps, state);
    expect(outcome.sent).toBe(true);
    expect(outcome.waitMs).toBeGreaterThanOrEqual(24_000);
    expect(outcome.waitMs).toBeLessThanOrEqual(36_000);
    expect(sent[0]!.key).toBe('niro_ak_test');
    expect(Value.Check(HeartbeatV2, sent[0]!.body)).toBe(true);
    expect(sent[0]!.body.pods).toHaveLength(10);
  });

  test('a rejected key is logged clearly, slows the loop and marks the session', async () => {
    const { deps, session, lines, state } = setup([fail({ kind: 'unauthorized', status: 401, message: 'cluster_deleted: cluster deleted' })]);
    const outcome = await beatOnce(deps, state);
    expect(session.keyRejected).toBe(true);
    expect(outcome.waitMs).toBeGreaterThanOrEqual(REJECTED_RETRY_MS * 0.8);
    expect(lines.some((l) => l.includes(KEY_REJECTED_MESSAGE))).toBe(true);
    expect(lines.join('\n')).not.toContain('niro_ak_test');
  });

  test('after rejection, a successful re-enrollment retries at once and the next beat clears the flag', async () => {
    const { deps, session, sent, state } = setup([fail({ kind: 'unauthorized', status: 401, message: 'revoked' }), ok()]);
    deps.reenroll = async () => {
      session.replaceKey('niro_ak_new', 'c2');
      return true;
    };
    session.markKeyRejected();
    expect((await beatOnce(deps, state)).waitMs).toBe(0);
    await beatOnce(deps, state);
    expect(sent[1]!.key).toBe('niro_ak_new');
    expect(session.keyRejected).toBe(false);
  });

  test('413 halves the pods of the next beat, which is flagged truncated', async () => {
    const { deps, sent, state } = setup([fail({ kind: 'too-large', status: 413, message: 'too large' }), ok()]);
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    expect(sent[1]!.body.pods).toHaveLength(5);
    expect([sent[1]!.body.podsTruncated, sent[1]!.body.podsTotal]).toEqual([true, 10]);
  });

  test("the server's maxPods caps the next beat", async () => {
    const { deps, sent, state } = setup([ok({ maxPods: 3 }), ok()]);
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    expect(sent[1]!.body.pods).toHaveLength(3);
  });

  test('429 honours Retry-After', async () => {
    const { deps, state } = setup([fail({ kind: 'rate-limited', status: 429, message: 'slow down', retryAfterSeconds: 42 })]);
    expect((await beatOnce(deps, state)).waitMs).toBe(42_000);
  });

  test('503 honours Retry-After, with jitter on top so a busy server is not hit by every agent at once', async () => {
    const busy = (): NiroResult<HeartbeatResponse> => fail({ kind: 'unavailable', status: 503, message: 'busy_decompressing', retryAfterSeconds: 2 });
    const { deps, state } = setup(Array.from({ length: 20 }, busy));
    const waits: number[] = [];
    for (let i = 0; i < 20; i++) waits.push((await beatOnce(deps, state)).waitMs);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(2_000);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  test('control plane down: backoff grows but never past one interval, recovery resets it', async () => {
    const down = (): NiroResult<HeartbeatResponse> => fail({ kind: 'unavailable', status: 0, message: 'connection refused' });
    const { deps, state } = setup([down(), down(), down(), down(), down(), down(), down(), down(), ok()]);
    // Never longer than one interval (15 s, ± 20 % jitter): a control plane back from a restart hears from every agent within it.
    for (let i = 0; i < 8; i++) expect((await beatOnce(deps, state)).waitMs).toBeLessThanOrEqual(state.intervalSeconds * 1000 * 1.2);
    expect(state.failures).toBe(8);
    await beatOnce(deps, state);
    expect(state.failures).toBe(0);
  });

  test('Kubernetes API down: nothing is sent (an empty snapshot would wipe the inventory)', async () => {
    const { deps, sent, fake, state } = setup([ok()]);
    fake.state.down = new KubeError(0, 'connection refused');
    const outcome = await beatOnce(deps, state);
    expect([outcome.sent, sent.length, state.failures]).toEqual([false, 0, 1]);
  });

  test('capability changes are logged once', async () => {
    const { deps, lines, fake, state } = setup([ok(), ok(), ok()]);
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    fake.state.grants.add('get pods/log');
    await beatOnce(deps, state);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; logs?: boolean }).filter((l) => l.msg === 'capabilities');
    expect(logged.map((l) => l.logs)).toEqual([false, true]);
  });
});

describe('delta beats (protocol 6)', () => {
  const acked = (generation: string, extra: Partial<HeartbeatResponse> = {}): NiroResult<HeartbeatResponse> =>
    ok({ inventoryGeneration: generation, ...extra });

  test('a delta after an acknowledgement; full again after fullInventory, after a failure, while truncated, or without a generation', async () => {
    const { deps, sent, state, fake } = setup([
      acked('g1'),
      acked('g2'),
      ok({ fullInventory: true }),
      acked('g3'),
      fail({ kind: 'unavailable', status: 503, message: 'down' }),
      acked('g4'),
      ok(),
      acked('g5'),
    ]);
    for (let i = 0; i < 8; i++) {
      if (i === 1) {
        fake.state.pods = fake.state.pods.filter((p) => p.metadata.name !== 'coredns-3');
        fake.state.pods.push({ ...pod, metadata: { ...pod.metadata, name: 'coredns-new' } });
      }
      await beatOnce(deps, state);
    }
    const kind = (b: HeartbeatV2): string => (b.inventory ? `delta:${b.inventory.base}` : `full:${b.pods.length}`);
    expect(sent.map((s) => kind(s.body))).toEqual(['full:10', 'delta:g1', 'delta:g2', 'full:10', 'delta:g3', 'full:10', 'delta:g4', 'full:10']);
    const delta = sent[1]!.body;
    expect(Value.Check(HeartbeatV2, delta)).toBe(true);
    expect(delta.pods).toEqual([]);
    expect(delta.inventory!.changed.map((p) => p.name)).toEqual(['coredns-new']);
    expect(delta.inventory!.removed).toEqual([{ namespace: 'kube-system', name: 'coredns-3' }]);
    // Usage of every pod, in key order: the same length as the inventory the delta describes.
    expect(delta.inventory!.cpuMilli).toHaveLength(10);
    expect(sent[2]!.body.inventory!.changed).toEqual([]);
    // A full list travels in key order, as a delta's usage does.
    const keys = sent[0]!.body.pods.map((p) => `${p.namespace}/${p.name}`);
    expect(keys).toEqual([...keys].sort());
  });

  test('a 413 on a delta shrinks by the pods listed, not the delta', async () => {
    const { deps, sent, state } = setup([acked('g1'), fail({ kind: 'too-large', status: 413, message: 'too large' }), ok()]);
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    expect(sent[1]!.body.inventory).toBeDefined();
    expect([sent[2]!.body.pods.length, sent[2]!.body.podsTruncated, sent[2]!.body.inventory]).toEqual([5, true, undefined]);
  });

  test('samePod: usage is ignored at pod and container level; any other difference, nested or an added field, counts', () => {
    const a = makePod(1);
    const copy = (): typeof a => structuredClone(a);
    const usage = copy();
    usage.cpuUsageMilli += 7;
    usage.containerDetails[0]!.memUsageBytes = 1;
    expect(samePod(a, usage)).toBe(true);
    const label = copy();
    label.labels = { ...label.labels, tier: 'other' };
    const restarted = copy();
    restarted.containerDetails[1]!.restarts += 1;
    const added = copy();
    added.message = 'Back-off restarting failed container';
    const chain = copy();
    chain.ownerChain = [...chain.ownerChain, { kind: 'Deployment', name: 'x' }];
    for (const changed of [label, restarted, added, chain]) {
      expect(samePod(a, changed)).toBe(false);
      expect(samePod(changed, a)).toBe(false);
    }
  });
});
