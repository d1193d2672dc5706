// The per-replica registry of live log streams, and the API the routes use.
//
// A stream is *owned* by the replica holding its cluster's agent WebSocket: that replica sends start-log,
// turns the agent's data frames into numbered entries (lines, notes, the end) in a bounded buffer, enforces
// the stream's limits, and keeps the log_streams row's lease and counts current. A replica serving a
// viewer (SSE) whose stream is owned elsewhere keeps a *mirror*: it subscribes to the owner over the bus and
// receives the same entries with the same numbers. Viewers on either are cursors into the local buffer, so
// resuming with Last-Event-ID is "read after N", and a same-replica viewer never touches the database.
//
// Ownership moves when the agent's socket moves: the replica the agent reconnects to adopts the open
// streams of its cluster (compare-and-swap on the row; a dead owner's once its lease lapses) and re-opens
// the Kubernetes request from the last resume point it holds — the agent's timestamp and how many lines
// carried it, relayed with the entries — numbering on exactly where its copy ends. Everything the viewer
// cannot get is announced (a gap or a note), never skipped silently.
//
// The files, one role each: this one keeps the registry (agent sockets, streams held here), answers the
// routes and routes every event to its role; owner.ts runs a stream whose agent socket is here; mirror.ts
// follows one owned elsewhere; relay.ts and wire.ts carry entries between replicas; audit.ts records ends;
// local-stream.ts is the state they share. A frame's way, once through each:
//   agents/stream-socket.ts → onAgentData (here) → owner.ts: lines into the buffer (ring.ts) → sse.ts on this replica;
//   for a viewer elsewhere: relay.ts takes owner.ts's pending entries → bus → receive (here, on the viewer's
//   replica) → mirror.ts: the same seqs into its buffer → sse.ts there.
//
// One hub per replica: server.ts creates it and passes it to the routes through the app's deps.
import { randomBytes } from 'node:crypto';
import { parseRetiredKey, RETIRED_KEY_CHANNEL } from '../clusters/store';
import type { DataFrame } from '../contract';
import { auditStop } from './audit';
import { agentFor, LEASE_RENEW_MS, type AgentSocket, type HubContext, type HubDeps } from './local-stream';
import { agentArrived, closeMirror, followOwner, hearsOwner, openMirror, receiveFromOwner, tickMirror } from './mirror';
import { acceptData, adopt, finish, leaveSocket, pendingFor, receiveFromMirror, renewLeases, sweepStale, takeOver, tickOwned, type StopActor } from './owner';
import { Relay } from './relay';
import type { StreamLog } from './ring';
import type { LogStreamRow } from './schema';
import { findStream, markEnded, releaseStream } from './store';
import type { RelayMsg } from './wire';

export type StreamState = 'waiting' | 'live' | 'ended';

/** A viewer's hold on a stream: read `log` after your cursor, wait on it, detach when done. */
export type Attachment = { log: StreamLog; state(): StreamState; closing(): boolean; detach(): void };

const TICK_MS = 500;
const SWEEP_MS = 5000;

export class StreamHub {
  readonly replicaId = randomBytes(6).toString('hex');
  private readonly ctx: HubContext;
  private timer: ReturnType<typeof setInterval> | null = null;
  private renewing = false;
  private renewedAt = 0;
  private sweptAt = 0;
  private closed = false;
  private retiredKeys: Promise<() => Promise<void>> | null = null;

  constructor(deps: HubDeps) {
    const relay = new Relay(deps.bus, this.replicaId, { pending: (r) => pendingFor(this.ctx, r), receive: (m) => this.receive(m) }, deps.log);
    this.ctx = { replicaId: this.replicaId, deps, relay, agents: new Map(), streams: new Map(), adopting: new Map() };
  }

  /** Live once resolved: listening on the bus, housekeeping running. */
  async ready(): Promise<void> {
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref?.();
    }
    // A deleted cluster's agent loses its stream socket on every replica; reconnecting, it is refused.
    this.retiredKeys ??= this.ctx.deps.bus
      .subscribe(RETIRED_KEY_CHANNEL, (payload) => {
        const retired = parseRetiredKey(payload);
        if (retired) for (const socket of this.ctx.agents.values()) if (socket.clusterId === retired.cluster) socket.close(4401, 'cluster deleted');
      })
      .catch((e) => {
        this.retiredKeys = null;
        throw e;
      });
    await Promise.all([this.ctx.relay.listen(), this.retiredKeys]);
  }

  // ── Agents ────────────────────────────────────────────────────────────────────────────────────────

  hasAgent(clusterId: string): boolean {
    return agentFor(this.ctx, clusterId) !== null;
  }

  async addAgent(socket: AgentSocket): Promise<void> {
    this.ctx.agents.set(socket.id, socket);
    await this.ready();
    agentArrived(this.ctx, socket.clusterId);
    await adopt(this.ctx, socket.clusterId);
  }

  removeAgent(socketId: string): void {
    const socket = this.ctx.agents.get(socketId);
    if (!socket) return;
    this.ctx.agents.delete(socketId);
    leaveSocket(this.ctx, socketId, agentFor(this.ctx, socket.clusterId));
  }

  /** Called once a new row is committed: start it here when the agent is here, else ask whoever holds it. */
  async startStream(row: LogStreamRow): Promise<void> {
    await this.ready();
    const socket = agentFor(this.ctx, row.clusterId);
    if (row.ownerReplica === this.replicaId && socket) {
      takeOver(this.ctx, row, socket);
      return;
    }
    await this.ctx.relay.broadcast({ t: 'adopt', c: row.clusterId });
  }

  /** A frame from an agent socket (validated against the contract by the caller). */
  onAgentData(socketId: string, frame: DataFrame): void {
    acceptData(this.ctx, socketId, frame);
  }

  // ── Viewers ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Attaches a viewer whose last seen seq is `cursor`. Null when the stream ended and this replica no
   * longer holds it (the caller answers from the row).
   */
  async attach(row: LogStreamRow, cursor: number): Promise<Attachment | null> {
    await this.ready();
    const held = this.ctx.streams.get(row.id) ?? (row.endedAt ? null : openMirror(this.ctx, row, cursor));
    if (!held) return null;
    held.readers++;
    held.detachedSince = null;
    let detached = false;
    return {
      log: held.log,
      closing: () => this.closed,
      state: () => {
        if (held.ended) return 'ended';
        if (held.role === 'owner') return held.socket ? 'live' : 'waiting';
        return hearsOwner(held) ? 'live' : 'waiting';
      },
      detach: () => {
        if (detached) return;
        detached = true;
        held.readers--;
        if (held.readers > 0) return;
        if (held.role === 'owner') {
          if (held.remotes.size === 0) held.detachedSince = Date.now();
        } else {
          closeMirror(this.ctx, held);
        }
      },
    };
  }

  /**
   * DELETE: ends the stream. Here when this replica owns it; otherwise the owner is asked and given a moment
   * (it has the exact counts); a stream nobody holds is ended in the row directly. Null: it had ended already.
   */
  async stop(row: LogStreamRow, by: StopActor): Promise<LogStreamRow | null> {
    const { db } = this.ctx.deps;
    const reason = `stopped by ${by.email}`;
    const local = this.ctx.streams.get(row.id);
    if (local?.role === 'owner') {
      if (local.ended) return null;
      await finish(this.ctx, local, reason, by);
      return findStream(db, row.id);
    }
    if (row.ownerReplica && row.ownerReplica !== this.replicaId) {
      await this.ready();
      this.ctx.relay.send(row.ownerReplica, { t: 'stop', s: row.id, by: by.email });
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        await Bun.sleep(50);
        const now = await findStream(db, row.id);
        if (!now || now.endedAt) return now;
      }
    }
    const ended = await markEnded(db, row.id, reason);
    if (ended) await auditStop(db, ended, by);
    return ended;
  }

  // ── Routing ───────────────────────────────────────────────────────────────────────────────────────

  /** A message from another replica: to the owner side or the mirror side of the stream it names. */
  private receive(msg: RelayMsg): void {
    if (this.closed) return;
    switch (msg.t) {
      case 'adopt':
        if (this.hasAgent(msg.c)) void adopt(this.ctx, msg.c);
        return;
      case 'owned':
        followOwner(this.ctx, msg);
        return;
      case 'sub':
      case 'keep':
      case 'unsub':
      case 'stop':
        receiveFromMirror(this.ctx, msg);
        return;
      case 'd':
        // Payloads from a replica that predates the stamp carry none.
        if (msg.w !== undefined) this.ctx.deps.metrics.relayLagSeconds.observe(Math.max(0, Date.now() - msg.w) / 1000);
        receiveFromOwner(this.ctx, msg);
        return;
      case 'p':
      case 'hb':
      case 'gone':
        receiveFromOwner(this.ctx, msg);
        return;
    }
  }

  /** Housekeeping, every TICK_MS: each stream by its role, then the leases and the sweeper on their cadence. */
  private tick(): void {
    const now = Date.now();
    for (const local of this.ctx.streams.values()) {
      if (local.role === 'owner') tickOwned(this.ctx, local, now);
      else tickMirror(this.ctx, local, now);
    }
    if (now - this.renewedAt > LEASE_RENEW_MS && !this.renewing) {
      this.renewing = true;
      this.renewedAt = Date.now();
      void renewLeases(this.ctx).finally(() => (this.renewing = false));
    }
    if (now - this.sweptAt > SWEEP_MS) {
      this.sweptAt = now;
      void sweepStale(this.ctx);
    }
  }

  /** What this replica holds now, for /metrics, tests and the benchmark: viewers are attached readers of any stream. */
  stats(): { agents: number; owned: number; mirrors: number; viewers: number; relayRetries: number } {
    let owned = 0;
    let mirrors = 0;
    let viewers = 0;
    for (const l of this.ctx.streams.values()) {
      viewers += l.readers;
      if (l.role === 'owner' && !l.ended) owned++;
      else if (l.role === 'mirror') mirrors++;
    }
    return { agents: this.ctx.agents.size, owned, mirrors, viewers, relayRetries: this.ctx.relay.retries };
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
    for (const local of this.ctx.streams.values()) {
      if (local.role === 'owner' && !local.ended && local.socket) {
        await releaseStream(this.ctx.deps.db, this.replicaId, local.progress()).catch(() => {});
      }
      local.log.wake();
    }
    for (const socket of this.ctx.agents.values()) socket.close(1012, 'control plane restarting');
    await this.ctx.relay.close();
    const unsubscribe = await this.retiredKeys?.catch(() => null);
    await unsubscribe?.().catch(() => {});
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
