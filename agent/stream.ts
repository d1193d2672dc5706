// The stream channel: one WebSocket to the control plane carrying every live log session of this
// cluster. The server sends start-log/stop; the agent answers with data frames (whole lines, seq
// numbered, one final eof frame per stream).
import { Value } from '@sinclair/typebox/value';
import {
  LIMITS,
  PROTOCOL,
  STREAM_BATCH_CHARS,
  STREAM_FLUSH_MS,
  ServerFrame,
  type AgentFrame,
  type DataFrame,
  type StartLogFrame,
} from '../src/contract/index.ts';
import { CONTROL_PLANE_BACKOFF, REJECTED_RETRY_MS, computeBackoffMs, sleep } from './backoff.ts';
import type { KubeApi, LogHandle, LogOptions } from './kube-api.ts';
import type { Pod } from './kube-objects.ts';
import { LineBatcher, compileFilter } from './log-lines.ts';
import type { Logger } from './log.ts';
import type { NiroClient } from './niro-client.ts';
import type { AgentSession } from './session.ts';

/** Concurrent log requests one agent keeps open against its API server. */
export const MAX_LOG_SESSIONS = 32;
/** Above this many bytes queued on the socket, lines are dropped (and counted) instead of buffered. */
export const MAX_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
/** Re-opens of a followed log that brought nothing new before the agent gives up on it. */
export const MAX_EMPTY_REOPENS = 20;
const REOPEN_BACKOFF = { baseMs: 1_000, capMs: 30_000 };
const KEEPALIVE_MS = 25_000;
/** Once the server has answered a ping, this much silence means the connection is dead (NAT dropped it). */
const SILENCE_LIMIT_MS = 75_000;

export const LOGS_NOT_ENABLED = 'log streaming not enabled for this cluster: re-run the installer with NIRO_ENABLE_LOGS=1';

export interface FrameSink {
  /** Sends a frame; false when the socket is closed. */
  send(frame: AgentFrame): boolean;
  /** True when the socket's send buffer is too full to take more log data. */
  congested(): boolean;
}

export interface LogSessionDeps {
  kube: KubeApi;
  log: Logger;
  sink: FrameSink;
}

/** RFC 3339 to the second: what pods/log accepts as sinceTime. */
function toSinceTime(timestamp: string): string {
  return `${timestamp.slice(0, 19)}Z`;
}

/** One log stream: from start-log to its eof frame. */
export class LogSession {
  private seq = 0;
  private dropped = 0;
  private stopped = false;
  private handle: LogHandle | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly stopSignal = new AbortController();
  /** Settles once run() is over and the session left the registry. */
  finished: Promise<void> | null = null;

  constructor(
    readonly frame: StartLogFrame,
    private readonly deps: LogSessionDeps,
  ) {}

  /** Cancels the Kubernetes request; run() then sends the final frame. */
  get stopping(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.stopSignal.abort();
    this.handle?.abort();
  }

  private sendData(data: string, lines: number, read: LineBatcher): void {
    if (this.deps.sink.congested()) {
      // A slow viewer must not grow the agent's memory: drop, count, and say so in the next frame.
      this.dropped += lines;
      return;
    }
    const frame: DataFrame = { type: 'data', streamId: this.frame.streamId, seq: ++this.seq, data };
    if (this.dropped > 0) frame.droppedLines = this.dropped;
    withPosition(frame, read);
    this.dropped = 0;
    this.deps.sink.send(frame);
  }

  private finish(err?: string, read?: LineBatcher): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    const frame: DataFrame = { type: 'data', streamId: this.frame.streamId, seq: ++this.seq, data: '', eof: true };
    if (err) frame.err = err.slice(0, LIMITS.message);
    if (this.dropped > 0) frame.droppedLines = this.dropped;
    if (read) withPosition(frame, read);
    this.deps.sink.send(frame);
  }

  /** Runs the stream to its end. Never throws. */
  async run(): Promise<void> {
    const { frame, deps } = this;
    const allowed = await deps.kube.reviewAccess({ verb: 'get', resource: 'pods', subresource: 'log', namespace: frame.namespace }).catch(() => false);
    if (!allowed) return this.finish(LOGS_NOT_ENABLED);
    const filter = compileFilter(frame.filter);
    if (!filter.ok) return this.finish(filter.error);
    if (this.stopped) return this.finish();

    let lastFlushAt = 0;
    const batcher: LineBatcher = new LineBatcher({
      // The agent always asks Kubernetes for timestamps: they are how a resumed request skips what was sent.
      timestamped: true,
      keepTimestamps: frame.timestamps,
      tailWindow: frame.tailLines !== undefined && !frame.resumeAfter,
      filter: filter.test,
      batchChars: STREAM_BATCH_CHARS,
      emit: (data, lines) => {
        lastFlushAt = Date.now();
        this.sendData(data, lines, batcher);
      },
    });
    // Leading edge: a chunk after a quiet spell goes out at once (a line someone is waiting for); chunks
    // that follow within STREAM_FLUSH_MS are coalesced into one frame, so a chatty container costs frames
    // per interval rather than per line.
    const scheduleFlush = (): void => {
      if (this.flushTimer) return;
      const wait = lastFlushAt + STREAM_FLUSH_MS - Date.now();
      if (wait <= 0) {
        batcher.flush();
        return;
      }
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        batcher.flush();
      }, wait);
    };
    if (frame.resumeAfter) batcher.skipUntil(frame.resumeAfter, frame.resumeAfterLines ?? null);

    let options: LogOptions = {
      container: frame.container,
      follow: frame.follow,
      previous: frame.previous,
      timestamps: true,
      tailLines: frame.tailLines,
      sinceSeconds: frame.sinceSeconds,
      sinceTime: frame.sinceSeconds === undefined ? frame.sinceTime : undefined,
      limitBytes: frame.limitBytes,
    };
    // Picking up where the server's copy of this stream ends: ask from that second, drop what was delivered.
    if (frame.resumeAfter) options = { ...options, tailLines: undefined, sinceSeconds: undefined, sinceTime: toSinceTime(frame.resumeAfter) };
    const resumable = frame.follow && !frame.previous && frame.limitBytes === undefined;
    // Which run of the container the open request reads: after a restart nothing of the new run was
    // delivered, so its lines are never skipped as duplicates (they may share the crash's timestamp).
    let restarts: Promise<number | undefined> = resumable
      ? deps.kube.getPod(frame.namespace, frame.pod).then(
          (pod) => restartCountOf(pod, frame.container),
          () => undefined,
        )
      : Promise.resolve(undefined);
    let emptyReopens = 0;
    let firstRequest = true;
    let endError: string | undefined;

    for (;;) {
      const openedAt = new Date().toISOString();
      let received = false;
      this.handle = deps.kube.streamLog(frame.namespace, frame.pod, options, (chunk) => {
        received = true;
        batcher.push(chunk);
        scheduleFlush();
      });
      const { error } = await this.handle.done;
      this.handle = null;
      if (this.stopped) break;
      if (firstRequest && error) {
        endError = error;
        break;
      }
      firstRequest = false;
      if (!resumable) {
        endError = error;
        break;
      }
      // A followed log ended without a stop: the container restarted or exited, or the kubelet or a
      // proxy closed the connection. Re-open from the last line seen while the pod is still running —
      // on-call wants to keep tailing a crash loop across restarts.
      emptyReopens = received ? 0 : emptyReopens + 1;
      const pod = await deps.kube.getPod(frame.namespace, frame.pod).catch(() => undefined);
      const restartsBefore = await restarts;
      const restartsNow = restartCountOf(pod, frame.container);
      restarts = Promise.resolve(restartsNow);
      if (pod === null) {
        endError = 'pod deleted';
        break;
      }
      const phase = pod?.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') break;
      if (emptyReopens > MAX_EMPTY_REOPENS) {
        endError = `log stream ended: ${error ?? 'no new output'}`;
        break;
      }
      if (!(await sleep(computeBackoffMs(emptyReopens + 1, REOPEN_BACKOFF), this.stopSignal.signal))) break;
      const restarted = restartsNow !== undefined && restartsBefore !== undefined && restartsNow > restartsBefore;
      batcher.skipUntil(restarted ? null : batcher.lastTimestamp, batcher.lastTimestampLines);
      const sinceTime = toSinceTime(batcher.lastTimestamp ?? openedAt);
      options = { ...options, tailLines: undefined, sinceSeconds: undefined, sinceTime };
      // Tell the viewer once per seam (not on every quiet re-open of a silent container).
      if (emptyReopens === 0) {
        batcher.flush();
        deps.sink.send({ type: 'data', streamId: frame.streamId, seq: ++this.seq, data: '', seam: sinceTime });
      }
    }
    batcher.end();
    this.finish(endError, batcher);
  }
}

/** Where the agent's reading stands once this frame is sent: the newest timestamp read and how many lines carried it. */
function withPosition(frame: DataFrame, read: LineBatcher): void {
  if (!read.lastTimestamp) return;
  frame.lastTimestamp = read.lastTimestamp;
  if (read.lastTimestampLines !== null) frame.lastTimestampLines = read.lastTimestampLines;
}

/** The container's restart count, or undefined when the pod or its status is not known. */
function restartCountOf(pod: Pod | null | undefined, container: string | undefined): number | undefined {
  const statuses = pod?.status?.containerStatuses ?? [];
  const status = container ? statuses.find((c) => c.name === container) : statuses.length === 1 ? statuses[0] : undefined;
  return status?.restartCount;
}

export interface StreamDeps {
  kube: KubeApi;
  client: NiroClient;
  log: Logger;
  session: AgentSession;
  agentVersion: string;
  signal: AbortSignal;
}

/** Holds one WebSocket until it closes; true when it had opened. */
async function holdConnection(deps: StreamDeps, sessions: Map<string, LogSession>): Promise<boolean> {
  const ws = deps.client.openStream(deps.session.key);
  let opened = false;
  let lastMessageAt = Date.now();
  let serverAnswersPings = false;

  const sink: FrameSink = {
    send: (frame) => {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    congested: () => ws.bufferedAmount > MAX_SOCKET_BUFFER_BYTES,
  };

  const startSession = (frame: StartLogFrame): void => {
    const log = deps.log.child({ streamId: frame.streamId });
    const existing = sessions.get(frame.streamId);
    if (existing) {
      // Re-sent after a reconnect while the old request is still closing: start again once it is gone.
      if (existing.stopping) void existing.finished?.then(() => startSession(frame));
      return;
    }
    if (sessions.size >= MAX_LOG_SESSIONS) {
      sink.send({
        type: 'data',
        streamId: frame.streamId,
        seq: 1,
        data: '',
        eof: true,
        err: `too many concurrent log streams on this agent (max ${MAX_LOG_SESSIONS})`,
      });
      return;
    }
    const session = new LogSession(frame, { kube: deps.kube, log, sink });
    sessions.set(frame.streamId, session);
    log.info('log stream started', { namespace: frame.namespace, pod: frame.pod, container: frame.container, follow: frame.follow });
    session.finished = session.run().finally(() => {
      sessions.delete(frame.streamId);
      log.info('log stream ended');
    });
  };

  return await new Promise<boolean>((resolve) => {
    const keepalive = setInterval(() => {
      if (serverAnswersPings && Date.now() - lastMessageAt > SILENCE_LIMIT_MS) {
        deps.log.warn('stream connection silent; reconnecting');
        ws.close(4000, 'no pong');
        return;
      }
      sink.send({ type: 'ping', ts: Date.now() });
    }, KEEPALIVE_MS);
    const onAbort = (): void => ws.close(1000, 'agent shutting down');
    deps.signal.addEventListener('abort', onAbort, { once: true });

    ws.addEventListener('open', () => {
      opened = true;
      deps.log.info('stream connected');
      void deps.kube
        .reviewAccess({ verb: 'get', resource: 'pods', subresource: 'log' })
        .catch(() => false)
        .then((logsEnabled) => sink.send({ type: 'hello', agentVersion: deps.agentVersion, protocol: PROTOCOL, logsEnabled }));
    });
    ws.addEventListener('message', (event) => {
      lastMessageAt = Date.now();
      if (typeof event.data !== 'string') return;
      let frame: unknown;
      try {
        frame = JSON.parse(event.data);
      } catch {
        deps.log.warn('stream frame is not JSON');
        return;
      }
      if (!Value.Check(ServerFrame, frame)) {
        const first = Value.Errors(ServerFrame, frame).First();
        deps.log.warn('unexpected stream frame', { type: (frame as { type?: unknown })?.type, error: first?.message });
        return;
      }
      switch (frame.type) {
        case 'start-log':
          startSession(frame);
          break;
        case 'stop':
          sessions.get(frame.streamId)?.stop();
          break;
        case 'ping':
          sink.send(frame.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: frame.ts });
          break;
        case 'pong':
          serverAnswersPings = true;
          break;
      }
    });
    ws.addEventListener('close', (event) => {
      clearInterval(keepalive);
      deps.signal.removeEventListener('abort', onAbort);
      // The server forgets this connection's streams when it closes, so cancel their Kubernetes requests.
      for (const session of sessions.values()) session.stop();
      if (opened) deps.log.info('stream disconnected', { code: event.code, reason: event.reason });
      resolve(opened);
    });
  });
}

/** Keeps the stream WebSocket up until aborted, reconnecting with backoff. */
export async function runStreamLoop(deps: StreamDeps): Promise<void> {
  const sessions = new Map<string, LogSession>();
  let failures = 0;
  while (!deps.signal.aborted) {
    if (deps.session.keyRejected) {
      await deps.session.waitWhileRejected(REJECTED_RETRY_MS, deps.signal);
      continue;
    }
    const startedAt = Date.now();
    const opened = await holdConnection(deps, sessions);
    if (deps.signal.aborted) break;
    // A connection that stayed up a while was healthy: start the backoff over. One that drops at once
    // (rejected upgrade, proxy refusing WebSockets) backs off like any failure.
    failures = opened && Date.now() - startedAt > 30_000 ? 1 : failures + 1;
    const waitMs = computeBackoffMs(failures, CONTROL_PLANE_BACKOFF);
    if (!opened) deps.log.warn('stream connection failed', { attempt: failures, waitMs });
    await sleep(waitMs, deps.signal);
  }
  for (const session of sessions.values()) session.stop();
}
