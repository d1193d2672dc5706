// `npm run demo` ends on SIGTERM (sent to npm, as a process manager does) and on Ctrl-C (SIGINT to the terminal's
// process group): the control plane stops listening and every simulated agent is gone.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../testing/db';

const REPO = join(import.meta.dir, '..', '..');

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.drop();
});

type Demo = { npm: ChildProcess; url: string; agentPids: number[]; exited: Promise<number | null>; output: string[] };

/** `npm run demo` in a process group of its own (like a terminal's foreground job); resolves once its fleet runs. */
async function startDemo(dataDir: string): Promise<Demo> {
  const env = { ...process.env, PORT: '0', NIRO_DATA_DIR: dataDir, DATABASE_URL: testDb.url, NIRO_SECRET: 'd'.repeat(40), NIRO_LOG_LEVEL: 'info' };
  const npm = spawn('npm', ['run', '--silent', 'demo'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  const output: string[] = [];
  let url = '';
  let agentPids: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output.slice(-20).join('\n')}`)), 120_000);
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        output.push(line);
        if (line.includes('"msg":"listening"')) url = (JSON.parse(line) as { url: string }).url;
        if (line.includes('"msg":"demo fleet started"')) {
          agentPids = (JSON.parse(line) as { clusters: { agentPid: number }[] }).clusters.map((c) => c.agentPid);
          clearTimeout(timer);
          resolve();
        }
      }
    };
    npm.stdout!.on('data', onData);
    npm.stderr!.on('data', onData);
  });
  return { npm, url, agentPids, exited, output };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function listening(url: string): Promise<boolean> {
  return fetch(`${url}/healthz`).then(
    () => true,
    () => false,
  );
}

/** Sends `signal`, then waits (bounded) until npm, the server and every agent are gone. */
async function expectStopped(demo: Demo, send: () => void): Promise<void> {
  expect(await listening(demo.url)).toBe(true);
  expect(demo.agentPids.length).toBeGreaterThan(0);
  expect(demo.agentPids.every(alive)).toBe(true);
  send();
  const deadline = Date.now() + 30_000;
  await Promise.race([demo.exited, Bun.sleep(30_000)]);
  for (;;) {
    const left = { server: await listening(demo.url), agents: demo.agentPids.filter(alive) };
    if (!left.server && left.agents.length === 0) break;
    if (Date.now() > deadline) throw new Error(`still running after the signal: ${JSON.stringify(left)}\n${demo.output.slice(-10).join('\n')}`);
    await Bun.sleep(200);
  }
  expect(demo.npm.exitCode ?? demo.npm.signalCode).not.toBeNull();
}

test('SIGTERM to npm run demo stops the server and every simulated agent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-demo-term-'));
  const demo = await startDemo(dir);
  try {
    await expectStopped(demo, () => demo.npm.kill('SIGTERM'));
  } finally {
    // Whatever a failure left behind: the whole group (npm, the server, its agents).
    try {
      process.kill(-demo.npm.pid!, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);

test('Ctrl-C (SIGINT to the process group) stops the server and every simulated agent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-demo-int-'));
  const demo = await startDemo(dir);
  try {
    await expectStopped(demo, () => process.kill(-demo.npm.pid!, 'SIGINT'));
  } finally {
    try {
      process.kill(-demo.npm.pid!, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
