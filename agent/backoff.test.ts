// Checks retry timing: full-jitter exponential bounds, the cap, interval jitter, abortable sleep.
import { describe, expect, test } from 'bun:test';
import { computeBackoffMs, jitterInterval, sleep } from './backoff.ts';

const policy = { baseMs: 1000, capMs: 60_000 };

describe('computeBackoffMs', () => {
  test('the ceiling doubles per attempt and stops at the cap', () => {
    const ceiling = (attempt: number): number => computeBackoffMs(attempt, policy, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(ceiling)).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
    expect(ceiling(1000)).toBe(59999);
  });

  test('full jitter: anywhere from zero to the ceiling', () => {
    expect(computeBackoffMs(5, policy, () => 0)).toBe(0);
    expect(computeBackoffMs(5, policy, () => 0.5)).toBe(8000);
    for (let i = 0; i < 1000; i++) {
      const delay = computeBackoffMs(1 + (i % 12), policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(policy.capMs);
    }
  });

  test('attempt 0 or negative behaves as the first retry', () => {
    expect(computeBackoffMs(0, policy, () => 0.999)).toBe(999);
    expect(computeBackoffMs(-3, policy, () => 0.999)).toBe(999);
  });
});

test('jitterInterval stays within ±20%', () => {
  expect(jitterInterval(15_000, 0.2, () => 0)).toBe(12_000);
  expect(jitterInterval(15_000, 0.2, () => 1)).toBe(18_000);
  for (let i = 0; i < 1000; i++) {
    const ms = jitterInterval(15_000);
    expect(ms).toBeGreaterThanOrEqual(12_000);
    expect(ms).toBeLessThanOrEqual(18_000);
  }
});

describe('sleep', () => {
  test('resolves true when the time passes', async () => {
    expect(await sleep(1, new AbortController().signal)).toBe(true);
  });
  test('resolves false at once on abort, even for an hour', async () => {
    const controller = new AbortController();
    const pending = sleep(3_600_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(await sleep(3_600_000, controller.signal)).toBe(false);
  });
});
