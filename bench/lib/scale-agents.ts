// The fleet-scale benchmark's agents (bench/fleet-scale.ts): what each sends (a full inventory of 30 pods, then
// delta beats on the acknowledged generation) and one beat over HTTP, timed into a tally.
import { PROTOCOL, AGENT_KEY_HEADER, type PodDetail } from '../../src/contract';
import { gzipJson, makeHeartbeat, makePods, makeWorkloadsFor } from '../../src/testing/heartbeats';

export const PODS = 30;
const USAGE_VARIANTS = 16;
/** This pod of every cluster is crash-looping (the status filter's case). */
const CRASHING_POD = 7;

/** An agent as the load generator plays it: its key and what the control plane last acknowledged. */
export type Agent = { key: string; base: string | null; workloadsBase: string | null };

/** Round trips, errors, and the most beats this generator had in flight at once (each agent's own connection). */
export type Tally = { latencies: number[]; errors: number; errorKinds: Map<string, number>; inFlight: number; maxInFlight: number };

export function newTally(): Tally {
  return { latencies: [], errors: 0, errorKinds: new Map(), inFlight: 0, maxInFlight: 0 };
}

/** A tally's errors by kind, "503 overloaded 12, failed TypeError 1". */
export function describeErrorKinds(kinds: Map<string, number>): string {
  return [...kinds].map(([k, n]) => `${k} ${n}`).join(', ');
}

/**
 * A cluster's 30 pods, pod CRASHING_POD crash-looping, their usage varied by `variant`, in the agent's order: by
 * "namespace/name", compared by UTF-16 code unit. `rebooted`: every container restarted once since (a node reboot).
 */
function podsOf(variant: number, rebooted = false): PodDetail[] {
  const key = (p: PodDetail) => `${p.namespace}/${p.name}`;
  return makePods(PODS, variant, 0)
    .map((p, i) => (i === CRASHING_POD ? { ...p, status: 'CrashLoopBackOff', restarts: 12, ready: '1/2' } : p))
    .map((p) => (rebooted ? { ...p, restarts: p.restarts + 1 } : p))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export type Bodies = {
  full: Uint8Array<ArrayBuffer>;
  /** The full first beat of an agent started again after its node rebooted: every pod restarted once. */
  rebooted: Uint8Array<ArrayBuffer>;
  delta(base: string, workloadsBase: string, variant: number): Uint8Array<ArrayBuffer>;
};

/** What an agent sends: its full first beat, and delta beats once acknowledged (every pod's usage, no pod changed). */
export function makeBodies(): Bodies {
  const pods = podsOf(0);
  const full = makeHeartbeat({ pods, workloads: makeWorkloadsFor(pods, 0, true), protocol: PROTOCOL });
  const after = podsOf(0, true);
  const rebooted = makeHeartbeat({ pods: after, workloads: makeWorkloadsFor(after, 0, true), protocol: PROTOCOL });
  const deltas = new Map<string, Uint8Array<ArrayBuffer>[]>();
  const { workloads: _w, workloadsTruncated: _t, ...rest } = full;
  return {
    full: gzipJson(full),
    rebooted: gzipJson(rebooted),
    delta(base, workloadsBase, variant) {
      const key = `${base} ${workloadsBase}`;
      let list = deltas.get(key);
      if (!list) {
        list = Array.from({ length: USAGE_VARIANTS }, (_, v) => {
          const usage = podsOf(v + 1);
          return gzipJson({
            ...rest,
            pods: [],
            workloadsBase,
            inventory: { base, changed: [], removed: [], cpuMilli: usage.map((p) => p.cpuUsageMilli), memBytes: usage.map((p) => p.memUsageBytes) },
          });
        });
        deltas.set(key, list);
      }
      return list[variant % USAGE_VARIANTS]!;
    },
  };
}

type HeartbeatAnswer = { inventoryGeneration?: string; workloadsGeneration?: string; fullInventory?: boolean; resendTemplates?: boolean };

/** The refusal an agent answers by waiting for its Retry-After: the replica's heartbeat line is full. */
export function isOverloaded(status: number, code: string | null): boolean {
  return status === 503 && code === 'overloaded';
}

/** How a beat ended: 200, or the status with its error code and the Retry-After it carried (0: no answer). */
export type BeatOutcome = { status: number; code: string | null; retryAfterS: number | null };

/**
 * One beat of agent `a` to `url`: a delta when it holds an acknowledgement, else `full` (its full inventory);
 * timed into `tally`, where a refusal counts as an error of its status and code unless `refusalIsAnswer` says
 * it is the answer the phase expects (the reboot night's 503 overloaded).
 */
export async function beatOnce(
  url: string,
  a: Agent,
  beat: number,
  bodies: Bodies,
  tally: Tally,
  opts: { full?: Uint8Array<ArrayBuffer>; refusalIsAnswer?: (status: number, code: string) => boolean } = {},
): Promise<BeatOutcome> {
  const body = a.base && a.workloadsBase ? bodies.delta(a.base, a.workloadsBase, beat) : (opts.full ?? bodies.full);
  const failed = (kind: string) => {
    tally.errors++;
    tally.errorKinds.set(kind, (tally.errorKinds.get(kind) ?? 0) + 1);
  };
  const t0 = performance.now();
  tally.maxInFlight = Math.max(tally.maxInFlight, ++tally.inFlight);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { [AGENT_KEY_HEADER]: a.key, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    const text = await res.text();
    if (res.status !== 200) {
      const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? '';
      const retryAfter = res.headers.get('retry-after');
      const outcome = { status: res.status, code, retryAfterS: retryAfter === null ? null : Number(retryAfter) };
      if (opts.refusalIsAnswer?.(res.status, code)) return outcome;
      tally.latencies.push(performance.now() - t0);
      failed(`${res.status} ${code}`.trim());
      return outcome;
    }
    tally.latencies.push(performance.now() - t0);
    const answer = JSON.parse(text) as HeartbeatAnswer;
    a.base = answer.fullInventory ? null : (answer.inventoryGeneration ?? null);
    a.workloadsBase = answer.resendTemplates ? null : (answer.workloadsGeneration ?? a.workloadsBase);
    return { status: 200, code: null, retryAfterS: null };
  } catch (e) {
    tally.latencies.push(performance.now() - t0);
    failed(`failed ${(e as Error).name}`);
    return { status: 0, code: null, retryAfterS: null };
  } finally {
    tally.inFlight--;
  }
}
