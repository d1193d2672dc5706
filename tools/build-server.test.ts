// The compiled control plane (npm run build:server) needs no file of the repository: run from an empty directory
// with no DATABASE_URL it creates its embedded database, applies the migrations, serves every page asset and the
// agent installer, answers /readyz, prints its setup link, and stops on SIGTERM; `niro admin` works on the same
// database once the server is stopped (and refuses while it runs).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import { spawnCommand } from '../src/testing/spawn';
import { parsePrometheusText } from '../src/testing/prometheus';

const work = mkdtempSync(join(tmpdir(), 'niro-server-bin-'));
const binary = join(work, 'niro');
const dataDir = join(work, 'data');
/** Nothing of the developer's environment: the binary must not need it. */
const BARE_ENV = { PATH: '/usr/bin:/bin', HOME: work };

beforeAll(() => {
  const build = Bun.spawnSync([process.execPath, 'tools/build-server.ts', '--outfile', binary], {
    cwd: join(import.meta.dir, '..'),
    stderr: 'pipe',
    stdout: 'pipe',
  });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('--version runs from anywhere', () => {
  const run = Bun.spawnSync([binary, '--version'], { cwd: work, env: BARE_ENV });
  expect(run.stdout.toString().trim()).toBe(`niro ${pkg.version}`);
});

test('boots on the embedded database to /readyz, serves its assets and the installer, stops on SIGTERM', async () => {
  const metricsToken = 'binary-metrics-token-0123456789';
  const server = spawnCommand(
    [binary],
    { ...BARE_ENV, PORT: '0', NIRO_DATA_DIR: dataDir, NIRO_METRICS_TOKEN: metricsToken, NIRO_STATUS_CHECK_SECONDS: '1' },
    work,
  );
  try {
    const url = (JSON.parse(await server.waitFor((l) => l.includes('"msg":"listening"'), 90_000)) as { url: string }).url;
    const ready = await fetch(`${url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { ok: true } });
    const login = await (await fetch(`${url}/login`)).text();
    const assets = [...login.matchAll(/"(\/assets\/[0-9a-f]+\/[\w.-]+)"/g)].map((m) => m[1]);
    expect(assets.map((a) => a.split('/').pop())).toEqual(expect.arrayContaining(['app.js', 'htmx.js', 'app.css']));
    for (const asset of assets) expect({ asset, status: (await fetch(url + asset)).status }).toEqual({ asset, status: 200 });
    const installer = await fetch(`${url}/install.sh`);
    expect(installer.status).toBe(200);
    expect(await installer.text()).toStartWith('#!/bin/sh');
    // Metrics, as wired by server.ts: the embedded database's one connection, and the jobs' passes.
    const scrape = async () => parsePrometheusText(await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text());
    expect((await scrape()).samples.get('niro_db_pool_max_connections')).toBe(1);
    const deadline = Date.now() + 20_000;
    while (!(await scrape()).samples.get('niro_job_runs_total{job="status job",result="ran"}')) {
      if (Date.now() > deadline) throw new Error('no status job pass counted');
      await Bun.sleep(250);
    }
    // No owner yet: the one-time setup link is printed.
    expect(JSON.parse(await server.waitFor((l) => l.includes('"setupUrl"'), 10_000)).setupUrl).toContain('/setup?token=');
    // The embedded database is this server's alone while it runs.
    const beside = Bun.spawnSync([binary, 'admin', 'user', 'create', '--email', 'ops@bin.test', '--new-org', 'Bin'], {
      cwd: work,
      env: { ...BARE_ENV, NIRO_DATA_DIR: dataDir },
    });
    expect({ code: beside.exitCode, err: beside.stderr.toString() }).toEqual({ code: 1, err: expect.stringContaining('is in use by process') });
    server.proc.kill('SIGTERM');
    expect(await server.proc.exited).toBe(0);
  } finally {
    server.proc.kill('SIGKILL');
  }
}, 120_000);

test('niro admin creates the owner on the stopped server; started again, it offers no setup and the owner signs in', async () => {
  const created = Bun.spawnSync([binary, 'admin', 'user', 'create', '--email', 'ops@bin.test', '--new-org', 'Bin'], {
    cwd: work,
    env: { ...BARE_ENV, NIRO_DATA_DIR: dataDir },
  });
  expect({ code: created.exitCode, err: created.stderr.toString() }).toEqual({ code: 0, err: expect.stringContaining('created ops@bin.test (owner of Bin') });
  const password = created.stdout.toString().trim();
  const server = spawnCommand([binary], { ...BARE_ENV, PORT: '0', NIRO_DATA_DIR: dataDir }, work);
  try {
    const url = (JSON.parse(await server.waitFor((l) => l.includes('"msg":"listening"'), 90_000)) as { url: string }).url;
    const login = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email: 'ops@bin.test', password }) });
    expect(login.status).toBe(303);
    expect(server.lines.some((l) => l.includes('"setupUrl"'))).toBe(false);
    server.proc.kill('SIGTERM');
    expect(await server.proc.exited).toBe(0);
  } finally {
    server.proc.kill('SIGKILL');
  }
}, 120_000);
