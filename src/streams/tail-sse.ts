// The merged SSE of a workload tail: every member stream's entries, tagged with the member, on one
// connection (a browser allows only a handful per host, and a tail may follow fifty pods). The event id
// is the vector of every member's cursor — `<member>:<seq>.<member>:<seq>…`, a member being the first 8
// hex digits of its stream id — so a reconnect with Last-Event-ID resumes each member exactly.
//
//   event: member  data: {"m":"1a2b3c4d","clusterId":…,"cluster":"edge-1","namespace":…,"pod":…,"container":…}
//   event: lines   data: {"m":"1a2b3c4d","seq":41,"items":[…]}        (as for one stream, per member)
//   event: gap     data: {"m":…,"from":…,"to":…,"reason":…}
//   event: end     data: {"m":…,"seq":…,"reason":…}                  one member ended (its pod went away…)
//   event: end     data: {"reason":…}                                the tail ended (no m): do not reconnect
import type { Db } from '../db/client';
import { findCluster } from '../clusters/store';
import type { Attachment, StreamHub } from './hub';
import type { Entry } from './ring';
import type { LogStreamRow, LogTailRow } from './schema';
import { SSE_HEADERS, KEEPALIVE_MS } from './sse';
import { findTail, listTailStreams } from './store';

/** Members are re-read this often: pods that joined through another replica's refresh show up. */
const MEMBER_REFRESH_MS = 2000;

type Member = { key: string; row: LogStreamRow; cluster: string; cursor: number; attachment: Attachment | null; ended: boolean };

const memberKey = (streamId: string): string => streamId.replace(/-/g, '').slice(0, 8);

/** Parses a cursor vector; unknown or malformed parts are ignored (that member starts from its beginning). */
export function parseCursorVector(value: string | null): Map<string, number> {
  const cursors = new Map<string, number>();
  if (!value || value.length > 4096) return cursors;
  for (const part of value.split('.')) {
    const m = /^([0-9a-f]{8}):(\d{1,15})$/.exec(part.trim());
    if (m) cursors.set(m[1], Number(m[2]));
  }
  return cursors;
}

export function tailResponse(
  deps: { db: Db; hub: StreamHub; orgIds: readonly string[] },
  tail: LogTailRow,
  lastEventId: string | null,
  signal: AbortSignal,
): Response {
  const encoder = new TextEncoder();
  const start = parseCursorVector(lastEventId);
  const members = new Map<string, Member>();
  const clusterNames = new Map<string, string>();
  let refreshedAt = 0;
  let tailEnded: string | null = tail.endedAt ? (tail.endReason ?? 'ended') : null;
  let finished = false;

  const vector = (): string =>
    [...members.values()]
      .filter((m) => m.cursor > 0)
      .map((m) => `${m.key}:${m.cursor}`)
      .join('.');

  const finish = (): void => {
    if (finished) return;
    finished = true;
    for (const m of members.values()) m.attachment?.detach();
  };
  signal.addEventListener('abort', finish, { once: true });

  /** New members since the last look: attach them and announce them (member event). */
  async function refresh(): Promise<string> {
    refreshedAt = Date.now();
    let out = '';
    const rows = await listTailStreams(deps.db, tail.id);
    const now = await findTail(deps.db, tail.id);
    if (now?.endedAt) tailEnded = now.endReason ?? 'ended';
    for (const row of rows) {
      const key = memberKey(row.id);
      if (members.has(key)) continue;
      if (!clusterNames.has(row.clusterId)) clusterNames.set(row.clusterId, (await findCluster(deps.db, row.clusterId, deps.orgIds))?.name ?? row.clusterId);
      const cursor = start.get(key) ?? 0;
      const member: Member = { key, row, cluster: clusterNames.get(row.clusterId)!, cursor, attachment: null, ended: false };
      members.set(key, member);
      out += `event: member\ndata: ${JSON.stringify({ m: key, clusterId: row.clusterId, cluster: member.cluster, namespace: row.namespace, pod: row.pod, container: row.container })}\n\n`;
      member.attachment = await deps.hub.attach(row, cursor);
      if (!member.attachment) {
        // Ended and no longer held anywhere: its end, from the row.
        member.ended = true;
        if (row.lastSeq > cursor)
          out += `event: gap\ndata: ${JSON.stringify({ m: key, from: cursor + 1, to: row.lastSeq, reason: 'the stream ended and its buffer is gone' })}\n\n`;
        member.cursor = Math.max(cursor, row.lastSeq) + 1;
        out += `id: ${vector()}\nevent: end\ndata: ${JSON.stringify({ m: key, seq: member.cursor, reason: row.endReason ?? 'ended' })}\n\n`;
      }
    }
    return out;
  }

  function drain(): string {
    let out = '';
    for (const m of members.values()) {
      if (m.ended || !m.attachment) continue;
      const read = m.attachment.log.read(m.cursor, 500, 256 * 1024);
      const entries: Entry[] = [];
      if (read.missed) entries.push({ seq: read.missed.from, item: { gap: read.missed.to, reason: 'no longer buffered: this viewer fell behind' }, size: 0 });
      entries.push(...read.entries);
      let batch: Entry['item'][] = [];
      let batchSeq = 0;
      const flushBatch = (): void => {
        if (batch.length === 0) return;
        out += `id: ${vector()}\nevent: lines\ndata: ${JSON.stringify({ m: m.key, seq: batchSeq, items: batch })}\n\n`;
        batch = [];
      };
      for (const e of entries) {
        const item = e.item;
        if (typeof item === 'object' && 'gap' in item) {
          flushBatch();
          m.cursor = item.gap;
          out += `id: ${vector()}\nevent: gap\ndata: ${JSON.stringify({ m: m.key, from: e.seq, to: item.gap, reason: item.reason })}\n\n`;
        } else if (typeof item === 'object' && 'end' in item) {
          flushBatch();
          m.cursor = e.seq;
          m.ended = true;
          m.attachment.detach();
          out += `id: ${vector()}\nevent: end\ndata: ${JSON.stringify({ m: m.key, seq: e.seq, reason: item.end })}\n\n`;
        } else {
          if (batch.length === 0) batchSeq = e.seq;
          batch.push(item);
          m.cursor = e.seq;
        }
      }
      flushBatch();
    }
    return out;
  }

  /** Resolves when any member has news, the refresh is due, the keepalive is due, or the client left. */
  function waitAny(): Promise<void> {
    const stop = new AbortController();
    const waits: Promise<void>[] = [];
    for (const m of members.values()) if (!m.ended && m.attachment) waits.push(m.attachment.log.wait(KEEPALIVE_MS, stop.signal));
    waits.push(Bun.sleep(Math.max(10, MEMBER_REFRESH_MS - (Date.now() - refreshedAt))));
    waits.push(new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })));
    return Promise.race(waits).finally(() => stop.abort());
  }

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: 1000\n: niro workload tail\n\nevent: state\ndata: {"state":"live"}\n\n`));
    },
    async pull(controller) {
      const idleSince = Date.now();
      for (;;) {
        if (finished || signal.aborted || deps.hub.isClosed) {
          finish();
          controller.close();
          return;
        }
        let out = '';
        if (Date.now() - refreshedAt >= MEMBER_REFRESH_MS) out += await refresh();
        out += drain();
        const allEnded = [...members.values()].every((m) => m.ended);
        if (tailEnded !== null && allEnded) {
          out += `event: end\ndata: ${JSON.stringify({ reason: tailEnded })}\n\n`;
          controller.enqueue(encoder.encode(out));
          finish();
          controller.close();
          return;
        }
        if (out) {
          controller.enqueue(encoder.encode(out));
          return;
        }
        if (Date.now() - idleSince >= KEEPALIVE_MS) {
          controller.enqueue(encoder.encode(': keepalive\n\n'));
          return;
        }
        await waitAny();
      }
    },
    cancel() {
      finish();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}
