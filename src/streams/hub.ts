// The per-replica registry of live log streams.
//
// A stream is *owned* by the replica holding its cluster's agent WebSocket: that replica sends start-log,
// turns the agent's data frames into numbered entries (lines, notes, the end) in a bounded buffer, enforces
// the stream's limits, and keeps the log_streams row's lease and counts current. A replica serving a
// viewer (SSE) whose stream is owned elsewhere keeps a *mirror*: it subscribes to the owner over the bus and
// receives the same entries with the same numbers. Viewers on either are cursors into the local buffer, so
// resuming with Last-Event-ID is "read after N", and a same-replica viewer never touches the database.
//
// Ownership moves when the agent's socket moves: the replica the agent reconnects to adopts the open
// streams of its cluster (compare-and-swap on the row), re-opens the Kubernetes request from the last
// line's timestamp and marks the seam. Everything the viewer cannot get is announced (a gap or a note),
// never skipped silently.
import { randomBytes } from 'node:crypto';
import type { Bus } from '../db/bus';
import type { Db } from '../db/client';
import type { StreamLimits } from '../config';
import type { Logger } from '../log';
import { recordAudit } from '../audit/store';
import { parseRetiredKey, RETIRED_KEY_CHANNEL } from '../clusters/store';
import type { DataFrame, ServerFrame, StartLogFrame } from '../contract';
import { LineBudget, capReached, shapeLine, throttledNote } from './limits';
import { Relay, type PendingWork } from './relay';
import { StreamLog, type Entry } from './ring';
import type { LogStreamRow } from './schema';
import { claimStreams, findStream, markEnded, releaseStream, renewStreams, sweepStaleStreams, type StreamProgress } from './store';
import { PartJoiner, type RelayMsg } from './wire';

/** The agent's WebSocket as the hub needs it. */
export type AgentSocket = {
  id: string;
  clusterId: string;
  /** False when the frame could not be queued (the socket is closing). */
  send(frame: ServerFrame): boolean;
  close(code: number, reason: string): void;
};

export type StreamState = 'waiting' | 'live' | 'ended';

/** A viewer's hold on a stream: read `log` after your cursor, wait on it, detach when done. */
export type Attachment = { log: StreamLog; state(): StreamState; closing(): boolean; detach(): void };

const TICK_MS = 500;
const LEASE_RENEW_MS = 2000;
/** An owner whose lease is this old (database clock) is presumed dead; its streams may be adopted. */
const LEASE_SECONDS = 10;
const SWEEP_MS = 5000;
/** A mirror says "still watching" this often; the owner forgets one silent for REMOTE_SILENCE_MS. */
const KEEP_MS = 4000;
const REMOTE_SILENCE_MS = 15_000;
/** The owner tells a caught-up mirror "nothing new, last seq N" this often (a lost message shows). */
const BEAT_MS = 3000;
/** A mirror that heard nothing from its owner this long re-reads the row (the owner may be gone). */
const OWNER_SILENCE_MS = 9000;
const LOOKUP_MS = 1500;
/** Ended streams stay readable this long (a viewer reconnecting just after the end still gets it). */
const ENDED_RETENTION_MS = 60_000;
/** Throttled lines are reported at most this often while dropping continues. */
const DROP_REPORT_MS = 1000;

export const SEAM_NOTE = 'stream resumed after a reconnect: lines around this point may be missing or repeated';
const LOST_OWNER_GAP = 'the replica holding this stream went away; lines in between may be missing';

type Remote = { sent: number; heardAt: number; sentAt: number };

/** One stream as this replica holds it: as owner (agent side) or mirror (viewer side). */
class LocalStream {
  role: 'owner' | 'mirror' = 'mirror';
  readers = 0;
  closedAt: number | null = null;
  // Owner side.
  socket: AgentSocket | null = null;
  agentSeq = 0;
  lastTimestamp: string | null;
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
  stopping: string | null = null;
  readonly remotes = new Map<string, Remote>();
  // Mirror side.
  owner: string | null = null;
  heardAt = Date.now();
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

  progress(): StreamProgress {
    return { id: this.row.id, lastSeq: this.log.lastSeq, lastTimestamp: this.lastTimestamp, bytes: this.bytes, lines: this.lines, droppedLines: this.dropped };
  }
}


export type HubDeps = { db: Db; bus: Bus; limits: StreamLimits; log: Logger };

export class StreamHub {
  readonly replicaId = randomBytes(6).toString('hex');
  readonly relay: Relay;
  private readonly agents = new Map<string, AgentSocket>();
  private readonly streams = new Map<string, LocalStream>();
  private readonly adopting = new Map<string, Promise<void>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private renewing = false;
  private renewedAt = 0;
  private sweptAt = 0;
  private closed = false;
  private retiredKeys: Promise<() => Promise<void>> | null = null;

  constructor(private readonly deps: HubDeps) {
    this.relay = new Relay(deps.bus, this.replicaId, { pending: (r) => this.pending(r), receive: (m) => this.receive(m) }, deps.log);
  }

  /** Live once resolved: listening on the bus, housekeeping running. */
  async ready(): Promise<void> {
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref?.();
    }
    // A deleted cluster's agent loses its stream socket on every replica; reconnecting, it is refused.
    this.retiredKeys ??= this.deps.bus
      .subscribe(RETIRED_KEY_CHANNEL, (payload) => {
        const retired = parseRetiredKey(payload);
        if (retired) for (const socket of this.agents.values()) if (socket.clusterId === retired.cluster) socket.close(4401, 'cluster deleted');
      })
      .catch((e) => {
        this.retiredKeys = null;
        throw e;
      });
    await Promise.all([this.relay.listen(), this.retiredKeys]);
  }

  // ── Agents ────────────────────────────────────────────────────────────────────────────────────────

  hasAgent(clusterId: string): boolean {
    return this.agentFor(clusterId) !== null;
  }

  /** The newest socket of the cluster (an agent replaced by its next version connects before the old one leaves). */
  private agentFor(clusterId: string): AgentSocket | null {
    let found: AgentSocket | null = null;
    for (const socket of this.agents.values()) if (socket.clusterId === clusterId) found = socket;
    return found;
  }

  async addAgent(socket: AgentSocket): Promise<void> {
    this.agents.set(socket.id, socket);
    await this.ready();
    await this.adopt(socket.clusterId);
  }

  removeAgent(socketId: string): void {
    const socket = this.agents.get(socketId);
    if (!socket) return;
    this.agents.delete(socketId);
    const next = this.agentFor(socket.clusterId);
    for (const local of this.streams.values()) {
      if (local.role !== 'owner' || local.socket?.id !== socketId || local.ended) continue;
      local.socket = null;
      if (next) {
        this.startOn(local, next);
        continue;
      }
      // Let go, with exact counts: whichever replica the agent reconnects to adopts it and continues the seqs.
      local.orphanedAt = Date.now();
      local.log.wake();
      local.releasing = releaseStream(this.deps.db, this.replicaId, local.progress())
        .catch((e) => this.deps.log.warn('releasing a log stream failed', { streamId: local.row.id, error: String(e) }))
        .finally(() => (local.releasing = null));
    }
  }

  /** Takes over the cluster's unheld open streams if this replica holds its agent. */
  adopt(clusterId: string): Promise<void> {
    const running = this.adopting.get(clusterId);
    if (running) return running.then(() => this.adopt(clusterId));
    const job = (async () => {
      if (!this.agentFor(clusterId)) return;
      // A release of ours still in flight must land first, or it would undo the claim below.
      await Promise.all([...this.streams.values()].filter((l) => l.row.clusterId === clusterId && l.releasing).map((l) => l.releasing));
      const claimed = await claimStreams(this.deps.db, clusterId, this.replicaId, LEASE_SECONDS);
      const socket = this.agentFor(clusterId);
      if (!socket) return;
      for (const { row, previousOwner } of claimed) this.takeOver(row, previousOwner, socket);
    })()
      .catch((e) => this.deps.log.warn('adopting log streams failed', { clusterId, error: String(e) }))
      .finally(() => this.adopting.delete(clusterId));
    this.adopting.set(clusterId, job);
    return job;
  }

  /** This replica now owns `row` (claimed in the database): continue its seqs, mark any seam, start the request. */
  private takeOver(row: LogStreamRow, previousOwner: string | null, socket: AgentSocket): void {
    let local = this.streams.get(row.id);
    // Already running here on another socket of the same cluster.
    if (local?.role === 'owner' && (local.socket !== null || local.ended)) return;
    if (!local) {
      local = new LocalStream(row, new StreamLog(this.bufferLimits(), row.lastSeq), this.deps.limits.linesPerSecond);
      this.streams.set(row.id, local);
    } else if (local.log.lastSeq < row.lastSeq) {
      local.log.insert(local.log.lastSeq + 1, { gap: row.lastSeq, reason: 'not relayed before the agent reconnected' });
    }
    if (local.role === 'mirror') {
      local.role = 'owner';
      local.bytes = Math.max(local.bytes, row.bytes);
      local.lines = Math.max(local.lines, row.lines);
      local.lastTimestamp ??= row.lastTimestamp;
      local.detachedSince = local.readers > 0 ? null : Date.now();
      local.lastOutputAt = Date.now();
    }
    if (previousOwner !== null && previousOwner !== this.replicaId) {
      // The previous owner died without handing over its last seq: numbers it may have used are skipped.
      const jump = this.deps.limits.linesPerSecond * (LEASE_RENEW_MS / 1000) * 2 + 1000;
      local.log.append({ gap: local.log.lastSeq + jump, reason: LOST_OWNER_GAP });
    }
    if ((local.log.lastSeq > 0 || local.lines > 0) && local.log.ended === null) local.log.append({ note: SEAM_NOTE });
    this.startOn(local, socket);
    void this.relay.broadcast({ t: 'owned', s: row.id, o: this.replicaId }).catch(() => {});
  }

  /** Sends start-log for the stream on `socket`, resuming after the last line when lines were delivered. */
  private startOn(local: LocalStream, socket: AgentSocket): void {
    local.socket = socket;
    local.orphanedAt = null;
    local.agentSeq = 0;
    local.lastOutputAt = Date.now();
    const frame = startFrame(local.row);
    if (local.lines > 0 && local.lastTimestamp) frame.resumeAfter = local.lastTimestamp;
    if (!socket.send(frame)) this.deps.log.warn('could not send start-log', { streamId: local.row.id });
    local.log.wake();
  }

  /** Called once a new row is committed: start it here when the agent is here, else ask whoever holds it. */
  async startStream(row: LogStreamRow): Promise<void> {
    await this.ready();
    const socket = this.agentFor(row.clusterId);
    if (row.ownerReplica === this.replicaId && socket) {
      this.takeOver(row, null, socket);
      return;
    }
    await this.relay.broadcast({ t: 'adopt', c: row.clusterId });
  }

  /** A frame from an agent socket (validated against the contract by the caller). */
  onAgentData(socketId: string, frame: DataFrame): void {
    const local = this.streams.get(frame.streamId);
    const socket = this.agents.get(socketId);
    if (!local || local.role !== 'owner' || local.socket?.id !== socketId || local.ended) {
      // A stream this replica does not run there (ended, or from before a restart): make the agent let go.
      if (socket && !frame.eof) socket.send({ type: 'stop', streamId: frame.streamId });
      return;
    }
    if (local.agentSeq > 0 && frame.seq > local.agentSeq + 1) local.log.append({ note: `${frame.seq - local.agentSeq - 1} frames from the agent were lost` });
    local.agentSeq = frame.seq;
    if (frame.lastTimestamp) local.lastTimestamp = frame.lastTimestamp;
    if (frame.droppedLines) this.countDropped(local, frame.droppedLines);
    if (frame.seam) local.log.append({ note: `log re-opened from ${frame.seam}: the container restarted or the connection dropped; lines around this point may be missing or repeated` });
    if (frame.data) {
      if (!this.ingest(local, frame.data)) return;
    }
    if (frame.eof) {
      const reason = frame.err ? frame.err : local.row.options.follow ? 'the log ended (the container stopped or the pod is gone)' : 'end of log';
      void this.finish(local, reason);
      return;
    }
    this.kickRemotes(local);
  }

  /** Lines of one frame into the buffer; false when a cap ended the stream. */
  private ingest(local: LocalStream, data: string): boolean {
    const now = Date.now();
    const { maxLineChars } = this.deps.limits;
    local.lastOutputAt = now;
    let start = 0;
    while (start < data.length) {
      const newline = data.indexOf('\n', start);
      const end = newline === -1 ? data.length : newline;
      const line = data.slice(start, end);
      start = end + 1;
      if (!local.budget.take(now)) {
        this.countDropped(local, 1);
        continue;
      }
      if (local.pendingDropped > 0) this.reportDropped(local);
      local.log.append(shapeLine(line, maxLineChars));
      local.lines++;
      local.bytes += Buffer.byteLength(line) + 1;
      const cap = capReached(this.deps.limits, local);
      if (cap) {
        void this.finish(local, cap);
        return false;
      }
    }
    return true;
  }

  private countDropped(local: LocalStream, n: number): void {
    if (local.pendingDropped === 0) local.pendingSince = Date.now();
    local.pendingDropped += n;
    local.dropped += n;
  }

  private reportDropped(local: LocalStream): void {
    local.log.append({ note: throttledNote(local.pendingDropped) });
    local.pendingDropped = 0;
  }

  /**
   * Ends a stream this replica owns: the agent is told to stop (it cancels the Kubernetes request), viewers
   * get the end entry, the row records counts and reason, and the audit log the stop.
   */
  async finish(local: LocalStream, reason: string, by?: { userId: string | null; email: string }): Promise<void> {
    if (local.ended || local.role !== 'owner') return;
    if (local.pendingDropped > 0) this.reportDropped(local);
    local.socket?.send({ type: 'stop', streamId: local.row.id });
    local.log.append({ end: reason });
    local.closedAt = Date.now();
    this.kickRemotes(local);
    try {
      const row = await markEnded(this.deps.db, local.row.id, reason, local.progress());
      if (row) await auditStop(this.deps.db, row, by);
    } catch (e) {
      this.deps.log.warn('recording the end of a log stream failed', { streamId: local.row.id, error: String(e) });
    }
  }

  // ── Viewers ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Attaches a viewer whose last seen seq is `cursor`. Null when the stream ended and this replica no
   * longer holds it (the caller answers from the row).
   */
  async attach(row: LogStreamRow, cursor: number): Promise<Attachment | null> {
    await this.ready();
    let local = this.streams.get(row.id);
    if (!local) {
      if (row.endedAt) return null;
      local = new LocalStream(row, new StreamLog(this.bufferLimits(), cursor), this.deps.limits.linesPerSecond);
      local.owner = row.ownerReplica === this.replicaId ? null : row.ownerReplica;
      this.streams.set(row.id, local);
      if (local.owner) this.subscribe(local);
    }
    const held = local;
    held.readers++;
    held.detachedSince = null;
    let detached = false;
    return {
      log: held.log,
      closing: () => this.closed,
      state: () => {
        if (held.ended) return 'ended';
        if (held.role === 'owner') return held.socket ? 'live' : 'waiting';
        return held.owner && Date.now() - held.heardAt < OWNER_SILENCE_MS ? 'live' : 'waiting';
      },
      detach: () => {
        if (detached) return;
        detached = true;
        held.readers--;
        if (held.readers > 0) return;
        if (held.role === 'owner') {
          if (held.remotes.size === 0) held.detachedSince = Date.now();
        } else {
          if (held.owner) this.relay.send(held.owner, { t: 'unsub', s: held.row.id, r: this.replicaId });
          this.streams.delete(held.row.id);
        }
      },
    };
  }

  private subscribe(local: LocalStream): void {
    if (!local.owner) return;
    local.heardAt = Date.now();
    local.keptAt = Date.now();
    this.relay.send(local.owner, { t: 'sub', s: local.row.id, r: this.replicaId, a: local.log.lastSeq });
    // Viewers waiting on the buffer re-read the state (waiting → live).
    local.log.wake();
  }

  /**
   * DELETE: ends the stream. Here when this replica owns it; otherwise the owner is asked and given a moment
   * (it has the exact counts); a stream nobody holds is ended in the row directly. Null: it had ended already.
   */
  async stop(row: LogStreamRow, by: { userId: string | null; email: string }): Promise<LogStreamRow | null> {
    const reason = `stopped by ${by.email}`;
    const local = this.streams.get(row.id);
    if (local?.role === 'owner') {
      if (local.ended) return null;
      await this.finish(local, reason, by);
      return findStream(this.deps.db, row.id);
    }
    if (row.ownerReplica && row.ownerReplica !== this.replicaId) {
      await this.ready();
      this.relay.send(row.ownerReplica, { t: 'stop', s: row.id, by: by.email });
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        await Bun.sleep(50);
        const now = await findStream(this.deps.db, row.id);
        if (!now || now.endedAt) return now;
      }
    }
    const ended = await markEnded(this.deps.db, row.id, reason);
    if (ended) await auditStop(this.deps.db, ended, by);
    return ended;
  }

  // ── Relay ─────────────────────────────────────────────────────────────────────────────────────────

  private kickRemotes(local: LocalStream): void {
    for (const replica of local.remotes.keys()) this.relay.kick(replica);
  }

  /** Entries owed to `replica`, per stream it subscribed to (at most a few hundred per stream per round). */
  private pending(replica: string): PendingWork[] {
    const work: PendingWork[] = [];
    for (const local of this.streams.values()) {
      const remote = local.role === 'owner' ? local.remotes.get(replica) : undefined;
      if (!remote || remote.sent >= local.log.lastSeq) continue;
      const read = local.log.read(remote.sent, 400, 512 * 1024);
      const entries: Entry[] = [];
      if (read.missed) entries.push({ seq: read.missed.from, item: { gap: read.missed.to, reason: 'no longer buffered: the relay fell behind' }, size: 0 });
      entries.push(...read.entries);
      if (entries.length === 0) continue;
      work.push({
        streamId: local.row.id,
        entries,
        sent: (through) => {
          remote.sent = Math.max(remote.sent, through);
          remote.sentAt = Date.now();
        },
      });
    }
    return work;
  }

  private receive(msg: RelayMsg): void {
    if (this.closed) return;
    switch (msg.t) {
      case 'adopt':
        if (this.hasAgent(msg.c)) void this.adopt(msg.c);
        return;
      case 'owned': {
        const local = this.streams.get(msg.s);
        if (!local || msg.o === this.replicaId) return;
        if (local.role === 'owner') {
          // Another replica adopted a stream this one had let go of: follow it from there.
          if (local.socket) return;
          local.role = 'mirror';
        }
        if (local.owner !== msg.o) {
          local.owner = msg.o;
          this.subscribe(local);
        }
        return;
      }
      case 'sub': {
        const local = this.streams.get(msg.s);
        if (!local || local.role !== 'owner') {
          this.relay.send(msg.r, { t: 'gone', s: msg.s });
          return;
        }
        local.remotes.set(msg.r, { sent: msg.a, heardAt: Date.now(), sentAt: Date.now() });
        local.detachedSince = null;
        this.relay.kick(msg.r);
        return;
      }
      case 'keep': {
        const local = this.streams.get(msg.s);
        const remote = local?.role === 'owner' ? local.remotes.get(msg.r) : undefined;
        if (remote) remote.heardAt = Date.now();
        else this.relay.send(msg.r, { t: 'gone', s: msg.s });
        return;
      }
      case 'unsub': {
        const local = this.streams.get(msg.s);
        if (!local || local.role !== 'owner') return;
        local.remotes.delete(msg.r);
        if (local.remotes.size === 0 && local.readers === 0) local.detachedSince = Date.now();
        return;
      }
      case 'stop': {
        const local = this.streams.get(msg.s);
        if (local?.role === 'owner') void this.finish(local, `stopped by ${msg.by}`, { userId: null, email: msg.by });
        return;
      }
      case 'd':
      case 'p':
      case 'hb':
      case 'gone':
        this.receiveFromOwner(msg);
        return;
    }
  }

  private receiveFromOwner(msg: Extract<RelayMsg, { t: 'd' | 'p' | 'hb' | 'gone' }>): void {
    const local = this.streams.get(msg.s);
    if (!local || local.role !== 'mirror') return;
    const wasSilent = Date.now() - local.heardAt >= OWNER_SILENCE_MS;
    local.heardAt = Date.now();
    if (wasSilent) local.log.wake();
    if (msg.t === 'gone') {
      local.owner = null;
      local.lookedUpAt = 0;
      local.log.wake();
      return;
    }
    if (msg.t === 'hb') {
      if (msg.l > local.log.lastSeq) this.subscribe(local);
      return;
    }
    const entries: [number, Entry['item']][] = [];
    if (msg.t === 'p') {
      const line = local.joiner.add(msg);
      if (line === null) return;
      entries.push([msg.q, line]);
    } else entries.push(...msg.e);
    for (const [seq, item] of entries) {
      // A seq past the next one means a notification was lost: ask again from what we have.
      if (local.log.insert(seq, item) === 'missing') {
        this.subscribe(local);
        return;
      }
    }
  }

  // ── Housekeeping ──────────────────────────────────────────────────────────────────────────────────

  private tick(): void {
    const now = Date.now();
    const limits = this.deps.limits;
    for (const local of this.streams.values()) {
      if (local.role === 'owner') {
        if (local.ended) {
          if (local.readers === 0 && local.remotes.size === 0 && now - (local.closedAt ?? now) > ENDED_RETENTION_MS) this.streams.delete(local.row.id);
          else if (now - (local.closedAt ?? now) > ENDED_RETENTION_MS * 2) this.streams.delete(local.row.id);
          continue;
        }
        if (local.pendingDropped > 0 && now - local.pendingSince >= DROP_REPORT_MS) {
          this.reportDropped(local);
          this.kickRemotes(local);
        }
        for (const [replica, remote] of local.remotes) {
          if (now - remote.heardAt > REMOTE_SILENCE_MS) local.remotes.delete(replica);
          else if (remote.sent >= local.log.lastSeq && now - remote.sentAt > BEAT_MS) {
            remote.sentAt = now;
            this.relay.send(replica, { t: 'hb', s: local.row.id, l: local.log.lastSeq });
          }
        }
        if (local.readers === 0 && local.remotes.size === 0) local.detachedSince ??= now;
        if (local.socket === null && local.orphanedAt !== null && now - local.orphanedAt > limits.startSeconds * 1000) {
          if (!local.lookingUp) void this.expireOrphan(local);
        } else if (local.detachedSince !== null && now - local.detachedSince > limits.detachSeconds * 1000) {
          void this.finish(local, `nobody watching for ${limits.detachSeconds} s`);
        } else if (now - local.lastOutputAt > limits.idleSeconds * 1000) {
          void this.finish(local, `idle: no output for ${limits.idleSeconds} s`);
        }
        continue;
      }
      // Mirror.
      if (local.readers === 0) {
        this.streams.delete(local.row.id);
        continue;
      }
      if (local.ended) continue;
      if (local.owner && now - local.keptAt > KEEP_MS) {
        local.keptAt = now;
        this.relay.send(local.owner, { t: 'keep', s: local.row.id, r: this.replicaId });
      }
      if ((!local.owner || now - local.heardAt > OWNER_SILENCE_MS) && now - local.lookedUpAt > LOOKUP_MS && !local.lookingUp) void this.lookUp(local);
    }
    if (now - this.renewedAt > LEASE_RENEW_MS && !this.renewing) void this.renew();
    if (now - this.sweptAt > SWEEP_MS) {
      this.sweptAt = now;
      void this.sweep();
    }
  }

  /**
   * A stream this replica let go of when its agent socket closed, and nobody adopted in time: end it —
   * unless the row says another replica runs it now (its "owned" message was missed): follow it there.
   */
  private async expireOrphan(local: LocalStream): Promise<void> {
    local.lookingUp = true;
    try {
      const row = await findStream(this.deps.db, local.row.id);
      if (local.role !== 'owner' || local.socket !== null) return;
      if (row?.ownerReplica && row.ownerReplica !== this.replicaId && !row.endedAt) {
        local.role = 'mirror';
        local.owner = row.ownerReplica;
        local.remotes.clear();
        this.subscribe(local);
        return;
      }
      await this.finish(local, 'the cluster’s agent disconnected and did not come back');
    } catch (e) {
      this.deps.log.warn('expiring a log stream failed', { streamId: local.row.id, error: String(e) });
    } finally {
      local.lookingUp = false;
    }
  }

  /** A mirror without a live owner re-reads the row: ended, owned elsewhere now, or still waiting. */
  private async lookUp(local: LocalStream): Promise<void> {
    local.lookingUp = true;
    local.lookedUpAt = Date.now();
    try {
      const row = await findStream(this.deps.db, local.row.id);
      if (local.role !== 'mirror') return;
      if (!row || row.endedAt) {
        const lastSeq = row?.lastSeq ?? local.log.lastSeq;
        if (lastSeq > local.log.lastSeq) local.log.insert(local.log.lastSeq + 1, { gap: lastSeq, reason: 'not relayed before the stream ended' });
        local.log.insert(local.log.lastSeq + 1, { end: row?.endReason ?? 'the stream is gone' });
        return;
      }
      if (row.ownerReplica && row.ownerReplica !== this.replicaId && (row.ownerReplica !== local.owner || Date.now() - local.heardAt > OWNER_SILENCE_MS)) {
        local.owner = row.ownerReplica;
        this.subscribe(local);
      }
      local.log.wake();
    } catch (e) {
      this.deps.log.warn('looking up a log stream failed', { streamId: local.row.id, error: String(e) });
    } finally {
      local.lookingUp = false;
    }
  }

  /** Renews the leases of the streams this replica runs and records their progress; notices ends from elsewhere. */
  private async renew(): Promise<void> {
    this.renewing = true;
    this.renewedAt = Date.now();
    try {
      const held = [...this.streams.values()].filter((l) => l.role === 'owner' && !l.ended && l.socket !== null);
      if (held.length === 0) return;
      const open = await renewStreams(this.deps.db, this.replicaId, held.map((l) => l.progress()));
      for (const local of held) {
        if (open.has(local.row.id) || local.ended) continue;
        const row = await findStream(this.deps.db, local.row.id);
        if (!row || row.endedAt) {
          // Ended elsewhere (DELETE on another replica whose stop message was lost, or the sweeper).
          local.socket?.send({ type: 'stop', streamId: local.row.id });
          local.log.append({ end: row?.endReason ?? 'the stream is gone' });
          local.closedAt = Date.now();
          this.kickRemotes(local);
        } else if (row.ownerReplica && row.ownerReplica !== this.replicaId) {
          // Adopted elsewhere while this replica's lease lapsed: stop here, follow it there.
          local.socket?.send({ type: 'stop', streamId: local.row.id });
          local.socket = null;
          local.role = 'mirror';
          local.owner = row.ownerReplica;
          local.remotes.clear();
          this.subscribe(local);
        } else {
          // Our release raced our own claim: claim it again (it keeps running on its socket meanwhile).
          void this.adopt(local.row.clusterId);
        }
      }
    } catch (e) {
      this.deps.log.warn('renewing log stream leases failed', { error: String(e) });
    } finally {
      this.renewing = false;
    }
  }

  /** Ends streams no agent picked up (or came back for) in time, so they stop counting against the caps. */
  private async sweep(): Promise<void> {
    try {
      for (const row of await sweepStaleStreams(this.deps.db, this.deps.limits.startSeconds)) await auditStop(this.deps.db, row);
    } catch (e) {
      this.deps.log.warn('sweeping stale log streams failed', { error: String(e) });
    }
  }

  private bufferLimits(): { lines: number; bytes: number } {
    return { lines: this.deps.limits.bufferLines, bytes: this.deps.limits.bufferBytes };
  }

  /** Counts for tests and the benchmark. */
  stats(): { agents: number; owned: number; mirrors: number; relayRetries: number } {
    let owned = 0;
    let mirrors = 0;
    for (const l of this.streams.values()) {
      if (l.role === 'owner' && !l.ended) owned++;
      else if (l.role === 'mirror') mirrors++;
    }
    return { agents: this.agents.size, owned, mirrors, relayRetries: this.relay.retries };
  }

  /**
   * Graceful shutdown: streams held here are released (the agent reconnects elsewhere and that replica
   * continues them), agent sockets are closed so they do, and viewers' responses end without an end
   * event, so their clients reconnect (to another replica) with Last-Event-ID.
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const local of this.streams.values()) {
      if (local.role === 'owner' && !local.ended && local.socket) {
        await releaseStream(this.deps.db, this.replicaId, local.progress()).catch(() => {});
      }
      local.log.wake();
    }
    for (const socket of this.agents.values()) socket.close(1012, 'control plane restarting');
    await this.relay.close();
    const unsubscribe = await this.retiredKeys?.catch(() => null);
    await unsubscribe?.().catch(() => {});
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function startFrame(row: LogStreamRow): StartLogFrame {
  const o = row.options;
  const frame: StartLogFrame = {
    type: 'start-log',
    streamId: row.id,
    clusterId: row.clusterId,
    namespace: row.namespace,
    pod: row.pod,
    container: row.container,
    follow: o.follow,
    previous: o.previous,
    timestamps: o.timestamps,
  };
  if (o.tailLines !== undefined) frame.tailLines = o.tailLines;
  if (o.sinceSeconds !== undefined) frame.sinceSeconds = o.sinceSeconds;
  if (o.filter) frame.filter = o.filter;
  return frame;
}

/** The stop audit event: who opened it, what, how much, why it ended — never the contents. */
export async function auditStop(db: Db, row: LogStreamRow, by?: { userId: string | null; email: string }): Promise<void> {
  const seconds = row.endedAt ? Math.max(0, Math.round((row.endedAt.getTime() - row.createdAt.getTime()) / 1000)) : null;
  await recordAudit(db, {
    orgId: row.orgId,
    actorUserId: by?.userId ?? row.createdBy,
    actor: by?.email ?? row.actor,
    action: 'logs.stop',
    target: row.id,
    details: {
      clusterId: row.clusterId,
      namespace: row.namespace,
      pod: row.pod,
      container: row.container,
      openedBy: row.actor,
      reason: row.endReason,
      bytes: row.bytes,
      lines: row.lines,
      droppedLines: row.droppedLines,
      durationSeconds: seconds,
    },
  });
}

const hubs = new WeakMap<Bus, StreamHub>();

/** The hub of one replica (one bus); every plugin of an app shares it. */
export function streamHub(deps: HubDeps): StreamHub {
  let hub = hubs.get(deps.bus);
  if (!hub) hubs.set(deps.bus, (hub = new StreamHub(deps)));
  return hub;
}

/** The hub already made for this bus, if any (shutdown). */
export function existingStreamHub(bus: Bus): StreamHub | undefined {
  return hubs.get(bus);
}

