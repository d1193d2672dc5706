// Watches resume like the API server's: from a list's resourceVersion the changes since arrive (nothing is lost
// between list and watch), and from a compacted one an ERROR event with a 410 Status (Expired) ends the stream.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type Simulator, startSimulator } from './index.ts';
import { kubeFetch, kubeJson, waitFor } from './testing.ts';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ name: 'watch', nodes: 1, pods: 30, tickMs: 0, evolve: false, problems: [], watchBookmarkMs: 200 });
});

afterAll(async () => {
  await sim.stop();
});

/** Reads a watch until the server closes it (timeoutSeconds) and returns its events. */
async function watchEvents(
  path: string,
): Promise<
  { type: string; object: { kind: string; apiVersion?: string; metadata: { name?: string; resourceVersion?: string }; code?: number; reason?: string } }[]
> {
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

test('a watch that allows bookmarks gets BOOKMARK events with the newest resourceVersion, the last just before it ends', async () => {
  const list = await kubeJson<{ metadata: { resourceVersion: string } }>(sim, '/api/v1/pods');
  const events = await watchEvents(`/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${list.body.metadata.resourceVersion}&timeoutSeconds=1`);
  const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
  expect(bookmarks.length).toBeGreaterThanOrEqual(2);
  expect(events.at(-1)?.type).toBe('BOOKMARK');
  for (const b of bookmarks) {
    expect(b.object).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { creationTimestamp: null } });
    expect(Object.keys(b.object.metadata).sort()).toEqual(['creationTimestamp', 'resourceVersion']);
  }
  expect(Number(bookmarks.at(-1)!.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(list.body.metadata.resourceVersion));
  // Without allowWatchBookmarks there are none.
  const plain = await watchEvents(`/api/v1/pods?watch=1&resourceVersion=${list.body.metadata.resourceVersion}&timeoutSeconds=1`);
  expect(plain.some((e) => e.type === 'BOOKMARK')).toBe(false);
});

test('closeWatches ends every open watch; resuming from a bookmark sees the changes made meanwhile', async () => {
  const list = await kubeJson<{ metadata: { resourceVersion: string } }>(sim, '/api/v1/namespaces/shop/pods');
  const response = await kubeFetch(sim, `/api/v1/namespaces/shop/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${list.body.metadata.resourceVersion}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  await waitFor('a bookmark', async () => {
    text += decoder.decode((await reader.read()).value);
    return text.includes('"BOOKMARK"');
  });
  expect(sim.stats().openWatches).toBe(1);
  sim.closeWatches();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
  expect(sim.stats().openWatches).toBe(0);
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; object: { metadata: { resourceVersion: string } } });
  const last = events.filter((e) => e.type === 'BOOKMARK').at(-1)!;
  sim.addPod({ namespace: 'shop', name: 'after-bookmark' });
  const resumed = await watchEvents(`/api/v1/namespaces/shop/pods?watch=1&resourceVersion=${last.object.metadata.resourceVersion}&timeoutSeconds=1`);
  expect(resumed.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED after-bookmark']);
});
