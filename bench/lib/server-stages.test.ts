import { describe, expect, test } from 'bun:test';
import { createMetrics } from '../../src/metrics';
import { bucketQuantileMs, describeServerSide, diffHeartbeatHistograms, readHeartbeatHistograms } from './server-stages';

describe('reading the replicas’ heartbeat histograms', () => {
  test('sums replicas, subtracts the reading before, and gives quantiles as bucket bounds', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.heartbeatIngestSeconds.observe(0.003);
    const before = readHeartbeatHistograms([await a.registry.metrics(), await b.registry.metrics()]);
    // After the first reading: 98 fast beats on two replicas, two slow ones, one slow store stage.
    for (let i = 0; i < 49; i++) {
      a.heartbeatIngestSeconds.observe(0.004);
      b.heartbeatIngestSeconds.observe(0.02);
    }
    a.heartbeatIngestSeconds.observe(0.7);
    b.heartbeatIngestSeconds.observe(3);
    b.heartbeatStageSeconds.observe({ stage: 'store' }, 0.3);
    const after = readHeartbeatHistograms([await a.registry.metrics(), await b.registry.metrics()]);
    const phase = diffHeartbeatHistograms(before, after);
    expect(phase.get('ingest')?.get(Infinity)).toBe(100);
    expect(bucketQuantileMs(phase.get('ingest'), 0.49)).toBe(5);
    expect(bucketQuantileMs(phase.get('ingest'), 0.5)).toBe(25);
    expect(bucketQuantileMs(phase.get('ingest'), 0.99)).toBe(1000);
    expect(bucketQuantileMs(phase.get('ingest'), 1)).toBe(5000);
    expect(bucketQuantileMs(phase.get('store'), 0.99)).toBe(500);
    expect(bucketQuantileMs(phase.get('wait'), 0.99)).toBeNull();
    expect(describeServerSide(phase)).toBe('server side: ingest p50 ≤ 25 ms, p99 ≤ 1000 ms; stage p99: agent –, parse –, wait –, store ≤ 500 ms, answer –');
  });

  test('a beat past the last bound is said to be', async () => {
    const m = createMetrics();
    m.heartbeatIngestSeconds.observe(30);
    const h = readHeartbeatHistograms([await m.registry.metrics()]);
    expect(bucketQuantileMs(h.get('ingest'), 0.99)).toBe(Infinity);
  });
});
