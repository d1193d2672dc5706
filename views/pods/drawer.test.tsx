// The pod drawer's words: a cluster without metrics says so once (not in the live part and again under the
// chart), and the chart's caption counts its points in the right number.
import { describe, expect, test } from 'bun:test';
import Html from '@kitajs/html';
import { makePod } from '../../src/testing/heartbeats';
import { PodChart, PodDrawer, type ChartProps, type DrawerLiveProps } from './drawer';

const now = new Date('2026-05-01T12:00:00Z');
const cluster = { id: '00000000-0000-4000-8000-000000000001', name: 'edge-01', status: 'healthy' as const, lastHeartbeatAt: now, logsEnabled: true };
const pod = makePod(1);

function chart(over: Partial<ChartProps> = {}): ChartProps {
  return {
    clusterId: cluster.id,
    namespace: pod.namespace,
    name: pod.name,
    window: '1h',
    windows: ['1h'],
    plan: 'free',
    metrics: { available: true },
    data: null,
    ...over,
  };
}

function live(over: Partial<DrawerLiveProps> = {}): DrawerLiveProps {
  return { cluster, namespace: pod.namespace, name: pod.name, pod, usage: null, metrics: { available: true }, problems: [], ...over };
}

const count = (html: string, text: string): number => html.split(text).length - 1;

describe('metrics unavailable', () => {
  test('is said once in the drawer, with its reason', async () => {
    const metrics = { available: false as const, reason: 'metrics-server is not installed or not serving in this cluster' };
    const html = await (<PodDrawer {...live({ metrics })} chart={chart({ metrics })} closeUrl="/pods" />);
    expect(count(html, 'Metrics unavailable')).toBe(1);
    expect(html).toContain(metrics.reason);
    expect(html).toContain('No usage history to chart.');
  });
});

describe('chart caption', () => {
  const data = (n: number) => ({
    t: Array.from({ length: n }, (_, i) => 1_780_000_000 + i * 15),
    cpu: Array(n).fill(5),
    mem: Array(n).fill(1024),
    cpuRequest: 0,
    cpuLimit: 0,
    memRequest: 0,
    memLimit: 0,
    stepSeconds: 15,
    source: 'raw' as const,
    from: 1_780_000_000,
    to: 1_780_003_600,
  });
  test('one point is "1 point", more are "points"', async () => {
    expect(await (<PodChart {...chart({ data: data(1) })} />)).toContain('1 point, 15s buckets');
    expect(await (<PodChart {...chart({ data: data(3) })} />)).toContain('3 points, 15s buckets');
  });
});
