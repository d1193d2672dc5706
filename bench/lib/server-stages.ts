// The control planes' own view of a phase's heartbeats: the replicas' niro_heartbeat_ingest_seconds and
// niro_heartbeat_stage_seconds histograms (src/metrics.ts), read before and after, summed over the replicas.
// Their quantiles are bucket bounds ("≤ 25 ms"), so they tell where a beat's time goes on the server, next to the
// load generator's round trips, which also hold the time a request spends on the wire and in the server's queue
// for its event loop.
import type { SpawnedPlane } from './spawned-plane';

/** Cumulative bucket counts per series ("ingest", or a stage's name), keyed by the bucket's upper bound. */
export type HeartbeatHistograms = Map<string, Map<number, number>>;

const SERIES = /^niro_heartbeat_(ingest|stage)_seconds_bucket\{([^}]*)\} (\d+(?:\.\d+)?)$/gm;

/** The heartbeat histograms of one or more /metrics texts, summed. */
export function readHeartbeatHistograms(texts: string[]): HeartbeatHistograms {
  const out: HeartbeatHistograms = new Map();
  for (const text of texts)
    for (const m of text.matchAll(SERIES)) {
      const labels = new Map([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!] as const));
      const series = m[1] === 'ingest' ? 'ingest' : (labels.get('stage') ?? '');
      const le = labels.get('le') === '+Inf' ? Infinity : Number(labels.get('le'));
      const buckets = out.get(series) ?? new Map<number, number>();
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[3]));
      out.set(series, buckets);
    }
  return out;
}

/** The histograms of the first `replicas` of `p`, summed. */
export async function readServerSide(p: SpawnedPlane, replicas: number): Promise<HeartbeatHistograms> {
  return readHeartbeatHistograms(await Promise.all(p.replicas.slice(0, replicas).map((r) => p.metrics(r))));
}

/** What was observed between two readings. */
export function diffHeartbeatHistograms(before: HeartbeatHistograms, after: HeartbeatHistograms): HeartbeatHistograms {
  const out: HeartbeatHistograms = new Map();
  for (const [series, buckets] of after) {
    const was = before.get(series);
    out.set(series, new Map([...buckets].map(([le, n]) => [le, n - (was?.get(le) ?? 0)])));
  }
  return out;
}

/** The upper bound, in ms, of the bucket holding quantile `q` (Infinity: past the last bound); null when empty. */
export function bucketQuantileMs(buckets: Map<number, number> | undefined, q: number): number | null {
  if (!buckets) return null;
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  for (const [le, n] of sorted) if (n >= q * total) return le * 1000;
  return Infinity;
}

const STAGES = ['agent', 'parse', 'wait', 'store', 'answer'];

/** One line: the server-side ingest p50/p99 and each stage's p99, as bucket bounds. */
export function describeServerSide(h: HeartbeatHistograms): string {
  const bound = (v: number | null) => (v === null ? '–' : v === Infinity ? '> last bucket' : `≤ ${v} ms`);
  const ingest = h.get('ingest');
  const stages = STAGES.map((s) => `${s} ${bound(bucketQuantileMs(h.get(s), 0.99))}`).join(', ');
  return `server side: ingest p50 ${bound(bucketQuantileMs(ingest, 0.5))}, p99 ${bound(bucketQuantileMs(ingest, 0.99))}; stage p99: ${stages}`;
}
