// Retry timing shared by every loop of the agent.

export interface BackoffPolicy {
  /** Upper bound of the first retry's delay, in ms. */
  baseMs: number;
  /** No delay ever exceeds this, in ms. */
  capMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential with full jitter, i.e. uniform
 * in [0, min(cap, base·2^(attempt-1))]. Why full jitter: when the control plane restarts, thousands
 * of agents fail at the same moment; exponential growth alone would bring them back in synchronized
 * waves, while a uniformly random delay spreads their retries over the whole window. The cap keeps
 * recovery prompt (an agent notices a returned control plane within one cap).
 */
export function computeBackoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(attempt, policy));
}

/** The upper bound computeBackoffMs draws from for `attempt`: what grows (and is logged) as failures repeat. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}

/**
 * Delay before retry number `attempt` of a call the control plane answered with Retry-After (a 503
 * while it is busy, say): never sooner than it asked, plus the usual jitter so agents told the same
 * Retry-After do not all return in the same instant. Without Retry-After, plain backoff.
 */
export function retryDelayMs(retryAfterSeconds: number | undefined, attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const jitter = computeBackoffMs(attempt, policy, random);
  return retryAfterSeconds === undefined ? jitter : retryAfterSeconds * 1000 + jitter;
}

/** `ms` ± `fraction`: spreads periodic work (heartbeats) so a fleet never beats in lockstep. */
export function jitterInterval(ms: number, fraction: number = 0.2, random: () => number = Math.random): number {
  return Math.round(ms * (1 - fraction + 2 * fraction * random()));
}

/** Waits `ms`, or less when `signal` aborts. Resolves true if the full time elapsed. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Loops that talk to the control plane: quick first retry, never longer than a minute apart. */
export const CONTROL_PLANE_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };
/** A rejected key or token won't fix itself quickly: retry rarely, so a deleted cluster's agent stays quiet. */
export const REJECTED_RETRY_MS = 5 * 60_000;
