// Heartbeats at the agents' real pace: every cluster beats once per interval, the clusters spread evenly
// over it, each one waiting for its own previous beat (as an agent does) but never for another's. An
// open loop: a slow server sees beats pile up as it would in production, instead of a load that
// politely slows down with it; `lateMs` says how far behind the schedule a beat was sent.
export type PacedBeats = {
  /** Beats completed so far and their durations in ms, in completion order. */
  readonly beats: number;
  readonly latencies: number[];
  /** The most a beat was sent after its due time (the server holding the agent's previous beat), ms. */
  readonly lateMs: number;
  /** Stops scheduling, waits for beats in flight; rethrows the first failed beat. */
  stop(): Promise<void>;
};

export function startPacedBeats(opts: { clusters: number; intervalMs: number; send: (cluster: number, beat: number) => Promise<number> }): PacedBeats {
  const latencies: number[] = [];
  let lateMs = 0;
  let failure: unknown = null;
  let stopped = false;
  let wake!: () => void;
  const stopping = new Promise<void>((resolve) => (wake = resolve));
  const start = performance.now();
  const loops = Array.from({ length: opts.clusters }, async (_, cluster) => {
    let due = start + (cluster * opts.intervalMs) / opts.clusters;
    for (let beat = 0; !stopped; beat++) {
      const wait = due - performance.now();
      if (wait > 0) await Promise.race([Bun.sleep(wait), stopping]);
      if (stopped) return;
      lateMs = Math.max(lateMs, performance.now() - due);
      try {
        latencies.push(await opts.send(cluster, beat));
      } catch (e) {
        failure ??= e;
        return;
      }
      due += opts.intervalMs;
    }
  });
  return {
    get beats() {
      return latencies.length;
    },
    latencies,
    get lateMs() {
      return lateMs;
    },
    async stop() {
      stopped = true;
      wake();
      await Promise.all(loops);
      if (failure) throw failure;
    },
  };
}
