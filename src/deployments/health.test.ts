// Deployment health from stored workload counts, known answers: each Argo CD state and which one wins.
import { describe, expect, test } from 'bun:test';
import type { StoredWorkload, WorkloadRef } from '../inventory/workloads';
import { DEFAULT_PROGRESS_DEADLINE_MS, deploymentHealth, workloadHealth, type Health } from './health';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);

function stored(ref: WorkloadRef, counts: Partial<StoredWorkload> = {}): StoredWorkload {
  return {
    ...ref,
    desired: 3,
    ready: 3,
    available: 3,
    updated: 3,
    progressing: false,
    labels: {},
    templateHash: 'h',
    template: null,
    hasPdb: false,
    notReadySince: null,
    firstSeenAt: ago(3_600_000),
    updatedAt: NOW,
    ...counts,
  };
}

const web: WorkloadRef = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const db: WorkloadRef = { kind: 'StatefulSet', namespace: 'shop', name: 'db' };
const svc = { kind: 'Service', namespace: 'shop', name: 'web' };

describe('one workload', () => {
  const cases: [string, StoredWorkload | undefined, string, string][] = [
    ['all available on the current template', stored(web), 'Healthy', ''],
    ['scaled to zero', stored(web, { desired: 0, ready: 0, available: 0, updated: 0 }), 'Healthy', ''],
    ['not on the cluster', undefined, 'Missing', 'Deployment shop/web is not on the cluster'],
    [
      'generation not observed yet',
      stored(web, { progressing: true }),
      'Progressing',
      'Deployment shop/web: waiting for the controller to observe the new generation',
    ],
    ['1 of 3 updated', stored(web, { updated: 1 }), 'Progressing', 'Deployment shop/web: 1 of 3 pods updated'],
    [
      'updated but 2 of 3 available, not ready for 1 min',
      stored(web, { ready: 2, available: 2, notReadySince: ago(60_000) }),
      'Progressing',
      'Deployment shop/web: 2 of 3 pods available',
    ],
    [
      'not ready for 11 min',
      stored(web, { ready: 1, available: 1, notReadySince: ago(11 * 60_000) }),
      'Degraded',
      'Deployment shop/web: 1 of 3 pods ready, not ready for 11 min (deadline 10 min)',
    ],
    [
      'stuck while progressing is still Degraded',
      stored(web, { progressing: true, ready: 0, available: 0, notReadySince: ago(DEFAULT_PROGRESS_DEADLINE_MS) }),
      'Degraded',
      'Deployment shop/web: 0 of 3 pods ready, not ready for 10 min (deadline 10 min)',
    ],
  ];
  for (const [name, w, health, message] of cases) {
    test(name, () => {
      expect(workloadHealth(web, w, NOW, DEFAULT_PROGRESS_DEADLINE_MS)).toEqual({ ref: web, health: health as Health, message });
    });
  }

  test('the deadline is a parameter: 30 s makes a 1 min wait Degraded', () => {
    expect(workloadHealth(web, stored(web, { ready: 2, available: 2, notReadySince: ago(60_000) }), NOW, 30_000).health).toBe('Degraded');
  });
});

describe('a deployment on a cluster', () => {
  test('no workload objects (a ConfigMap and a Service only) is Healthy', () => {
    expect(deploymentHealth({ clusterStatus: 'healthy', expected: [svc], workloads: [], now: NOW })).toEqual({ health: 'Healthy', message: '', workloads: [] });
  });

  test('the worst workload wins, in Argo CD order: Degraded over Missing over Progressing', () => {
    const progressing = stored(web, { updated: 2 });
    const degraded = stored(db, { ready: 0, available: 0, notReadySince: ago(20 * 60_000) });
    let h = deploymentHealth({ clusterStatus: 'healthy', expected: [web, db], workloads: [progressing], now: NOW });
    expect(h.health).toBe('Missing');
    expect(h.message).toBe('StatefulSet shop/db is not on the cluster');
    expect(h.workloads.map((w) => w.health)).toEqual(['Progressing', 'Missing']);
    h = deploymentHealth({ clusterStatus: 'warning', expected: [web, db], workloads: [progressing, degraded], now: NOW });
    expect(h.health).toBe('Degraded');
    h = deploymentHealth({ clusterStatus: 'critical', expected: [web, db], workloads: [progressing, stored(db)], now: NOW });
    expect(h).toMatchObject({ health: 'Progressing', message: 'Deployment shop/web: 2 of 3 pods updated' });
  });

  test('only the expected workloads are read: an unhealthy neighbour does not count', () => {
    const other = stored({ kind: 'Deployment', namespace: 'shop', name: 'other' }, { ready: 0, available: 0, notReadySince: ago(3_600_000) });
    expect(deploymentHealth({ clusterStatus: 'healthy', expected: [web], workloads: [other, stored(web)], now: NOW }).health).toBe('Healthy');
  });

  test('a silent cluster is Unknown whatever it last said, and says why', () => {
    for (const [status, message] of [
      ['offline', 'the cluster is offline; its last report may be stale'],
      ['unknown', 'the cluster is unknown; its last report may be stale'],
      ['pending', 'the cluster has not heartbeated yet'],
    ] as const) {
      const h = deploymentHealth({ clusterStatus: status, expected: [web], workloads: [stored(web)], now: NOW });
      expect(h).toMatchObject({ health: 'Unknown', message });
      expect(h.workloads[0].health).toBe('Healthy');
    }
  });
});
