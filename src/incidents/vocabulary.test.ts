// The severity table: base severity per kind moved by the environment (production +1, dev −1, clamped),
// and the README documents exactly the kinds and base severities of KINDS.
import { expect, test } from 'bun:test';
import { ENVIRONMENTS } from '../clusters/vocabulary';
import { statusFromSeverities } from '../clusters/status-rules';
import { INCIDENT_KINDS, KINDS, severityFor } from './vocabulary';

test('environment table: production raises, dev lowers, staging and unspecified keep; clamped to low..high', () => {
  const table = Object.fromEntries(INCIDENT_KINDS.map((k) => [k, ENVIRONMENTS.map((e) => severityFor(k, e)).join(' ')]));
  // Columns: production staging dev unspecified.
  expect(table).toEqual({
    cluster_offline: 'high high medium high',
    pod_crash_looping: 'high high medium high',
    image_pull_failing: 'high medium low medium',
    oom_killed: 'high medium low medium',
    pod_pending_too_long: 'high medium low medium',
    node_not_ready: 'high high medium high',
    node_pressure: 'high medium low medium',
    workload_unavailable: 'high high medium high',
    agent_outdated: 'medium low low low',
    heartbeat_truncated: 'medium low low low',
  });
});

test('cluster status follows the seeds’ table: Warning for low/medium, Critical for high, Healthy for none', () => {
  expect(statusFromSeverities([])).toBe('healthy');
  expect(statusFromSeverities(['low'])).toBe('warning');
  expect(statusFromSeverities(['medium', 'low'])).toBe('warning');
  expect(statusFromSeverities(['low', 'high'])).toBe('critical');
});

test('the README lists every kind with its base severity', async () => {
  const readme = await Bun.file(new URL('../../README.md', import.meta.url)).text();
  for (const k of INCIDENT_KINDS) expect(readme).toContain(`| \`${k}\` | ${KINDS[k].base} |`);
});
