// The compiled agent (`bun build --compile`, as npm run build:agent builds it) embeds everything it needs: it prints its version, enrolls into a real control plane, heartbeats the simulator's pods, answers a ping and performs an apply (YAML, server-side apply) — no file of the repository at hand.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import { startFleetMember, type FleetMember } from '../sim/fleet.ts';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, type TestApp } from '../src/testing/app.ts';
import { listen } from '../src/testing/browser.ts';
import { waitUntil } from './testing/agent-process.ts';

let t: TestApp;
let api: Awaited<ReturnType<typeof apiClient>>;
let member: FleetMember | null = null;
const work = mkdtempSync(join(tmpdir(), 'niro-agent-bin-'));
const binary = join(work, 'niro-agent');

beforeAll(async () => {
  // The build:agent flags from package.json, into a scratch path (a concurrent build can't interfere).
  const flags = pkg.scripts['build:agent']
    .split(' ')
    .slice(2)
    .filter((a, i, all) => a !== '--outfile' && all[i - 1] !== '--outfile');
  const build = Bun.spawnSync([process.execPath, 'build', ...flags, '--outfile', binary], { cwd: join(import.meta.dir, '..'), stderr: 'pipe' });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  t = await startTestApp({ heartbeatIntervalSeconds: 2, heartbeatRatePerMinute: 600 });
  const user = await makeUser(t.db);
  await makeOrg(t.db, 'Binary Org', null, { userId: user.id, role: 'owner' });
  api = await apiClient(t, await signIn(t, user));
}, 60_000);
afterAll(async () => {
  await member?.stop();
  await t?.app.server?.stop(true);
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});

test('--version runs from anywhere', () => {
  const run = Bun.spawnSync([binary, '--version'], { cwd: work, env: { PATH: '/usr/bin:/bin' } });
  expect(run.stdout.toString().trim()).toBe(`niro-agent ${pkg.version}`);
});

test('enrolls, heartbeats, pings and applies from the binary alone', async () => {
  const url = listen(t);
  const created = (await (await api.call('POST', '/v1/clusters', { name: 'binary-01' })).json()) as { cluster: { id: string }; enrollment: { token: string } };
  const id = created.cluster.id;
  member = await startFleetMember({ name: 'binary', pods: 20, nodes: 1, tickMs: 0, rbac: { apply: true }, niroUrl: url, agentCommand: [binary] });
  member.startAgent(created.enrollment.token);
  await waitUntil(
    async () => {
      const c = (await (await api.call('GET', `/v1/clusters/${id}`)).json()) as {
        pods: { listed: number };
        capabilities: { apply: { enabled: boolean } } | null;
      };
      return c.pods.listed === member!.sim.list('pods').length && c.capabilities?.apply.enabled;
    },
    20_000,
    'heartbeats from the binary',
  );
  expect((await api.call('POST', `/v1/clusters/${id}/ping`)).status).toBe(200);
  const manifests = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-binary\n  namespace: default\ndata:\n  ok: "yes"\n';
  const applied = (await (await api.call('POST', `/v1/clusters/${id}/commands`, { type: 'apply', payload: { manifests }, waitSeconds: 15 })).json()) as {
    status: string;
  };
  expect(applied.status).toBe('succeeded');
  expect(member.sim.get('configmaps', 'default', 'from-binary')).not.toBeNull();
}, 60_000);
