// The rollout's health gate, known answers: applied and Healthy for the set time is done; a failed apply, an
// Unknown or Degraded cluster fails; progress and a short Missing wait; a break in health restarts the clock.
import { expect, test } from 'bun:test';
import type { DeploymentHealth } from './health';
import { judgeCluster, type ApplyFacts, type GateInput } from './waves-gate';

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const healthy: DeploymentHealth = { health: 'Healthy', message: '', workloads: [] };
const applied: ApplyFacts = { status: 'applied', appliedRevision: 2, desiredRevision: 2, error: null };

function input(over: Partial<GateInput>): GateInput {
  return {
    revision: 2,
    apply: applied,
    health: healthy,
    reportedSinceApply: true,
    startedAt: T0,
    healthySince: null,
    now: at(10),
    healthyMs: 60_000,
    missingGraceMs: 120_000,
    ...over,
  };
}

test('applied and Healthy: the clock starts now, and it is done once it held for the set time', () => {
  expect(judgeCluster(input({}))).toEqual({ verdict: 'wait', healthySince: at(10), message: 'applied and Healthy for 0 s of 60 s' });
  expect(judgeCluster(input({ healthySince: at(10), now: at(40) }))).toEqual({
    verdict: 'wait',
    healthySince: at(10),
    message: 'applied and Healthy for 30 s of 60 s',
  });
  expect(judgeCluster(input({ healthySince: at(10), now: at(70) }))).toEqual({ verdict: 'done', healthySince: at(10) });
  expect(judgeCluster(input({ healthyMs: 0 }))).toEqual({ verdict: 'done', healthySince: at(10) });
});

test("Healthy before any heartbeat sent after the apply does not count: those counts are the old revision's", () => {
  expect(judgeCluster(input({ reportedSinceApply: false, healthySince: at(0) }))).toEqual({
    verdict: 'wait',
    healthySince: null,
    message: 'applied; waiting for a heartbeat sent after the apply',
  });
});

test('not applied yet waits, and says where the apply is; an older applied revision does not count', () => {
  expect(judgeCluster(input({ apply: null }))).toMatchObject({
    verdict: 'wait',
    healthySince: null,
    message: 'waiting for revision 2 to be applied (not queued yet)',
  });
  expect(judgeCluster(input({ apply: { ...applied, status: 'pending', appliedRevision: 1 } }))).toMatchObject({
    verdict: 'wait',
    message: 'waiting for revision 2 to be applied (queued, the agent has not picked it up)',
  });
  expect(judgeCluster(input({ apply: { ...applied, appliedRevision: 1 }, healthySince: at(0) }))).toMatchObject({ verdict: 'wait', healthySince: null });
});

test('a failed apply of this revision fails with the Kubernetes error', () => {
  const apply: ApplyFacts = {
    status: 'failed',
    appliedRevision: 1,
    desiredRevision: 2,
    error: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1',
  };
  expect(judgeCluster(input({ apply }))).toEqual({
    verdict: 'fail',
    message: 'apply of revision 2 failed: Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1',
  });
});

test('Unknown fails at once, Degraded fails once applied, Progressing waits and breaks the clock', () => {
  expect(judgeCluster(input({ health: { health: 'Unknown', message: 'the cluster is offline; its last report may be stale', workloads: [] } }))).toEqual({
    verdict: 'fail',
    message: 'the cluster is offline; its last report may be stale',
  });
  expect(judgeCluster(input({ health: { health: 'Degraded', message: 'Deployment shop/web: 0 of 2 pods ready', workloads: [] } }))).toEqual({
    verdict: 'fail',
    message: 'unhealthy: Deployment shop/web: 0 of 2 pods ready',
  });
  expect(
    judgeCluster(input({ healthySince: at(0), health: { health: 'Progressing', message: 'Deployment shop/web: 1 of 2 pods updated', workloads: [] } })),
  ).toEqual({
    verdict: 'wait',
    healthySince: null,
    message: 'applied; Deployment shop/web: 1 of 2 pods updated',
  });
});

test('Missing is waited for after the apply, up to the grace time', () => {
  const missing: DeploymentHealth = { health: 'Missing', message: 'Deployment shop/web is not on the cluster', workloads: [] };
  expect(judgeCluster(input({ health: missing, now: at(119) }))).toMatchObject({ verdict: 'wait' });
  expect(judgeCluster(input({ health: missing, now: at(120) }))).toEqual({ verdict: 'fail', message: 'unhealthy: Deployment shop/web is not on the cluster' });
});
