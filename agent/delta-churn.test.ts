// Delta heartbeats (protocol 6) under random churn, through the real agent code against the simulator (kube.ts, the
// watch-fed view, beatOnce, the real NiroClient with gzip) and a real control plane on Postgres: pods created,
// deleted and restarted, watches cut and history compacted (re-lists), beats dropped before or after the server
// stored them, the control plane restarted (a new app on the same database), a stale agent replica rewinding the
// server's inventory, the API server restarted. After every step the control plane's stored inventory equals a
// fresh list of the simulator's pods exactly (every field but usage), and most beats were deltas.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { AnyElysia } from 'elysia';
import { AGENT_KEY_HEADER, AGENT_PATHS, type HeartbeatV2, type PodDetail } from '../src/contract/index.ts';
import { readStoredInventory } from '../src/inventory/delta.ts';
import { createLogger as createServerLogger } from '../src/log.ts';
import { apiClient, createApp, makeOrg, makeUser, signIn, startTestApp, TEST_ORIGIN, type TestApp } from '../src/testing/app.ts';
import { createEnrolledCluster, gzipJson } from '../src/testing/heartbeats.ts';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { kubeFetch, waitFor } from '../sim/testing.ts';
import { collectHeartbeat, type SnapshotOptions } from './collect/snapshot.ts';
import { beatOnce, createHeartbeatState, type HeartbeatDeps } from './heartbeat.ts';
import { createKube } from './kube.ts';
import type { KubeApi } from './kube-api.ts';
import { createLogger } from './log.ts';
import { createNiroClient } from './niro-client.ts';
import { AgentSession } from './session.ts';
import { startClusterView } from './view.ts';

let sim: Simulator;
let kube: KubeApi;
let t: TestApp;
const controller = new AbortController();
const log = createLogger('error', () => undefined);
const options = (): SnapshotOptions => ({ agentVersion: 'test', namespace: 'niro-system', maxPods: 5000, nowUnix: Math.floor(Date.now() / 1000) });

beforeAll(async () => {
  sim = await startSimulator({ name: 'churn', nodes: 3, pods: 60, tickMs: 0, evolve: false, cronEveryTicks: 0, logLinesPerSecond: 0 });
  kube = createKube({ kubeconfig: sim.kubeconfigPath, env: {} });
  t = await startTestApp({ heartbeatRatePerMinute: 100_000, heartbeatBurst: 100_000 });
});

afterAll(async () => {
  controller.abort();
  await sim?.stop();
  await t?.close();
});

/** A pod as the control plane stores it: everything but usage. */
function withoutUsage(pod: PodDetail): unknown {
  return JSON.parse(JSON.stringify(pod, (key, value) => (key === 'cpuUsageMilli' || key === 'memUsageBytes' ? undefined : value)));
}

/** xorshift: the same churn on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('delta heartbeats under churn', () => {
  test('after every step the stored inventory equals the simulator pods; most beats are deltas', async () => {
    const user = await makeUser(t.db);
    await makeOrg(t.db, 'Churn Org', null, { userId: user.id, role: 'owner' });
    const api = await apiClient(t, await signIn(t, user));
    const { clusterId, agentKey } = await createEnrolledCluster(t, api, { name: 'churn' });

    // The control plane the agent reaches; a restart swaps in a new app (fresh replica state) on the same database.
    let app: AnyElysia = t.app;
    let drop: 'none' | 'request' | 'response' = 'none';
    const kinds: string[] = [];
    const doFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const mode = drop;
      drop = 'none';
      if (mode === 'request') throw new Error('connection refused (test)');
      const response = await app.handle(new Request(input, init));
      if (mode === 'response') throw new Error('connection reset after the request was sent (test)');
      return response;
    };
    const client = createNiroClient(TEST_ORIGIN, { agentVersion: 'test', fetch: doFetch as typeof fetch });
    const recording: HeartbeatDeps['client'] = {
      ...client,
      heartbeat: async (key, body, signal) => {
        const result = await client.heartbeat(key, body, signal);
        kinds.push(`${body.inventory ? 'delta' : 'full'}${result.ok && result.value.fullInventory ? '→full' : ''}`);
        return result;
      },
    };
    const view = startClusterView({ kube, log, signal: controller.signal, backoff: { baseMs: 10, capMs: 50 } });
    const deps: HeartbeatDeps = {
      kube,
      client: recording,
      log,
      session: new AgentSession(agentKey, clusterId),
      agentVersion: 'test',
      namespace: 'niro-system',
      maxPods: 5000,
      signal: controller.signal,
      view,
    };
    const state = createHeartbeatState();

    let last: { stored: unknown; sim: unknown } | null = null;
    /** Beats until the stored inventory equals a fresh list of the simulator (bounded). */
    async function settled(what: string): Promise<void> {
      try {
        await waitFor(
          what,
          async () => {
            await beatOnce(deps, state);
            const fresh = await collectHeartbeat(kube, options());
            const stored = await readStoredInventory(t.db, clusterId);
            last = {
              stored: Object.fromEntries(stored.pods.map((p) => [p.key, JSON.parse(p.json)])),
              sim: Object.fromEntries(fresh.pods.map((p) => [`${p.namespace}/${p.name}`, withoutUsage(p)])),
            };
            return Bun.deepEquals(last.stored, last.sim, true);
          },
          15_000,
        );
      } catch (error) {
        if (last) expect(last.stored).toEqual(last.sim);
        throw error;
      }
    }

    async function deletePod(namespace: string, name: string): Promise<void> {
      const response = await kubeFetch(sim, `/api/v1/namespaces/${namespace}/pods/${name}`, { method: 'DELETE', as: 'admin' });
      await response.body?.cancel();
      sim.tick();
    }
    const ours = (): { namespace: string; name: string; phase: string }[] =>
      sim
        .list('pods')
        .filter((p) => p.metadata.namespace !== 'kube-system')
        .map((p) => ({ namespace: p.metadata.namespace!, name: p.metadata.name, phase: (p as { status?: { phase?: string } }).status?.phase ?? '' }));

    let staleFull: HeartbeatV2 | null = null;
    await view.whenStarted(10_000);
    await settled('the first full beat');
    staleFull = await collectHeartbeat(kube, options());

    const rand = random(16);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const done: string[] = [];
    const ACTIONS = ['create', 'delete', 'restart', 'resync', 'drop', 'control-plane', 'stale-agent', 'api-restart'] as const;
    // Every kind once, then a random mix weighted towards pod churn.
    const plan = [...ACTIONS, ...Array.from({ length: 40 }, () => pick([...ACTIONS, 'create', 'create', 'delete', 'restart'] as const))];
    for (let step = 0; step < plan.length; step++) {
      const action = plan[step]!;
      switch (action) {
        case 'create':
          sim.addPod({
            namespace: pick(['default', 'churn-a', 'churn-b']),
            name: `churn-${step}`,
            image: 'nginx:1.27',
            behaviour: pick(['steady', 'steady', 'crashloop', 'pending', 'completed'] as const),
          });
          break;
        case 'delete': {
          const victim = pick(ours());
          await deletePod(victim.namespace, victim.name);
          break;
        }
        case 'restart': {
          const running = ours().filter((p) => p.phase === 'Running');
          const victim = pick(running);
          sim.crashPod(victim.namespace, victim.name);
          sim.tick();
          break;
        }
        case 'resync':
          if (rand() < 0.5) sim.compactWatchHistory();
          sim.closeWatches();
          break;
        case 'drop':
          // A change rides on the dropped beat, so the next one must carry it whatever the server kept.
          sim.addPod({ namespace: 'default', name: `dropped-${step}`, image: 'busybox:1.36' });
          await waitFor('the view sees the new pod', () => view.pods.records().has(`default/dropped-${step}`), 10_000);
          drop = rand() < 0.5 ? 'request' : 'response';
          await beatOnce(deps, state);
          break;
        case 'control-plane':
          app = createApp({ db: t.db, bus: t.bus, config: t.config, log: createServerLogger('error', () => undefined) });
          break;
        case 'stale-agent': {
          // Another replica of the agent (a rollout overlapping) posts an old full list: the server's generation moves
          // under the real agent, whose next delta names an unknown base.
          const res = await app.handle(
            new Request(TEST_ORIGIN + AGENT_PATHS.heartbeat, {
              method: 'POST',
              headers: { [AGENT_KEY_HEADER]: agentKey, 'content-type': 'application/json', 'content-encoding': 'gzip' },
              body: gzipJson(staleFull),
            }),
          );
          expect(res.status).toBe(200);
          await res.body?.cancel();
          break;
        }
        case 'api-restart':
          await sim.restartApi({ downMs: 100, whileDown: () => sim.addPod({ namespace: 'churn-a', name: `while-down-${step}`, image: 'redis:7' }) });
          break;
      }
      done.push(action);
      const before = kinds.length;
      await settled(`step ${step} (${action})`);
      // Only a rewound server may refuse a delta: anything else refused would be a delta the agent got wrong.
      if (action !== 'stale-agent')
        expect({ step, action, beats: kinds.slice(before) }).toEqual({ step, action, beats: kinds.slice(before).filter((k) => !k.endsWith('→full')) });
    }
    // Every kind of step ran, and deltas carried the steady state.
    expect(new Set(done).size).toBe(ACTIONS.length);
    const deltas = kinds.filter((k) => k.startsWith('delta')).length;
    expect(deltas).toBeGreaterThan(kinds.length / 2);
    expect(kinds).toContain('delta→full');
    console.log(JSON.stringify({ steps: done.length, beats: kinds.length, deltas, pods: ours().length }));
  }, 240_000);
});
