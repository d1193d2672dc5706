// One log stream as this replica holds it, and what the hub's roles share: the hub (hub.ts) keeps the
// registry of agents and streams and routes each event to the role that handles it — owner.ts when this
// replica holds the cluster's agent socket, mirror.ts when it follows an owner elsewhere over the relay.
import type { Metrics } from '../metrics';
import type { Bus } from '../db/bus';
import type { Db } from '../db/client';
import type { StreamLimits } from '../config';
import type { Logger } from '../log';
import type { ServerFrame } from '../contract';
import { LineBudget } from './limits';
import type { Relay } from './relay';
import { StreamLog, type ResumeAt } from './ring';
import type { LogStreamRow } from './schema';
import type { StreamProgress } from './store';
import { PartJoiner } from './wire';

/** The agent's WebSocket as the hub needs it. */
export type AgentSocket = {
  id: string;
  clusterId: string;
  /** False when the frame could not be queued (the socket is closing). */
  send(frame: ServerFrame): boolean;
  close(code: number, reason: string): void;
};

export type HubDeps = { db: Db; bus: Bus; limits: StreamLimits; log: Logger; metrics: Metrics };

/** An owner renews its leases (and records progress) this often. */
export const LEASE_RENEW_MS = 2000;

/** A mirror replica, as its owner tracks it: the last seq sent to it, when it last spoke, when we last sent. */
export type Remote = { sent: number; heardAt: number; sentAt: number };

/** One stream as this replica holds it: as owner (agent side) or mirror (viewer side). */
export class LocalStream {
  role: 'owner' | 'mirror' = 'mirror';
  readers = 0;
  closedAt: number | null = null;
  // Owner side.
  socket: AgentSocket | null = null;
  agentSeq = 0;
  /** Where the agent's reading stands once the numbered entries are (the resume point, with lastTimestampLines). */
  lastTimestamp: string | null;
  /** Lines stamped exactly lastTimestamp the agent read (null: not known; a resume skips them all). */
  lastTimestampLines: number | null = null;
  /**
   * Lines the resumed agent sends again that the buffer already holds (this replica took the stream over
   * from a mirror that had lines past the last resume point it knew): dropped before numbering goes on.
   */
  replaySkip = 0;
  bytes: number;
  lines: number;
  dropped: number;
  pendingDropped = 0;
  pendingSince = 0;
  budget: LineBudget;
  lastOutputAt = Date.now();
  detachedSince: number | null = Date.now();
  orphanedAt: number | null = null;
  /** The database release after the agent socket closed, while in flight. */
  releasing: Promise<void> | null = null;
  readonly remotes = new Map<string, Remote>();
  // Mirror side.
  owner: string | null = null;
  /** When the owner was last heard from (0: not yet): a mirror is live only while its owner speaks. */
  heardAt = 0;
  /** When the cluster's agent last connected to this replica: the owner may have lost it (died). */
  agentHereAt = 0;
  /** The owner's last resume point this mirror holds (Entry.at), and the lines received after it. */
  resumeAt: ResumeAt | null = null;
  linesSinceResume = 0;
  keptAt = 0;
  lookedUpAt = 0;
  lookingUp = false;
  readonly joiner = new PartJoiner();

  constructor(
    readonly row: LogStreamRow,
    readonly log: StreamLog,
    linesPerSecond: number,
  ) {
    this.lastTimestamp = row.lastTimestamp;
    this.bytes = row.bytes;
    this.lines = row.lines;
    this.dropped = row.droppedLines;
    this.budget = new LineBudget(linesPerSecond, Date.now());
  }

  get ended(): boolean {
    return this.log.ended !== null;
  }

  /** The owner's resume point at log.lastSeq, or null when it has none (or lines to skip are still due). */
  resumePoint(): ResumeAt | null {
    if (!this.lastTimestamp || this.replaySkip > 0) return null;
    return { ts: this.lastTimestamp, lines: this.lastTimestampLines };
  }

  progress(): StreamProgress {
    return { id: this.row.id, lastSeq: this.log.lastSeq, lastTimestamp: this.lastTimestamp, bytes: this.bytes, lines: this.lines, droppedLines: this.dropped };
  }
}

/** What one replica's hub holds, shared by its roles. Created by the StreamHub; one per replica. */
export type HubContext = {
  readonly replicaId: string;
  readonly deps: HubDeps;
  readonly relay: Relay;
  /** Agent stream sockets connected to this replica, by socket id. */
  readonly agents: Map<string, AgentSocket>;
  /** Streams held here, owned or mirrored, by stream id. */
  readonly streams: Map<string, LocalStream>;
  /** Claims in flight, by cluster id (one at a time per cluster). */
  readonly adopting: Map<string, Promise<void>>;
};

/** A stream newly held here, its buffer numbered on from `lastSeq` (not yet registered). */
export function createLocalStream(ctx: HubContext, row: LogStreamRow, lastSeq: number): LocalStream {
  const limits = ctx.deps.limits;
  return new LocalStream(row, new StreamLog({ lines: limits.bufferLines, bytes: limits.bufferBytes }, lastSeq), limits.linesPerSecond);
}

/** The newest socket of the cluster (an agent replaced by its next version connects before the old one leaves). */
export function agentFor(ctx: HubContext, clusterId: string): AgentSocket | null {
  let found: AgentSocket | null = null;
  for (const socket of ctx.agents.values()) if (socket.clusterId === clusterId) found = socket;
  return found;
}
