// A scripted agent for server-side stream tests: a real WebSocket to /v1/agent/stream with the agent key,
// recording the frames the server sends and sending data frames on demand.
import { AGENT_KEY_HEADER, AGENT_PATHS, type AgentFrame, type ServerFrame, type StartLogFrame } from '../contract';

const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

export type ScriptedAgent = {
  ws: WebSocket;
  received: ServerFrame[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: AgentFrame): void;
  /** Data frames with this agent's own per-stream seq (1, 2, …), like the real agent. */
  lines(
    streamId: string,
    lines: string[],
    extra?: { eof?: boolean; err?: string; droppedLines?: number; lastTimestamp?: string; lastTimestampLines?: number },
  ): void;
  starts(): StartLogFrame[];
  waitFor<T>(pick: () => T | null | undefined | false, timeoutMs: number, what: string): Promise<T>;
  close(): void;
};

/** Connects; resolves once the socket is open (or rejects with the HTTP refusal). */
export async function connectAgent(baseUrl: string, agentKey: string | null, extraHeaders: Record<string, string> = {}): Promise<ScriptedAgent> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (agentKey) headers[AGENT_KEY_HEADER] = agentKey;
  const ws = new BunWebSocket(`${baseUrl.replace(/^http/, 'ws')}${AGENT_PATHS.stream}`, { headers });
  const received: ServerFrame[] = [];
  const seqs = new Map<string, number>();
  ws.addEventListener('message', (e) => received.push(JSON.parse(String(e.data)) as ServerFrame));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error('agent socket refused')), { once: true });
  });
  const agent: ScriptedAgent = {
    ws,
    received,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    lines(streamId, lines, extra = {}) {
      const seq = (seqs.get(streamId) ?? 0) + 1;
      seqs.set(streamId, seq);
      agent.send({ type: 'data', streamId, seq, data: lines.map((l) => l + '\n').join(''), ...extra });
    },
    starts: () => received.filter((f): f is StartLogFrame => f.type === 'start-log'),
    async waitFor(pick, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = pick();
        if (value) return value as never;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; frames: ${JSON.stringify(received.slice(-5))}`);
        await Bun.sleep(10);
      }
    },
    close: () => ws.close(1000, 'test done'),
  };
  // A restarted stream numbers its frames from 1 again, as the real agent's new session does.
  ws.addEventListener('message', (e) => {
    const frame = JSON.parse(String(e.data)) as ServerFrame;
    if (frame.type === 'start-log') seqs.delete(frame.streamId);
  });
  agent.send({ type: 'hello', agentVersion: 'test', protocol: 2, logsEnabled: true });
  return agent;
}
