// Watches resume like the API server's: from a list's resourceVersion the changes since arrive (nothing is lost
// between list and watch), and from a compacted one an ERROR event with a 410 Status (Expired) ends the stream.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Simulator, startSimulator } from './index.ts';
import { kubeFetch, kubeJson } from './testing.ts';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ name: 'watch', nodes: 1, pods: 30, tickMs: 0, evolve: false, problems: [] });
});

afterAll(async () => {
  await sim.stop();
});

/** Reads a watch until the server closes it (timeoutSeconds) and returns its events. */
async function watchEvents(path: string): Promise<{ type: string; object: { kind: string; metadata: { name?: string }; code?: number; reason?: string } }[]> {
  const response = await kubeFetch(sim, path);
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

test('a watch from a list resourceVersion replays what changed since, for that resource only', async () => {
  const list = await kubeJson<{ metadata: { resourceVersion: string } }>(sim, '/apis/apps/v1/deployments');
  const from = list.body.metadata.resourceVersion;
  sim.startScenario('crashloop', { replicas: 2 });
  const events = await watchEvents(`/apis/apps/v1/deployments?watch=1&resourceVersion=${from}&timeoutSeconds=1`);
  expect(events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'payments-worker')).toBe(true);
  expect(events.every((e) => e.object.kind === 'Deployment')).toBe(true);
  const pdbs = await watchEvents(`/apis/policy/v1/poddisruptionbudgets?watch=1&resourceVersion=${from}&timeoutSeconds=1`);
  expect(pdbs.every((e) => e.object.kind === 'PodDisruptionBudget')).toBe(true);
});

test('a watch from a compacted resourceVersion gets ERROR 410 Expired', async () => {
  const list = await kubeJson<{ metadata: { resourceVersion: string } }>(sim, '/apis/apps/v1/statefulsets');
  // Something changes after the list, then the history is compacted past it.
  sim.setNodePressure('watch-server-0', 'PIDPressure', true);
  sim.compactWatchHistory();
  const events = await watchEvents(`/apis/apps/v1/statefulsets?watch=1&resourceVersion=${list.body.metadata.resourceVersion}&timeoutSeconds=5`);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  // A fresh list and a watch from it work again.
  const again = await kubeJson<{ metadata: { resourceVersion: string } }>(sim, '/apis/apps/v1/statefulsets');
  const resumed = await watchEvents(`/apis/apps/v1/statefulsets?watch=1&resourceVersion=${again.body.metadata.resourceVersion}&timeoutSeconds=1`);
  expect(resumed.every((e) => e.type !== 'ERROR')).toBe(true);
});
