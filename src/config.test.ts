// Configuration: validated at start-up, every bad variable named at once.
import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION, loadConfig } from './config';

test('defaults: embedded database, a generated secret persisted in the data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-cfg-'));
  const a = loadConfig({ NIRO_DATA_DIR: dir });
  const b = loadConfig({ NIRO_DATA_DIR: dir });
  expect(a.ok && b.ok).toBe(true);
  if (!a.ok || !b.ok) return;
  expect(a.config.databaseUrl).toBeNull();
  expect(a.config.port).toBe(3000);
  expect(a.config.secret.length).toBeGreaterThanOrEqual(32);
  expect(b.config.secret).toBe(a.config.secret);
});

test('every bad variable is named', () => {
  const r = loadConfig({
    PORT: 'abc',
    DATABASE_URL: 'mysql://x',
    NIRO_PUBLIC_URL: 'ftp://x',
    NIRO_LOG_LEVEL: 'loud',
    NIRO_SECRET: 'short',
    NIRO_TRUST_PROXY: 'yes',
    NIRO_METRICS_TOKEN: 'short',
    NIRO_AGENT_VERSION: 'a b',
    NIRO_ROLLOUT_TIMEOUT_SECONDS: '5',
  });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  const text = r.errors.join('\n');
  for (const name of [
    'PORT',
    'DATABASE_URL',
    'NIRO_PUBLIC_URL',
    'NIRO_LOG_LEVEL',
    'NIRO_SECRET',
    'NIRO_TRUST_PROXY',
    'NIRO_METRICS_TOKEN',
    'NIRO_AGENT_VERSION',
    'NIRO_ROLLOUT_TIMEOUT_SECONDS',
  ])
    expect(text).toContain(name);
});

test('a shared secret is required with an external database', () => {
  const r = loadConfig({ DATABASE_URL: 'postgres://localhost/niro' });
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.errors.join()).toContain('NIRO_SECRET');
});

test('the inflate budget defaults to two bodies at the limit and must hold at least one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-cfg-'));
  const d = loadConfig({ NIRO_DATA_DIR: dir, NIRO_MAX_BODY_BYTES: '1048576' });
  expect(d.ok && d.config.inflateBudgetBytes).toBe(2 * 1048576);
  const small = loadConfig({ NIRO_DATA_DIR: dir, NIRO_MAX_BODY_BYTES: '1048576', NIRO_INFLATE_BUDGET_BYTES: '1048575' });
  expect(small.ok).toBe(false);
  if (!small.ok) expect(small.errors.join()).toContain('NIRO_INFLATE_BUDGET_BYTES');
});

test('a heartbeat waits at most 1 s for its turn unless NIRO_HEARTBEAT_MAX_WAIT_MS says otherwise (0: as long as the line takes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-cfg-'));
  const def = loadConfig({ NIRO_DATA_DIR: dir });
  expect(def.ok && def.config.heartbeatMaxWaitMs).toBe(1000);
  const set = loadConfig({ NIRO_DATA_DIR: dir, NIRO_HEARTBEAT_MAX_WAIT_MS: '2500' });
  expect(set.ok && set.config.heartbeatMaxWaitMs).toBe(2500);
  const off = loadConfig({ NIRO_DATA_DIR: dir, NIRO_HEARTBEAT_MAX_WAIT_MS: '0' });
  expect(off.ok && off.config.heartbeatMaxWaitMs).toBe(0);
  const bad = loadConfig({ NIRO_DATA_DIR: dir, NIRO_HEARTBEAT_MAX_WAIT_MS: '-5' });
  expect(bad.ok).toBe(false);
  if (!bad.ok) expect(bad.errors.join()).toContain('NIRO_HEARTBEAT_MAX_WAIT_MS');
});

test('the agent offered for self-update: the server’s own version by default, NIRO_AGENT_VERSION when the image is another release', () => {
  const dir = mkdtempSync(join(tmpdir(), 'niro-cfg-'));
  const def = loadConfig({ NIRO_DATA_DIR: dir });
  expect(def.ok && [def.config.agentVersion, def.config.agentImage, def.config.rolloutTimeoutSeconds]).toEqual([VERSION, `niro-agent:${VERSION}`, 600]);
  const set = loadConfig({
    NIRO_DATA_DIR: dir,
    NIRO_AGENT_IMAGE: 'registry.example/niro-agent:0.3.0',
    NIRO_AGENT_VERSION: '0.3.0',
    NIRO_ROLLOUT_TIMEOUT_SECONDS: '120',
  });
  expect(set.ok && [set.config.agentVersion, set.config.agentImage, set.config.rolloutTimeoutSeconds]).toEqual([
    '0.3.0',
    'registry.example/niro-agent:0.3.0',
    120,
  ]);
});
