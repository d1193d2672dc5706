// The mirror: a viewer on this replica watches a stream whose agent socket is held by another replica (the
// owner, owner.ts there). The mirror subscribes to the owner over the relay from the last seq it has and
// inserts the entries it receives under the same numbers into its own buffer, so viewers here read it like
// a local stream. It says "still watching" now and then, asks again when a seq is missing, and re-reads the
// row when the owner falls silent (ended, moved, or gone). It also keeps the owner's last resume point (where
// the agent's reading stood at some seq): if the owner dies and the agent comes to this replica, the stream
// continues from there without a line lost or repeated (owner.ts, takeOver). While the owner is silent the
// viewers are told the stream is waiting, and the replica holding the cluster's agent is asked to adopt it.
//
// A frame's way: owner.ts on the agent's replica → relay.ts → hub.ts (receive) here → receiveFromOwner
// (entries into the buffer) → the viewers' SSE responses (sse.ts) read it.
import { createLocalStream, type HubContext, type LocalStream } from './local-stream';
import type { Item, ResumeAt } from './ring';
import type { LogStreamRow } from './schema';
import { findStream } from './store';
import { resumeOf, type RelayMsg, type WireEntry } from './wire';

/** A mirror says "still watching" this often (its owner forgets one silent for 15 s). */
const KEEP_MS = 4000;
/** A mirror that heard nothing from its owner this long re-reads the row (the owner may be gone). */
const OWNER_SILENCE_MS = 9000;
/** A mirror without a live owner re-reads the row at most this often. */
const LOOKUP_MS = 1500;

/** A mirror for a viewer of `row` who has seen up to `cursor`; registered and subscribed to the row's owner. */
export function openMirror(ctx: HubContext, row: LogStreamRow, cursor: number): LocalStream {
  const local = createLocalStream(ctx, row, cursor);
  local.owner = row.ownerReplica === ctx.replicaId ? null : row.ownerReplica;
  // The owner answers a subscription at once; the row is looked at only if it does not.
  local.lookedUpAt = Date.now();
  ctx.streams.set(row.id, local);
  if (local.owner) subscribe(ctx, local);
  return local;
}

/** The last viewer of a mirror left: tell the owner and forget it. */
export function closeMirror(ctx: HubContext, local: LocalStream): void {
  if (local.owner) ctx.relay.send(local.owner, { t: 'unsub', s: local.row.id, r: ctx.replicaId });
  ctx.streams.delete(local.row.id);
}

/**
 * True while the mirror's owner is known and has been heard from lately — and since the cluster's agent
 * connected here (it left the owner: unless the owner still runs the stream on another socket and says so,
 * the stream waits until this replica can take it over).
 */
export function hearsOwner(local: LocalStream): boolean {
  return Boolean(local.owner) && Date.now() - local.heardAt < OWNER_SILENCE_MS && local.heardAt >= local.agentHereAt;
}

/** The cluster's agent connected to this replica: its streams mirrored here wait for word from their owners. */
export function agentArrived(ctx: HubContext, clusterId: string): void {
  const now = Date.now();
  for (const local of ctx.streams.values()) {
    if (local.role !== 'mirror' || local.row.clusterId !== clusterId || local.ended) continue;
    local.agentHereAt = now;
    local.log.wake();
  }
}

/**
 * Asks the owner for everything after the mirror's last seq (again, when something went missing). Asking
 * is not hearing: the mirror turns live only when the owner answers (a dead owner never does).
 */
export function subscribe(ctx: HubContext, local: LocalStream): void {
  if (!local.owner) return;
  local.keptAt = Date.now();
  ctx.relay.send(local.owner, { t: 'sub', s: local.row.id, r: ctx.replicaId, a: local.log.lastSeq });
  // Viewers waiting on the buffer re-read the state (waiting → live).
  local.log.wake();
}

/** Another replica announced it owns stream `msg.s` now: follow it there. */
export function followOwner(ctx: HubContext, msg: Extract<RelayMsg, { t: 'owned' }>): void {
  const local = ctx.streams.get(msg.s);
  if (!local || msg.o === ctx.replicaId) return;
  if (local.role === 'owner') {
    // Another replica adopted a stream this one had let go of: follow it from there.
    if (local.socket) return;
    followAsMirror(ctx, local, msg.o);
    return;
  }
  if (local.owner !== msg.o) {
    local.owner = msg.o;
    subscribe(ctx, local);
  }
}

/** A stream this replica ran is run by `owner` now: follow it, keeping our own resume point for a later takeover. */
export function followAsMirror(ctx: HubContext, local: LocalStream, owner: string): void {
  local.resumeAt = local.resumePoint();
  local.linesSinceResume = 0;
  local.socket = null;
  local.role = 'mirror';
  local.owner = owner;
  local.heardAt = 0;
  local.remotes.clear();
  subscribe(ctx, local);
}

/** The owner's message: entries (whole or in parts), a beat with its last seq, or "I no longer hold it". */
export function receiveFromOwner(ctx: HubContext, msg: Extract<RelayMsg, { t: 'd' | 'p' | 'hb' | 'gone' }>): void {
  const local = ctx.streams.get(msg.s);
  if (!local || local.role !== 'mirror') return;
  // Heard again after a silence (or after the agent came here): viewers re-read the state.
  const wasSilent = !hearsOwner(local);
  local.heardAt = Date.now();
  if (wasSilent) local.log.wake();
  if (msg.t === 'gone') {
    local.owner = null;
    local.lookedUpAt = 0;
    local.log.wake();
    return;
  }
  if (msg.t === 'hb') {
    if (msg.l > local.log.lastSeq) subscribe(ctx, local);
    else if (msg.l === local.log.lastSeq && msg.ts) {
      local.resumeAt = { ts: msg.ts, lines: msg.n ?? null };
      local.linesSinceResume = 0;
    }
    return;
  }
  const entries: WireEntry[] = [];
  if (msg.t === 'p') {
    const line = local.joiner.add(msg);
    if (line === null) return;
    entries.push([msg.q, line]);
  } else entries.push(...msg.e);
  for (const entry of entries) {
    const [seq, item] = entry;
    const at = resumeOf(entry);
    const placed = local.log.insert(seq, item, at);
    // A seq past the next one means a notification was lost: ask again from what we have.
    if (placed === 'missing') {
      subscribe(ctx, local);
      return;
    }
    if (placed === 'ok') keepResume(local, item, at);
  }
}

/** Tracks the owner's last resume point and the lines after it; after a gap the count is unknown. */
function keepResume(local: LocalStream, item: Item, at: ResumeAt | undefined): void {
  if (at) {
    local.resumeAt = at;
    local.linesSinceResume = 0;
  } else if (typeof item === 'string') {
    local.linesSinceResume++;
  } else if ('gap' in item) {
    local.resumeAt = null;
    local.linesSinceResume = 0;
  }
}

/** One housekeeping round for a mirror: forget it without viewers, keep the owner's subscription, look it up. */
export function tickMirror(ctx: HubContext, local: LocalStream, now: number): void {
  if (local.readers === 0) {
    ctx.streams.delete(local.row.id);
    return;
  }
  if (local.ended) return;
  if (local.owner && now - local.keptAt > KEEP_MS) {
    local.keptAt = now;
    ctx.relay.send(local.owner, { t: 'keep', s: local.row.id, r: ctx.replicaId });
  }
  if (!hearsOwner(local) && now - local.lookedUpAt > LOOKUP_MS && !local.lookingUp) void lookUp(ctx, local);
}

/** A mirror without a live owner re-reads the row: ended, owned elsewhere now, or still waiting. */
async function lookUp(ctx: HubContext, local: LocalStream): Promise<void> {
  local.lookingUp = true;
  local.lookedUpAt = Date.now();
  try {
    const row = await findStream(ctx.deps.db, local.row.id);
    if (local.role !== 'mirror') return;
    if (!row || row.endedAt) {
      const lastSeq = row?.lastSeq ?? local.log.lastSeq;
      if (lastSeq > local.log.lastSeq) local.log.insert(local.log.lastSeq + 1, { gap: lastSeq, reason: 'not relayed before the stream ended' });
      local.log.insert(local.log.lastSeq + 1, { end: row?.endReason ?? 'the stream is gone' });
      return;
    }
    const silent = !hearsOwner(local);
    if (row.ownerReplica && row.ownerReplica !== ctx.replicaId && (row.ownerReplica !== local.owner || silent)) {
      local.owner = row.ownerReplica;
      subscribe(ctx, local);
    }
    // Nobody runs it, or its owner stopped answering (it may have died): whichever replica holds the
    // cluster's agent should take it — its claim succeeds once a dead owner's lease has lapsed.
    if (!row.ownerReplica || silent) void ctx.relay.broadcast({ t: 'adopt', c: row.clusterId }).catch(() => {});
    local.log.wake();
  } catch (e) {
    ctx.deps.log.warn('looking up a log stream failed', { streamId: local.row.id, error: String(e) });
  } finally {
    local.lookingUp = false;
  }
}
