// Messages between replicas over the bus (Postgres NOTIFY, < 8000 bytes each). Entries travel as
// [seq, item] pairs, batched into as few payloads as fit; a line too long for one payload is split into
// parts that the receiving replica joins again. Every entry keeps its seq, so the receiver sees a gap
// (a lost notification) and asks again instead of skipping lines silently.
import { MAX_BUS_PAYLOAD_BYTES } from '../db/bus';
import { entryEnd, type Entry, type Item, type ResumeAt } from './ring';

/** Owner → everyone: "this stream is held by replica o now" (waiting mirrors subscribe). */
export type OwnedMsg = { t: 'owned'; s: string; o: string };
/** Anyone → everyone: "cluster c has new streams; whoever holds its agent, adopt them". */
export type AdoptMsg = { t: 'adopt'; c: string };
/** Mirror → owner: send me entries after seq a. */
export type SubMsg = { t: 'sub'; s: string; r: string; a: number };
/** Mirror → owner: still watching (every few seconds); unsub when its last viewer left. */
export type KeepMsg = { t: 'keep'; s: string; r: string };
export type UnsubMsg = { t: 'unsub'; s: string; r: string };
/** Anyone → owner: end this stream (DELETE). */
export type StopMsg = { t: 'stop'; s: string; by: string };
/** One entry on the wire: [seq, item], or [seq, item, ts, lines] for a resume point (Entry.at). */
export type WireEntry = [number, Item] | [number, Item, string, number | null];
/** Owner → mirror: entries, in order; w = when the owner packed them (ms since the epoch, for the relay-lag metric). */
export type DataMsg = { t: 'd'; s: string; w?: number; e: WireEntry[] };
/** Owner → mirror: part i of n of one long line with seq q. */
export type PartMsg = { t: 'p'; s: string; q: number; i: number; n: number; x: string };
/**
 * Owner → mirror: nothing new; l = the owner's last seq (a mirror behind it lost a message). `ts`/`n`:
 * the owner's resume point at l (Entry.at), when it has one.
 */
export type BeatMsg = { t: 'hb'; s: string; l: number; ts?: string; n?: number | null };
/** Owner → mirror: this replica does not hold that stream (any more). */
export type GoneMsg = { t: 'gone'; s: string };

export type RelayMsg = OwnedMsg | AdoptMsg | SubMsg | KeepMsg | UnsubMsg | StopMsg | DataMsg | PartMsg | BeatMsg | GoneMsg;

/** Room for the payload; the bus's own cap already leaves margin under Postgres's 8000 bytes. */
export const PAYLOAD_BUDGET = MAX_BUS_PAYLOAD_BYTES;

const utf8 = new TextEncoder();
const byteLength = (text: string): number => (/^[\x20-\x7e]*$/.test(text) ? text.length : utf8.encode(text).length);

/** Bytes one character (UTF-16 code unit at i) costs inside a JSON string, and how many units it spans. */
function jsonCost(text: string, i: number): [bytes: number, units: number] {
  const c = text.charCodeAt(i);
  if (c === 0x22 || c === 0x5c) return [2, 1];
  if (c < 0x20) return c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c ? [2, 1] : [6, 1];
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return [4, 2];
    return [6, 1];
  }
  if (c >= 0xdc00 && c <= 0xdfff) return [6, 1];
  return [3, 1];
}

/** Cuts text into pieces whose JSON string bodies fit `budget` bytes each, never inside a surrogate pair. */
export function splitForJson(text: string, budget: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < text.length; ) {
    const [bytes, units] = jsonCost(text, i);
    if (used + bytes > budget && i > start) {
      pieces.push(text.slice(start, i));
      start = i;
      used = 0;
    }
    used += bytes;
    i += units;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** One bus payload and the highest seq fully delivered once it is published. */
export type Payload = { text: string; through: number };

/**
 * Packs entries (in seq order) into payloads under the budget. `through` of each payload lets the
 * sender advance its cursor only past what was actually published.
 */
export function encodeEntries(streamId: string, entries: readonly Entry[], packedAtMs = Date.now()): Payload[] {
  const payloads: Payload[] = [];
  const head = `{"t":"d","s":${JSON.stringify(streamId)},"w":${Math.round(packedAtMs)},"e":[`;
  const headBytes = byteLength(head) + 2;
  let parts: string[] = [];
  let used = headBytes;
  let through = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    payloads.push({ text: head + parts.join(',') + ']}', through });
    parts = [];
    used = headBytes;
  };
  for (const entry of entries) {
    const encoded = JSON.stringify(entry.at ? [entry.seq, entry.item, entry.at.ts, entry.at.lines] : [entry.seq, entry.item]);
    const bytes = byteLength(encoded) + 1;
    if (used + bytes > PAYLOAD_BUDGET) flush();
    if (headBytes + bytes <= PAYLOAD_BUDGET) {
      parts.push(encoded);
      used += bytes;
      through = entryEnd(entry);
      continue;
    }
    // Only a line can be this long (notes and reasons are short): it travels in parts.
    const text = typeof entry.item === 'string' ? entry.item : JSON.stringify(entry.item);
    const partHead = byteLength(`{"t":"p","s":${JSON.stringify(streamId)},"q":${entry.seq},"i":000000,"n":000000,"x":""}`);
    const pieces = splitForJson(text, PAYLOAD_BUDGET - partHead - 16);
    pieces.forEach((x, i) =>
      payloads.push({
        text: JSON.stringify({ t: 'p', s: streamId, q: entry.seq, i, n: pieces.length, x } satisfies PartMsg),
        through: i === pieces.length - 1 ? entry.seq : entry.seq - 1,
      }),
    );
    through = entry.seq;
  }
  flush();
  return payloads;
}

/** Joins the parts of long lines as they arrive; one line at a time per stream (parts come in order). */
export class PartJoiner {
  private seq = -1;
  private pieces: string[] = [];

  /** The whole line once its last part arrived; null while incomplete or when parts were lost. */
  add(msg: PartMsg): string | null {
    if (msg.i === 0) {
      this.seq = msg.q;
      this.pieces = [];
    }
    if (msg.q !== this.seq || msg.i !== this.pieces.length) {
      this.seq = -1;
      this.pieces = [];
      return null;
    }
    this.pieces.push(msg.x);
    if (this.pieces.length < msg.n) return null;
    const line = this.pieces.join('');
    this.seq = -1;
    this.pieces = [];
    return line;
  }
}

/** Bus channel names: one broadcast channel, one per replica for directed messages. */
export const BROADCAST_CHANNEL = 'niro_logs';
export const replicaChannel = (replicaId: string): string => `niro_logs_${replicaId}`;

/** The resume point a wire entry carries, if any. */
export function resumeOf(entry: WireEntry): ResumeAt | undefined {
  return entry.length === 4 ? { ts: entry[2], lines: entry[3] } : undefined;
}
