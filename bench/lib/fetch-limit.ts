// Bun's fetch keeps at most 256 requests in flight per process unless BUN_CONFIG_MAX_HTTP_REQUESTS, read once when the
// process starts, allows more. A load generator playing thousands of agents (each of which has its own connection in
// life) would queue its beats inside itself and time that queue as the server's latency. `ensureAgentFetchLimit`
// starts the benchmark again with the limit raised, unless it already is, and exits with the child's code.
import { runAgain } from './run-again';

export const AGENT_FETCHES_AT_ONCE = 65_535;

export async function ensureAgentFetchLimit(): Promise<void> {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS === String(AGENT_FETCHES_AT_ONCE)) return;
  process.exit(await runAgain({ BUN_CONFIG_MAX_HTTP_REQUESTS: String(AGENT_FETCHES_AT_ONCE) }));
}
