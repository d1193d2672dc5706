// The soak benchmark's log-writing agents (bench/soak.ts): each holds the agent WebSocket of one cluster and
// answers start-log with a line every 1/rate seconds until the stream stops. A stream's first lines are a burst
// that fills the control plane's buffer for it to its cap (NIRO_LOG_STREAM_BUFFER_LINES / _BYTES): a long-lived
// stream's buffer is full, so the run measures the server in that steady state, not the buffers filling.
import { connectAgent } from '../../src/testing/stream-agent';

/** A line as a busy web server writes it (95 characters with the prefix). */
const LINE_PAD = 'GET /api/v1/orders?customer=4711&page=3 HTTP/1.1 200 1532 "-" "okhttp/4.12.0" rt=0.012';
/** The burst: more lines than the default buffer holds (10,000 lines or 4 MiB, whichever is reached first). */
const FILL_LINES = 10_000;
/** The burst goes in frames of this many lines, one every FILL_FRAME_MS (10,000 lines/s, under the stream's throttle). */
const FILL_FRAME = 500;
const FILL_FRAME_MS = 50;

export type LogAgents = { stop(): void };

/**
 * One agent per cluster key. `lineSentAt` gets each paced line's send time (the followers read the latency
 * off it); the burst's lines are not timed.
 */
export async function startLogAgents(base: string, agentKeys: readonly string[], linesPerSecond: number, lineSentAt: Map<string, number>): Promise<LogAgents> {
  const stops: (() => void)[] = [];
  for (const [s, agentKey] of agentKeys.entries()) {
    const agent = await connectAgent(base, agentKey);
    const feeding = new Map<string, ReturnType<typeof setInterval>>();
    let n = 0;
    agent.ws.addEventListener('message', (e) => {
      const frame = JSON.parse(String(e.data)) as { type: string; streamId?: string };
      if (frame.type === 'start-log' && frame.streamId && !feeding.has(frame.streamId)) {
        const streamId = frame.streamId;
        let filled = 0;
        const pace = () => {
          const line = `${s}:${++n} ${LINE_PAD}`;
          lineSentAt.set(line, performance.now());
          agent.lines(streamId, [line]);
        };
        const fill = () => {
          agent.lines(
            streamId,
            Array.from({ length: FILL_FRAME }, () => `${s}:${++n} ${LINE_PAD}`),
          );
          filled += FILL_FRAME;
          if (filled < FILL_LINES) return;
          clearInterval(feeding.get(streamId));
          if (feeding.has(streamId)) feeding.set(streamId, setInterval(pace, 1000 / linesPerSecond));
        };
        feeding.set(streamId, setInterval(fill, FILL_FRAME_MS));
      } else if (frame.type === 'stop' && frame.streamId) {
        clearInterval(feeding.get(frame.streamId));
        feeding.delete(frame.streamId);
      }
    });
    stops.push(() => {
      for (const timer of feeding.values()) clearInterval(timer);
      agent.close();
    });
  }
  return { stop: () => stops.forEach((stop) => stop()) };
}
