// `bun run sim fleet`: against a running control plane it creates clusters through the API, their real agents enroll and heartbeat, and Ctrl-C stops every agent and deletes the clusters.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../src/testing/app.ts';
import { listen } from '../src/testing/browser.ts';
import { spawnBun, type Child } from '../src/testing/spawn.ts';

let t: TestApp;
let url: string;
let token: string;
let fleet: Child | null = null;

beforeAll(async () => {
  t = await startTestApp({ heartbeatIntervalSeconds: 2, heartbeatRatePerMinute: 600 });
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Bench Org', null, { userId: user.id, role: 'owner' });
  token = (await apiClient(t, await signIn(t, user))).token;
  url = listen(t);
});
afterAll(async () => {
  await fleet?.kill();
  await t.app.server?.stop(true);
  await t.close();
});

type ClusterJson = { name: string; status: string; pods: { total: number } };
const clusters = async (): Promise<ClusterJson[]> =>
  ((await (await fetch(`${url}/v1/clusters`, { headers: { authorization: `Bearer ${token}` } })).json()) as { clusters: ClusterJson[] }).clusters;

test('three clusters of 30 pods enroll and heartbeat; Ctrl-C cleans up', async () => {
  fleet = spawnBun(['sim/main.ts', 'fleet', '--url', url, '--api-token', token, '--clusters', '3', '--pods', '30', '--prefix', 'load'], {});
  await fleet.waitFor((l) => l.startsWith('Fleet of 3 simulated clusters'), 30_000);
  const deadline = Date.now() + 30_000;
  let rows: ClusterJson[] = [];
  while (!((rows = await clusters()).length === 3 && rows.every((c) => c.pods.total === 30))) {
    if (Date.now() > deadline) throw new Error(`fleet not heartbeating: ${JSON.stringify(rows)}`);
    await Bun.sleep(200);
  }
  expect(rows.map((c) => c.name).sort()).toEqual(['load-001', 'load-002', 'load-003']);
  const pids = fleet.lines.filter((l) => l.includes('agent pid')).map((l) => Number(/agent pid (\d+)/.exec(l)![1]));
  expect(pids).toHaveLength(3);
  fleet.proc.kill('SIGINT');
  expect(await fleet.proc.exited).toBe(0);
  fleet = null;
  expect(await clusters()).toEqual([]);
  for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
}, 90_000);
