// Frames of the agent WebSocket (/v1/agent/stream): JSON text messages, multiplexed by streamId.
import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './protocol.ts';

const streamId = Type.String({ minLength: 1, maxLength: 128 });

/** Agent-side line filter: only matching lines leave the cluster. */
export const LogFilter = Type.Object({
  pattern: Type.String({ minLength: 1, maxLength: 1024 }),
  /** false = plain substring (case-sensitive); true = JavaScript regular expression. */
  regex: Type.Boolean(),
});
export type LogFilter = Static<typeof LogFilter>;

/** Server → agent: open a Kubernetes log request for one container. Options map to pods/log query params. */
export const StartLogFrame = Type.Object({
  type: Type.Literal('start-log'),
  streamId,
  clusterId: Type.Optional(Type.String({ maxLength: LIMITS.name })),
  namespace: Type.String({ minLength: 1, maxLength: LIMITS.name }),
  pod: Type.String({ minLength: 1, maxLength: LIMITS.name }),
  container: Type.String({ minLength: 1, maxLength: LIMITS.name }),
  follow: Type.Boolean(),
  tailLines: Type.Optional(Type.Integer({ minimum: 0 })),
  sinceSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  /** RFC 3339; used to resume after a seam. */
  sinceTime: Type.Optional(Type.String({ maxLength: 64 })),
  /**
   * Resume a stream the server already received lines of (e.g. after the agent reconnected): the RFC 3339
   * timestamp (nanoseconds) of the last line delivered. The agent asks Kubernetes for sinceTime (to the
   * second) and drops lines at or before it; tailLines and sinceSeconds are then ignored.
   */
  resumeAfter: Type.Optional(Type.String({ maxLength: 64 })),
  /**
   * With resumeAfter: how many lines stamped exactly resumeAfter were delivered (timestamps tie); the agent
   * drops those and sends the ones after them. Absent: every line stamped resumeAfter was delivered.
   */
  resumeAfterLines: Type.Optional(Type.Integer({ minimum: 0 })),
  previous: Type.Boolean(),
  timestamps: Type.Boolean(),
  filter: Type.Optional(LogFilter),
  /** Stop after this many bytes read from Kubernetes. */
  limitBytes: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type StartLogFrame = Static<typeof StartLogFrame>;

/** Server → agent: cancel the Kubernetes request of this stream. The agent answers with a final eof frame. */
export const StopFrame = Type.Object({ type: Type.Literal('stop'), streamId });
export type StopFrame = Static<typeof StopFrame>;

/** Either side may send ping; the other answers pong with the same `ts` (keeps proxies from idling us out). */
export const PingFrame = Type.Object({ type: Type.Literal('ping'), ts: Type.Optional(Type.Integer()) });
export type PingFrame = Static<typeof PingFrame>;
export const PongFrame = Type.Object({ type: Type.Literal('pong'), ts: Type.Optional(Type.Integer()) });
export type PongFrame = Static<typeof PongFrame>;

export const ServerFrame = Type.Union([StartLogFrame, StopFrame, PingFrame, PongFrame]);
export type ServerFrame = Static<typeof ServerFrame>;

/** Agent → server, first frame after connecting. */
export const HelloFrame = Type.Object({
  type: Type.Literal('hello'),
  agentVersion: Type.String({ maxLength: LIMITS.version }),
  protocol: Type.Integer({ minimum: 1 }),
  /** Logs capability detected at connect time; the agent re-checks on every start-log anyway. */
  logsEnabled: Type.Boolean(),
});
export type HelloFrame = Static<typeof HelloFrame>;

/**
 * Agent → server: a batch of log output. `seq` starts at 1 per stream and grows by 1 per frame, so the
 * server can detect a gap. `data` holds whole lines, each ended by "\n" (so an empty line is "\n" and
 * a frame with no lines is ""; one over-long line travels alone, never split). The last frame of a stream has `eof: true`; `err` says why it
 * ended abnormally (logs not enabled, pod not found, Kubernetes error). `droppedLines` counts lines the
 * agent dropped since the previous frame because the socket was backed up.
 */
export const DataFrame = Type.Object({
  type: Type.Literal('data'),
  streamId,
  seq: Type.Integer({ minimum: 1 }),
  data: Type.String({ maxLength: LIMITS.frameData }),
  eof: Type.Optional(Type.Boolean()),
  err: Type.Optional(Type.String({ maxLength: LIMITS.message })),
  droppedLines: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Kubernetes timestamp (RFC 3339, nanoseconds) of the newest line read so far: where a resumed request picks up. */
  lastTimestamp: Type.Optional(Type.String({ maxLength: 64 })),
  /** How many lines stamped exactly lastTimestamp were read so far: a resume (resumeAfterLines) skips exactly those. */
  lastTimestampLines: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * The followed Kubernetes request ended early (the container restarted, the kubelet or a proxy closed it)
   * and the agent re-opened it from this time (RFC 3339): the viewer is shown the seam.
   */
  seam: Type.Optional(Type.String({ maxLength: 64 })),
});
export type DataFrame = Static<typeof DataFrame>;

export const AgentFrame = Type.Union([HelloFrame, DataFrame, PingFrame, PongFrame]);
export type AgentFrame = Static<typeof AgentFrame>;

/** Frames the agent aims for: flush a batch at this many characters or after STREAM_FLUSH_MS. */
export const STREAM_BATCH_CHARS = 32_768;
export const STREAM_FLUSH_MS = 20;
