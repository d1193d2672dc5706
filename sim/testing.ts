// Helpers for tests that talk to a simulator: an authenticated HTTPS fetch that trusts its CA, and bounded waiting.
import type { Simulator } from './index.ts';

export type AsUser = 'agent' | 'admin' | 'anonymous';

/** fetch against the simulator with its CA trusted (Bun's `tls.ca`) and the chosen identity's bearer token. */
export function kubeFetch(sim: Simulator, path: string, init: RequestInit & { as?: AsUser } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const as = init.as ?? 'agent';
  if (as !== 'anonymous') headers.set('Authorization', `Bearer ${as === 'admin' ? sim.adminToken : sim.token}`);
  return fetch(`${sim.url}${path}`, { ...init, headers, tls: { ca: sim.caPem } });
}

export async function kubeJson<T = Record<string, unknown>>(
  sim: Simulator,
  path: string,
  init: RequestInit & { as?: AsUser } = {},
): Promise<{ status: number; body: T }> {
  const response = await kubeFetch(sim, path, init);
  return { status: response.status, body: (await response.json()) as T };
}

/** Poll `check` until it returns a truthy value; fail after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
