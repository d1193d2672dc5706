// The owner: this replica holds the cluster's agent WebSocket and runs the stream. It claims the stream's
// row (compare-and-swap, a lease it renews), sends start-log, turns the agent's data frames into numbered
// entries in the stream's buffer (ring.ts) within the stream's limits, serves the mirrors that subscribed
// from other replicas, and ends the stream (agent told to stop, row and audit written).
//
// A frame's way: agents/stream-socket.ts → hub.ts (onAgentData) → here (acceptData: lines into the buffer) →
// viewers on this replica read the buffer (sse.ts); relay.ts asks here for what each mirror is owed
// (pendingFor) and publishes it → mirror.ts on the viewer's replica.
import type { DataFrame, StartLogFrame } from '../contract';
import { auditStop } from './audit';
import { capReached, shapeLine, throttledNote } from './limits';
import { agentFor, createLocalStream, type AgentSocket, type HubContext, type LocalStream, type Remote } from './local-stream';
import { followAsMirror } from './mirror';
import type { PendingWork } from './relay';
import type { Entry } from './ring';
import type { LogStreamRow } from './schema';
import { claimStreams, findStream, markEnded, releaseStream, renewStreams, sweepStaleStreams } from './store';
import type { RelayMsg } from './wire';

/** An owner whose lease is this old (database clock) is presumed dead; its streams may be adopted. */
const LEASE_SECONDS = 10;
/** The owner forgets a mirror silent this long (mirrors say "still watching" every few seconds). */
const REMOTE_SILENCE_MS = 15_000;
/** The owner tells a caught-up mirror "nothing new, last seq N" this often (a lost message shows). */
const BEAT_MS = 3000;
/** Ended streams stay readable this long (a viewer reconnecting just after the end still gets it). */
const ENDED_RETENTION_MS = 60_000;
/** Throttled lines are reported at most this often while dropping continues. */
const DROP_REPORT_MS = 1000;

/** Shown where a stream resumed without knowing where the agent's reading stood (lines were delivered, no timestamp). */
export const SEAM_NOTE = 'stream resumed after a reconnect: lines around this point may be missing or repeated';
const LOST_OWNER_GAP = 'the replica holding this stream went away before relaying these';

export type StopActor = { userId: string | null; email: string };

/** Takes over the cluster's unheld open streams if this replica holds its agent. */
export function adopt(ctx: HubContext, clusterId: string): Promise<void> {
  const running = ctx.adopting.get(clusterId);
  if (running) return running.then(() => adopt(ctx, clusterId));
  const job = (async () => {
    if (!agentFor(ctx, clusterId)) return;
    // A release of ours still in flight must land first, or it would undo the claim below.
    await Promise.all([...ctx.streams.values()].filter((l) => l.row.clusterId === clusterId && l.releasing).map((l) => l.releasing));
    const claimed = await claimStreams(ctx.deps.db, clusterId, ctx.replicaId, LEASE_SECONDS);
    const socket = agentFor(ctx, clusterId);
    if (!socket) return;
    for (const row of claimed) takeOver(ctx, row, socket);
  })()
    .catch((e) => ctx.deps.log.warn('adopting log streams failed', { clusterId, error: String(e) }))
    .finally(() => ctx.adopting.delete(clusterId));
  ctx.adopting.set(clusterId, job);
  return job;
}

/**
 * This replica now owns `row` (claimed in the database): continue its seqs from where the agent's reading
 * stood and start the request there.
 *
 * Resuming is exact by seq: the agent re-reads the log from a resume point (a timestamp and how many lines
 * carried it) and the lines after it are numbered on from that point's seq — the same numbers the previous
 * owner gave the same lines, so viewers that saw them (here, or on a replica that died) continue without a
 * line lost, repeated or a gap announced. The resume point comes from this replica's own copy: as owner, its
 * own; as mirror, the last one the owner relayed (lines held after it are dropped when they come again);
 * with neither, the row's last report — entries the mirror never got before that are a real gap.
 */
export function takeOver(ctx: HubContext, row: LogStreamRow, socket: AgentSocket): void {
  let local = ctx.streams.get(row.id);
  // Already running here on another socket of the same cluster.
  if (local?.role === 'owner' && (local.socket !== null || local.ended)) return;
  if (!local) {
    local = createLocalStream(ctx, row, row.lastSeq);
    ctx.streams.set(row.id, local);
  } else if (local.role === 'mirror' || local.log.lastSeq < row.lastSeq) {
    continueFrom(local, row);
  }
  if (local.role === 'mirror') {
    local.role = 'owner';
    local.bytes = Math.max(local.bytes, row.bytes);
    local.lines = Math.max(local.lines, row.lines);
    local.detachedSince = local.readers > 0 ? null : Date.now();
    local.lastOutputAt = Date.now();
  }
  // Lines were delivered but where the agent's reading stood is unknown: it starts over and the viewer is told.
  if ((local.log.lastSeq > 0 || local.lines > 0) && !local.lastTimestamp && local.log.ended === null) local.log.append({ note: SEAM_NOTE });
  startOn(ctx, local, socket);
  void ctx.relay.broadcast({ t: 'owned', s: row.id, o: ctx.replicaId }).catch(() => {});
}

/** A copy this replica did not run (a mirror, or a run here overtaken elsewhere): pick the resume point. */
function continueFrom(local: LocalStream, row: LogStreamRow): void {
  const held = local.log.lastSeq;
  if (local.role === 'mirror' && local.resumeAt) {
    local.lastTimestamp = local.resumeAt.ts;
    local.lastTimestampLines = local.resumeAt.lines;
    local.replaySkip = local.linesSinceResume;
    return;
  }
  // The row's last report: seq and resume point as the previous owner wrote them together.
  if (row.lastSeq > held) local.log.insert(held + 1, { gap: row.lastSeq, reason: LOST_OWNER_GAP });
  local.lastTimestamp = row.lastTimestamp;
  local.lastTimestampLines = null;
  // A viewer's cursor past the report (it read them on the replica that died): the lines in between come again.
  local.replaySkip = Math.max(0, held - row.lastSeq);
}

/**
 * The agent socket `socketId` closed: its streams restart on the cluster's `next` socket if there is one,
 * else are let go with exact counts — whichever replica the agent reconnects to adopts them and continues the seqs.
 */
export function leaveSocket(ctx: HubContext, socketId: string, next: AgentSocket | null): void {
  for (const local of ctx.streams.values()) {
    if (local.role !== 'owner' || local.socket?.id !== socketId || local.ended) continue;
    local.socket = null;
    if (next) {
      startOn(ctx, local, next);
      continue;
    }
    local.orphanedAt = Date.now();
    local.log.wake();
    local.releasing = releaseStream(ctx.deps.db, ctx.replicaId, local.progress())
      // The agent may have reconnected elsewhere before this release landed: whoever holds it adopts now
      // (not awaited: an adoption here waits for this release, never for a publish being retried).
      .then(() => void ctx.relay.broadcast({ t: 'adopt', c: local.row.clusterId }).catch(() => {}))
      .catch((e) => ctx.deps.log.warn('releasing a log stream failed', { streamId: local.row.id, error: String(e) }))
      .finally(() => (local.releasing = null));
  }
}

/** Sends start-log for the stream on `socket`, resuming after the last line when lines were delivered. */
function startOn(ctx: HubContext, local: LocalStream, socket: AgentSocket): void {
  local.socket = socket;
  local.orphanedAt = null;
  local.agentSeq = 0;
  local.lastOutputAt = Date.now();
  const frame = startFrame(local.row);
  // Whatever the agent read before (lines sent or filtered out) is not read again.
  if (local.lastTimestamp) {
    frame.resumeAfter = local.lastTimestamp;
    if (local.lastTimestampLines !== null) frame.resumeAfterLines = local.lastTimestampLines;
  }
  if (!socket.send(frame)) ctx.deps.log.warn('could not send start-log', { streamId: local.row.id });
  local.log.wake();
}

/** A data frame from the agent socket `socketId` (validated against the contract by the caller). */
export function acceptData(ctx: HubContext, socketId: string, frame: DataFrame): void {
  const local = ctx.streams.get(frame.streamId);
  const socket = ctx.agents.get(socketId);
  if (!local || local.role !== 'owner' || local.socket?.id !== socketId || local.ended) {
    // A stream this replica does not run there (ended, or from before a restart): make the agent let go.
    if (socket && !frame.eof) socket.send({ type: 'stop', streamId: frame.streamId });
    return;
  }
  if (local.agentSeq > 0 && frame.seq > local.agentSeq + 1) local.log.append({ note: `${frame.seq - local.agentSeq - 1} frames from the agent were lost` });
  local.agentSeq = frame.seq;
  if (frame.lastTimestamp) {
    local.lastTimestamp = frame.lastTimestamp;
    local.lastTimestampLines = frame.lastTimestampLines ?? null;
  }
  if (frame.droppedLines) countDropped(local, frame.droppedLines);
  if (frame.seam)
    local.log.append({
      note: `log re-opened from ${frame.seam}: the container restarted or the connection dropped; lines around this point may be missing or repeated`,
    });
  if (frame.data) {
    if (!ingest(ctx, local, frame.data)) return;
  }
  if (frame.eof) {
    const reason = frame.err ? frame.err : local.row.options.follow ? 'the log ended (the container stopped or the pod is gone)' : 'end of log';
    void finish(ctx, local, reason);
    return;
  }
  markResume(local);
  kickRemotes(ctx, local);
}

/** The frame is numbered whole: the newest entry is where the agent's reading stands (relayed to mirrors). */
function markResume(local: LocalStream): void {
  const at = local.resumePoint();
  if (at) local.log.markResume(at);
}

/** Lines of one frame into the buffer; false when a cap ended the stream. */
function ingest(ctx: HubContext, local: LocalStream, data: string): boolean {
  const now = Date.now();
  const { maxLineChars } = ctx.deps.limits;
  local.lastOutputAt = now;
  let start = 0;
  while (start < data.length) {
    const newline = data.indexOf('\n', start);
    const end = newline === -1 ? data.length : newline;
    const line = data.slice(start, end);
    start = end + 1;
    if (local.replaySkip > 0) {
      local.replaySkip--;
      continue;
    }
    if (!local.budget.take(now)) {
      countDropped(local, 1);
      continue;
    }
    if (local.pendingDropped > 0) reportDropped(local);
    local.log.append(shapeLine(line, maxLineChars));
    local.lines++;
    local.bytes += Buffer.byteLength(line) + 1;
    const cap = capReached(ctx.deps.limits, local);
    if (cap) {
      void finish(ctx, local, cap);
      return false;
    }
  }
  return true;
}

function countDropped(local: LocalStream, n: number): void {
  if (local.pendingDropped === 0) local.pendingSince = Date.now();
  local.pendingDropped += n;
  local.dropped += n;
}

function reportDropped(local: LocalStream): void {
  local.log.append({ note: throttledNote(local.pendingDropped) });
  local.pendingDropped = 0;
}

/**
 * Ends a stream this replica owns: the agent is told to stop (it cancels the Kubernetes request), viewers
 * get the end entry, the row records counts and reason, and the audit log the stop.
 */
export async function finish(ctx: HubContext, local: LocalStream, reason: string, by?: StopActor): Promise<void> {
  if (local.ended || local.role !== 'owner') return;
  if (local.pendingDropped > 0) reportDropped(local);
  local.socket?.send({ type: 'stop', streamId: local.row.id });
  local.log.append({ end: reason });
  local.closedAt = Date.now();
  kickRemotes(ctx, local);
  try {
    const row = await markEnded(ctx.deps.db, local.row.id, reason, local.progress());
    if (row) await auditStop(ctx.deps.db, row, by);
  } catch (e) {
    ctx.deps.log.warn('recording the end of a log stream failed', { streamId: local.row.id, error: String(e) });
  }
}

// ── Serving mirrors ─────────────────────────────────────────────────────────────────────────────────

/** New entries for the mirrors: their relay pumps come and take them (pendingFor). */
function kickRemotes(ctx: HubContext, local: LocalStream): void {
  for (const replica of local.remotes.keys()) ctx.relay.kick(replica);
}

/** Entries owed to `replica`, per stream it subscribed to (at most a few hundred per stream per round). */
export function pendingFor(ctx: HubContext, replica: string): PendingWork[] {
  const work: PendingWork[] = [];
  for (const local of ctx.streams.values()) {
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

/** "Nothing new after seq l", with our resume point at l: the mirror knows it hears us and where the agent stands. */
function beat(ctx: HubContext, local: LocalStream, replica: string, remote: Remote, now: number): void {
  remote.sentAt = now;
  const at = local.resumePoint();
  ctx.relay.send(replica, at ? { t: 'hb', s: local.row.id, l: local.log.lastSeq, ts: at.ts, n: at.lines } : { t: 'hb', s: local.row.id, l: local.log.lastSeq });
}

/** A mirror's message: it subscribes from a seq, says it is still watching, leaves, or relays a DELETE. */
export function receiveFromMirror(ctx: HubContext, msg: Extract<RelayMsg, { t: 'sub' | 'keep' | 'unsub' | 'stop' }>): void {
  const local = ctx.streams.get(msg.s);
  switch (msg.t) {
    case 'sub': {
      if (!local || local.role !== 'owner') {
        ctx.relay.send(msg.r, { t: 'gone', s: msg.s });
        return;
      }
      const remote: Remote = { sent: msg.a, heardAt: Date.now(), sentAt: Date.now() };
      local.remotes.set(msg.r, remote);
      local.detachedSince = null;
      // A mirror is live once it hears from us: with nothing to send, say so at once.
      if (remote.sent >= local.log.lastSeq) beat(ctx, local, msg.r, remote, Date.now());
      else ctx.relay.kick(msg.r);
      return;
    }
    case 'keep': {
      const remote = local?.role === 'owner' ? local.remotes.get(msg.r) : undefined;
      if (remote) remote.heardAt = Date.now();
      else ctx.relay.send(msg.r, { t: 'gone', s: msg.s });
      return;
    }
    case 'unsub': {
      if (!local || local.role !== 'owner') return;
      local.remotes.delete(msg.r);
      if (local.remotes.size === 0 && local.readers === 0) local.detachedSince = Date.now();
      return;
    }
    case 'stop': {
      if (local?.role === 'owner') void finish(ctx, local, `stopped by ${msg.by}`, { userId: null, email: msg.by });
      return;
    }
  }
}

// ── Housekeeping ──────────────────────────────────────────────────────────────────────────────────

/** One housekeeping round for a stream owned here: forget it, report drops, beat to mirrors, end it. */
export function tickOwned(ctx: HubContext, local: LocalStream, now: number): void {
  const limits = ctx.deps.limits;
  if (local.ended) {
    if (local.readers === 0 && local.remotes.size === 0 && now - (local.closedAt ?? now) > ENDED_RETENTION_MS) ctx.streams.delete(local.row.id);
    else if (now - (local.closedAt ?? now) > ENDED_RETENTION_MS * 2) ctx.streams.delete(local.row.id);
    return;
  }
  if (local.pendingDropped > 0 && now - local.pendingSince >= DROP_REPORT_MS) {
    reportDropped(local);
    markResume(local);
    kickRemotes(ctx, local);
  }
  for (const [replica, remote] of local.remotes) {
    if (now - remote.heardAt > REMOTE_SILENCE_MS) local.remotes.delete(replica);
    else if (remote.sent >= local.log.lastSeq && now - remote.sentAt > BEAT_MS) beat(ctx, local, replica, remote, now);
  }
  if (local.readers === 0 && local.remotes.size === 0) local.detachedSince ??= now;
  if (local.socket === null && local.orphanedAt !== null && now - local.orphanedAt > limits.startSeconds * 1000) {
    if (!local.lookingUp) void expireOrphan(ctx, local);
  } else if (local.detachedSince !== null && now - local.detachedSince > limits.detachSeconds * 1000) {
    void finish(ctx, local, `nobody watching for ${limits.detachSeconds} s`);
  } else if (now - local.lastOutputAt > limits.idleSeconds * 1000) {
    void finish(ctx, local, `idle: no output for ${limits.idleSeconds} s`);
  }
}

/**
 * A stream this replica let go of when its agent socket closed, and nobody adopted in time: end it —
 * unless the row says another replica runs it now (its "owned" message was missed): follow it there.
 */
async function expireOrphan(ctx: HubContext, local: LocalStream): Promise<void> {
  local.lookingUp = true;
  try {
    const row = await findStream(ctx.deps.db, local.row.id);
    if (local.role !== 'owner' || local.socket !== null) return;
    if (row?.ownerReplica && row.ownerReplica !== ctx.replicaId && !row.endedAt) {
      followAsMirror(ctx, local, row.ownerReplica);
      return;
    }
    await finish(ctx, local, 'the cluster’s agent disconnected and did not come back');
  } catch (e) {
    ctx.deps.log.warn('expiring a log stream failed', { streamId: local.row.id, error: String(e) });
  } finally {
    local.lookingUp = false;
  }
}

/** Renews the leases of the streams this replica runs and records their progress; notices ends from elsewhere. */
export async function renewLeases(ctx: HubContext): Promise<void> {
  try {
    const held = [...ctx.streams.values()].filter((l) => l.role === 'owner' && !l.ended && l.socket !== null);
    if (held.length === 0) return;
    const open = await renewStreams(
      ctx.deps.db,
      ctx.replicaId,
      held.map((l) => l.progress()),
    );
    for (const local of held) {
      if (open.has(local.row.id) || local.ended) continue;
      const row = await findStream(ctx.deps.db, local.row.id);
      if (!row || row.endedAt) {
        // Ended elsewhere (DELETE on another replica whose stop message was lost, or the sweeper).
        local.socket?.send({ type: 'stop', streamId: local.row.id });
        local.log.append({ end: row?.endReason ?? 'the stream is gone' });
        local.closedAt = Date.now();
        kickRemotes(ctx, local);
      } else if (row.ownerReplica && row.ownerReplica !== ctx.replicaId) {
        // Adopted elsewhere while this replica's lease lapsed: stop here, follow it there.
        local.socket?.send({ type: 'stop', streamId: local.row.id });
        followAsMirror(ctx, local, row.ownerReplica);
      } else {
        // Our release raced our own claim: claim it again (it keeps running on its socket meanwhile).
        void adopt(ctx, local.row.clusterId);
      }
    }
  } catch (e) {
    ctx.deps.log.warn('renewing log stream leases failed', { error: String(e) });
  }
}

/** Ends streams no agent picked up (or came back for) in time, so they stop counting against the caps. */
export async function sweepStale(ctx: HubContext): Promise<void> {
  try {
    for (const row of await sweepStaleStreams(ctx.deps.db, ctx.deps.limits.startSeconds)) await auditStop(ctx.deps.db, row);
  } catch (e) {
    ctx.deps.log.warn('sweeping stale log streams failed', { error: String(e) });
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
