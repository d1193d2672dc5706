// The viewer's end of a stream: text/event-stream (or plain text for `curl -N`) read from the local buffer
// at the viewer's own pace. Every event carries `id:` = the last seq it holds, so a reconnect with
// Last-Event-ID resumes exactly after it. Lines travel as JSON strings inside `data:` — a log line holding
// "\n\ndata: …", "\r", NUL or HTML is one JSON string and can neither end the event nor start another.
// Plain text goes to a terminal (`curl -N`): terminal control characters in a line (ESC sequences that
// recolour, move the cursor or retitle the window, CR that overwrites, NUL…) are shown as visible symbols
// unless the caller asks for the raw bytes (`&raw=1`, format 'text-raw').
//
//   event: lines   data: {"seq":41,"items":["a line", {"note":"stream throttled: 12 lines dropped"}]}
//                  (item i has seq 41+i)
//   event: gap     data: {"from":3,"to":9,"reason":"…"}   seqs that will never come, and why
//   event: state   data: {"state":"live"|"waiting"}       no id; the agent (or its replica) is away while waiting
//   event: end     data: {"seq":50,"reason":"…"}          the last event; the client should not reconnect
import type { Attachment, StreamState } from './hub';
import type { Entry } from './ring';

/** A comment this often keeps proxies and Bun's idle timeout from closing a quiet stream. */
export const KEEPALIVE_MS = 15_000;
/** Clients reconnect after this long (the SSE `retry:` field). */
const RETRY_MS = 1000;

/** sse: text/event-stream; text: plain lines, control characters made visible; text-raw: plain lines as sent. */
export type SseFormat = 'sse' | 'text' | 'text-raw';

/** Every C0 control but TAB (a line feed never occurs inside a line; one would be shown too), DEL, the C1 controls. */
const TERMINAL_CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * The text with every terminal control character replaced by a visible symbol: C0 and DEL by their Unicode
 * control pictures (ESC → ␛, CR → ␍, NUL → ␀), C1 by U+FFFD. A terminal shows them and acts on none.
 */
export function showControls(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : '\ufffd';
  });
}

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

const TEXT_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

function encodeSse(entries: readonly Entry[]): string {
  let out = '';
  let batch: Entry['item'][] = [];
  let batchSeq = 0;
  let batchLast = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    out += `id: ${batchLast}\nevent: lines\ndata: ${JSON.stringify({ seq: batchSeq, items: batch })}\n\n`;
    batch = [];
  };
  for (const e of entries) {
    const item = e.item;
    if (typeof item === 'object' && 'gap' in item) {
      flush();
      out += `id: ${item.gap}\nevent: gap\ndata: ${JSON.stringify({ from: e.seq, to: item.gap, reason: item.reason })}\n\n`;
    } else if (typeof item === 'object' && 'end' in item) {
      flush();
      out += `id: ${e.seq}\nevent: end\ndata: ${JSON.stringify({ seq: e.seq, reason: item.end })}\n\n`;
    } else {
      if (batch.length === 0) batchSeq = e.seq;
      batch.push(item);
      batchLast = e.seq;
    }
  }
  flush();
  return out;
}

/**
 * Plain text: one line per log line; notes, gaps and the end as lines starting with "# niro: " (their text
 * may quote the cluster, e.g. a Kubernetes error, so its controls are always made visible).
 */
function encodeText(entries: readonly Entry[], raw: boolean): string {
  let out = '';
  for (const e of entries) {
    const item = e.item;
    if (typeof item === 'string') out += (raw ? item : showControls(item)) + '\n';
    else if ('note' in item) out += `# niro: ${showControls(item.note)}\n`;
    else if ('gap' in item) out += `# niro: ${item.gap - e.seq + 1} entries missing: ${showControls(item.reason)}\n`;
    else out += `# niro: stream ended: ${showControls(item.end)}\n`;
  }
  return out;
}

const stateEvent = (state: StreamState): string => `event: state\ndata: ${JSON.stringify({ state })}\n\n`;

export type StreamResponseOptions = {
  /** Runs once the response is over: 'ended' after the stream's end entry, 'left' when the client went away or the replica is closing. */
  onDone?: (how: 'ended' | 'left') => void;
  /** The first line, after "# niro: " (default "log stream"): what a plain-text reader is looking at. */
  banner?: string;
};

/**
 * Streams entries after `cursor` until the end entry, the client going away, or the replica shutting down
 * (then the response just ends: the client reconnects elsewhere with Last-Event-ID).
 */
export function streamResponse(attachment: Attachment, cursor: number, format: SseFormat, signal: AbortSignal, opts: StreamResponseOptions = {}): Response {
  const { log } = attachment;
  let lastState: StreamState | null = null;
  let finished = false;
  const done = (how: 'ended' | 'left' = 'left'): void => {
    if (finished) return;
    finished = true;
    attachment.detach();
    opts.onDone?.(how);
  };
  signal.addEventListener('abort', () => done(), { once: true });
  const encode = format === 'sse' ? encodeSse : (entries: readonly Entry[]) => encodeText(entries, format === 'text-raw');

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Bun sends a streamed response's headers with its first chunk: write one at once.
      const banner = showControls(opts.banner ?? 'log stream');
      controller.enqueue(encoder.encode(format === 'sse' ? `retry: ${RETRY_MS}\n: niro ${banner}\n\n` : `# niro: ${banner}\n`));
    },
    async pull(controller) {
      for (;;) {
        if (finished || signal.aborted || attachment.closing()) {
          done();
          controller.close();
          return;
        }
        let out = '';
        const state = attachment.state();
        if (format === 'sse' && state !== lastState && state !== 'ended') {
          out += stateEvent(state);
          lastState = state;
        }
        const read = log.read(cursor, 2000, 512 * 1024);
        const entries: Entry[] = [];
        if (read.missed) entries.push({ seq: read.missed.from, item: { gap: read.missed.to, reason: 'no longer buffered: this viewer fell behind' }, size: 0 });
        entries.push(...read.entries);
        let ended = false;
        if (entries.length > 0) {
          out += encode(entries);
          const last = entries[entries.length - 1];
          cursor = last.item && typeof last.item === 'object' && 'gap' in last.item ? last.item.gap : last.seq;
          ended = typeof last.item === 'object' && 'end' in last.item;
        }
        if (out) {
          controller.enqueue(encoder.encode(out));
          if (ended) {
            done('ended');
            controller.close();
          }
          return;
        }
        const before = log.lastSeq;
        await log.wait(KEEPALIVE_MS, signal);
        if (log.lastSeq === before && attachment.state() === lastState && !signal.aborted && !attachment.closing()) {
          controller.enqueue(encoder.encode(format === 'sse' ? ': keepalive\n\n' : ''));
          return;
        }
      }
    },
    cancel() {
      done();
    },
  });
  return new Response(body, { headers: format === 'sse' ? SSE_HEADERS : TEXT_HEADERS });
}

/** A stream that ended and is no longer held by any replica: its end, from the row. */
export function endedResponse(cursor: number, lastSeq: number, reason: string, format: SseFormat): Response {
  let out = '';
  if (format === 'sse') {
    if (lastSeq > cursor)
      out += `id: ${lastSeq}\nevent: gap\ndata: ${JSON.stringify({ from: cursor + 1, to: lastSeq, reason: 'the stream ended and its buffer is gone' })}\n\n`;
    out += `id: ${Math.max(cursor, lastSeq) + 1}\nevent: end\ndata: ${JSON.stringify({ seq: Math.max(cursor, lastSeq) + 1, reason })}\n\n`;
  } else out = `# niro: stream ended: ${showControls(reason)}\n`;
  return new Response(out, { headers: format === 'sse' ? SSE_HEADERS : TEXT_HEADERS });
}
