// The workload watch cache and protocol 4's template bookkeeping, on the fake API: one list per collection, then
// watch events only (no re-list per beat); a server-ended watch resumes from its resourceVersion, an ERROR (410
// Gone) re-lists; forbidden workloads leave them out of the heartbeat (logged once), forbidden PDBs give hasPdb
// false; templates go on the first beat, not the second, and all again after `resendTemplates: true`.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { HeartbeatV2, PROTOCOL, type HeartbeatResponse } from '../src/contract/index.ts';
import { beatOnce, createHeartbeatState, type HeartbeatDeps } from './heartbeat.ts';
import { KubeError } from './kube-api.ts';
import type { AppsWorkload, PodDisruptionBudget } from './kube-objects.ts';
import { createLogger } from './log.ts';
import type { NiroClient, NiroResult } from './niro-client.ts';
import { AgentSession } from './session.ts';
import { createFakeKube, waitFor } from './testing/fake-kube.ts';
import { startWatchCache, WATCHED_COLLECTIONS } from './watch-cache.ts';

const load = async <T>(file: string): Promise<T[]> => ((await Bun.file(new URL(`./collect/testdata/${file}`, import.meta.url)).json()) as { items: T[] }).items;
const deployments = await load<AppsWorkload>('deployments.json');
const statefulSets = await load<AppsWorkload>('statefulsets.json');
const daemonSets = await load<AppsWorkload>('daemonsets.json');
const pdbs = await load<PodDisruptionBudget>('pdbs.json');

function setup(collections: Record<string, { metadata: { name: string } }[] | KubeError> = {}) {
  const fake = createFakeKube({
    collections: {
      [WATCHED_COLLECTIONS.deployments]: deployments,
      [WATCHED_COLLECTIONS.statefulSets]: statefulSets,
      [WATCHED_COLLECTIONS.daemonSets]: daemonSets,
      [WATCHED_COLLECTIONS.pdbs]: pdbs,
      ...collections,
    },
  });
  const lines: string[] = [];
  const log = createLogger('debug', (line) => lines.push(line));
  const controller = new AbortController();
  const cache = startWatchCache({ kube: fake.kube, log, signal: controller.signal, backoff: { baseMs: 1, capMs: 5 } });
  const answers: NiroResult<HeartbeatResponse>[] = [];
  const sent: HeartbeatV2[] = [];
  const client: NiroClient = {
    enroll: async () => ({ ok: false, failure: { kind: 'unavailable', status: 0, message: 'unused' } }),
    heartbeat: async (_key, body) => {
      sent.push(structuredClone(body));
      return answers.shift() ?? { ok: true, value: { nextIntervalSeconds: 15, commandsPending: false, serverTime: new Date().toISOString() } };
    },
    pollCommands: async () => ({ ok: true, value: { commands: [] } }),
    postResult: async () => ({ ok: true, value: null }),
    openStream: () => {
      throw new Error('unused');
    },
  };
  const deps: HeartbeatDeps = {
    kube: fake.kube,
    client,
    log,
    session: new AgentSession('niro_ak_test', 'c1'),
    agentVersion: '0.5.0',
    namespace: 'niro-system',
    maxPods: 5000,
    signal: controller.signal,
    workloads: cache,
  };
  return { fake, cache, deps, sent, answers, lines, stop: () => controller.abort(), state: createHeartbeatState() };
}

const withTemplates = (body: HeartbeatV2): number => body.workloads?.filter((w) => w.template !== undefined).length ?? -1;

describe('watch cache', () => {
  test('templates on the first beat, none on the second, all again after resendTemplates; one list per collection', async () => {
    const { fake, deps, sent, answers, state, stop } = setup();
    await beatOnce(deps, state);
    answers.push({ ok: true, value: { nextIntervalSeconds: 15, commandsPending: false, serverTime: new Date().toISOString(), resendTemplates: true } });
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    expect(sent.map((b) => b.protocol)).toEqual([PROTOCOL, PROTOCOL, PROTOCOL, PROTOCOL]);
    expect(sent.map(withTemplates)).toEqual([4, 0, 4, 0]);
    expect(sent[0]!.workloads!.map((w) => w.name).sort()).toEqual(['checkout', 'coredns', 'postgres', 'svclb-traefik-4ff1bbdb']);
    expect(sent[0]!.workloadsTruncated).toBe(false);
    expect(sent[0]!.workloads!.find((w) => w.name === 'postgres')!.hasPdb).toBe(true);
    for (const body of sent) expect(Value.Check(HeartbeatV2, body)).toBe(true);
    for (const path of Object.values(WATCHED_COLLECTIONS)) expect(fake.state.listCalls[path]).toBe(1);
    stop();
  });

  test('watch events keep the view current; a new template is sent once; ERROR (410 Gone) re-lists; a closed watch resumes', async () => {
    const { fake, cache, deps, sent, state, stop } = setup();
    await beatOnce(deps, state);
    const path = WATCHED_COLLECTIONS.deployments;
    await waitFor(() => fake.state.watches.some((w) => w.path === path && !w.aborted), 2000, 'deployments watch');
    const watch = (): NonNullable<(typeof fake.state.watches)[number]> => fake.state.watches.filter((w) => w.path === path && !w.aborted).at(-1)!;
    expect(watch().resourceVersion).toBe('100');

    const rolled = structuredClone(deployments[0]!);
    (rolled.spec!.template!.spec!.containers as { image: string }[])[0].image = 'rancher/mirrored-coredns-coredns:1.12.0';
    rolled.metadata.resourceVersion = '101';
    watch().emit({ type: 'MODIFIED', object: rolled });
    watch().emit({ type: 'DELETED', object: { ...deployments[1]!, metadata: { ...deployments[1]!.metadata, resourceVersion: '102' } } });
    await beatOnce(deps, state);
    expect(sent[1]!.workloads!.map((w) => [w.name, w.template !== undefined])).toEqual([
      ['svclb-traefik-4ff1bbdb', false],
      ['postgres', false],
      ['coredns', true],
    ]);

    // The server ends the stream: the next watch starts from the last version seen, without a list.
    watch().end();
    await waitFor(() => watch().resourceVersion === '102', 2000, 'resumed watch');
    expect(fake.state.listCalls[path]).toBe(1);

    // Too old a version: ERROR with a 410 Status, then a fresh list (which still has both).
    watch().emit({
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version: 102 (2000)',
      },
    });
    await waitFor(() => cache.lists('deployments') === 2, 2000, 're-list');
    expect(fake.state.listCalls[path]).toBe(2);
    await beatOnce(deps, state);
    expect(sent[2]!.workloads!.map((w) => w.name)).toContain('checkout');
    stop();
  });

  test('workloads forbidden: the heartbeat goes without them and the agent says so once', async () => {
    const forbidden = new KubeError(
      403,
      'deployments.apps is forbidden: User "system:serviceaccount:niro-system:niro-agent" cannot list resource "deployments"',
      'Forbidden',
    );
    const { cache, deps, sent, lines, state, stop } = setup({ [WATCHED_COLLECTIONS.deployments]: forbidden });
    await beatOnce(deps, state);
    await beatOnce(deps, state);
    expect(cache.status('deployments')).toBe('forbidden');
    expect(sent).toHaveLength(2);
    expect(sent[0]!.workloads).toBeUndefined();
    expect(Value.Check(HeartbeatV2, sent[0])).toBe(true);
    expect(lines.filter((l) => l.includes('forbidden by RBAC'))).toHaveLength(1);
    stop();
  });

  test('PDBs forbidden: workloads are sent with hasPdb false', async () => {
    const { cache, deps, sent, state, stop } = setup({ [WATCHED_COLLECTIONS.pdbs]: new KubeError(403, 'forbidden', 'Forbidden') });
    await beatOnce(deps, state);
    expect(cache.status('pdbs')).toBe('forbidden');
    expect(sent[0]!.workloads!.every((w) => !w.hasPdb)).toBe(true);
    stop();
  });
});
