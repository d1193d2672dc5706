// README command 1: the demo serves the login page on an embedded database and its printed login works; its simulated fleet of real agents comes up and survives a restart.
import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBun } from '../testing/spawn';
import { createTestDatabase } from '../testing/db';

test('npm run demo: embedded database, demo tree, printed login signs in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-demo-'));
  const env = {
    PORT: '0',
    NIRO_DATA_DIR: dir,
    DATABASE_URL: '',
    NIRO_DEMO_EMAIL: 'ops@demo.test',
    NIRO_DEMO_PASSWORD: 'demo-password-123',
    NIRO_DEMO_FLEET: '0',
  };
  const child = spawnBun(['src/demo/main.ts'], env);
  try {
    const listening = JSON.parse(await child.waitFor((l) => l.includes('"msg":"listening"'), 90_000)) as { url: string; database: string };
    expect(listening.database).toBe('pglite');
    await child.waitFor((l) => l.includes('Sign in as ops@demo.test / demo-password-123'), 90_000);
    expect((await fetch(`${listening.url}/login`)).status).toBe(200);
    const login = await fetch(`${listening.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ email: 'ops@demo.test', password: 'demo-password-123' }),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const me = (await (await fetch(`${listening.url}/v1/me`, { headers: { cookie } })).json()) as { orgs: { name: string; parentId: string | null }[] };
    expect(me.orgs.length).toBe(3);
    expect(me.orgs.filter((o) => o.parentId === null).length).toBe(1);
  } finally {
    await child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

test('npm run demo: the simulated fleet comes up — real agents enrolled into the demo orgs, most Healthy, a crash loop in two — and a restart reuses its clusters', async () => {
  const testDb = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'niro-demo-fleet-'));
  const env = {
    PORT: '0',
    NIRO_DATA_DIR: dir,
    DATABASE_URL: testDb.url,
    NIRO_SECRET: 'z'.repeat(40),
    NIRO_HEARTBEAT_INTERVAL: '2',
    NIRO_HEARTBEAT_RATE_PER_MINUTE: '600',
    NIRO_DEMO_EMAIL: 'ops@demo.test',
    NIRO_DEMO_PASSWORD: 'demo-password-123',
  };
  type Fleet = { clusters: { name: string; clusterId: string; agentPid: number }[] };
  type ClusterJson = {
    id: string;
    name: string;
    orgName: string;
    status: string;
    pods: { total: number };
    capabilities: Record<string, { enabled: boolean }> | null;
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    const child = spawnBun(['src/demo/main.ts'], env);
    const url = (JSON.parse(await child.waitFor((l) => l.includes('"msg":"listening"'), 60_000)) as { url: string }).url;
    const fleet = JSON.parse(await child.waitFor((l) => l.includes('"msg":"demo fleet started"'), 60_000)) as Fleet;
    const login = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ email: 'ops@demo.test', password: 'demo-password-123' }),
    });
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const clusters = async () => ((await (await fetch(`${url}/v1/clusters`, { headers: { cookie } })).json()) as { clusters: ClusterJson[] }).clusters;
    return { child, fleet, clusters };
  };
  let run: Awaited<ReturnType<typeof start>> | null = null;
  try {
    run = await start();
    const first = run.fleet.clusters;
    expect(first.length).toBeGreaterThanOrEqual(4);
    expect(first.every((c) => alive(c.agentPid))).toBe(true);
    // Bounded wait for heartbeats from every agent and the statuses they lead to: most clusters Healthy, a
    // crash loop in the dev lab (Warning), one in the plant's production cluster (Critical), and Berlin's image
    // that cannot be pulled (medium, raised by production: Critical), nothing else.
    const expected = {
      'northwind-ops': 'healthy',
      'contoso-edge-lab': 'warning',
      'contoso-store-berlin': 'critical',
      'fabrikam-plant-01': 'critical',
      'fabrikam-line-07': 'healthy',
    };
    const deadline = Date.now() + 90_000;
    let rows: ClusterJson[] = [];
    for (;;) {
      rows = await run.clusters();
      const beating = rows.filter((c) => c.pods.total > 0 && c.capabilities);
      const statuses = Object.fromEntries(rows.map((c) => [c.name, c.status]));
      if (beating.length === first.length && Bun.deepEquals(statuses, expected)) break;
      if (Date.now() > deadline) throw new Error(`fleet not up: ${JSON.stringify(rows.map((c) => [c.name, c.status, c.pods.total]))}`);
      await Bun.sleep(250);
    }
    expect(new Set(rows.map((c) => c.orgName)).size).toBe(3);
    const byName = new Map(rows.map((c) => [c.name, c]));
    expect(byName.get('northwind-ops')!.capabilities!.logs.enabled).toBe(true);
    expect(byName.get('contoso-store-berlin')!.capabilities!.podMetrics.enabled).toBe(false);
    expect(new Set(rows.map((c) => c.pods.total)).size).toBeGreaterThan(2);

    await run.child.kill();
    for (const c of first) expect({ name: c.name, alive: alive(c.agentPid) }).toEqual({ name: c.name, alive: false });
    run = null;

    // Same database and data dir: the same clusters come back (agents reuse their keys; nothing re-enrolls).
    run = await start();
    expect(run.fleet.clusters.map((c) => c.clusterId)).toEqual(first.map((c) => c.clusterId));
    const again = Date.now() + 30_000;
    while (!(await run.clusters()).every((c) => c.capabilities && c.status !== 'pending')) {
      if (Date.now() > again) throw new Error('fleet did not come back');
      await Bun.sleep(250);
    }
    expect(run.child.lines.some((l) => l.includes('"msg":"cluster enrolled"'))).toBe(false);
  } finally {
    await run?.child.kill();
    await testDb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);
