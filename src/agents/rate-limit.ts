// Rate limits of the agent endpoints (heartbeats per cluster, enrollments per client address): a token
// bucket per key, in this replica's memory. With N replicas behind a load balancer a key can get up to
// N times the rate — acceptable for their purpose (one broken agent or script in a tight loop must not
// starve the others), and free of DB writes.

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };
export type RateLimiter = { take(key: string, nowMs?: number): RateDecision };

/** Beyond this many keys, idle (full) buckets are dropped: a full bucket is the same as no bucket. */
const MAX_KEYS = 100_000;

export function createRateLimiter(opts: { perMinute: number; burst: number }): RateLimiter {
  const refillPerMs = opts.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, nowMs = Date.now()) {
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= MAX_KEYS) {
          for (const [k, v] of buckets) if (v.tokens + (nowMs - v.at) * refillPerMs >= opts.burst) buckets.delete(k);
        }
        b = { tokens: opts.burst, at: nowMs };
        buckets.set(key, b);
      }
      b.tokens = Math.min(opts.burst, b.tokens + (nowMs - b.at) * refillPerMs);
      b.at = nowMs;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / refillPerMs / 1000)) };
    },
  };
}
