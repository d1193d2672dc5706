// Request bodies read by hand: Bun and Elysia do not decompress them, and the limit that matters
// is on the decompressed size (a 1 MB gzip of zeros inflates to 1 GB).
import type { InflateBudget } from '../deps';
import { MAX_JSON_DEPTH, findUnstorableText, jsonTooDeep } from './input';
import type { ErrorCode } from './error-codes';

export type BodyFailure = { ok: false; status: 400 | 413 | 415 | 503; code: ErrorCode; message: string; headers?: Record<string, string> };
export type BodyResult = { ok: true; text: string } | BodyFailure;

/**
 * How long a client refused for want of inflate budget should wait. Wasted bytes drain from the budget
 * within a second, so it is free again by then; agents add their own jitter on top.
 */
export const INFLATE_RETRY_AFTER_SECONDS = 2;

/**
 * A replica's inflate budget: at most `atOnceBytes` of decompressed output held by all the requests it
 * is reading. A body read in full gives its share back at once. A body that fails (over the limit, bad
 * gzip, refused for budget) gives back what it inflated over the next second instead (and the rest of
 * its reservation at once), for two reasons: that output is
 * garbage still in the heap until the collector runs, and bombs arrive a few milliseconds apart: if
 * each one's share came back at once, each would find the budget free again and inflate to the body
 * limit (40 of them: 640 MiB of work and garbage). Draining, the first few reach their 413 and the rest
 * are answered 503 at once; legitimate bodies, which never fail, never pay for it.
 */
export function createInflateBudget(atOnceBytes: number, nowMs: () => number = () => performance.now()): InflateBudget {
  let held = 0;
  /** Shares of failed bodies, still counted; they drain at `atOnceBytes` per second. */
  let draining = 0;
  let drainedAt = nowMs();
  const drain = (): void => {
    const now = nowMs();
    draining = Math.max(0, draining - ((now - drainedAt) * atOnceBytes) / 1000);
    drainedAt = now;
  };
  return {
    take(bytes) {
      drain();
      if (held + draining + bytes > atOnceBytes) return false;
      held += bytes;
      return true;
    },
    give(bytes, wasted) {
      drain();
      held = Math.max(0, held - bytes);
      draining += Math.min(wasted, bytes);
    },
    inUse() {
      drain();
      return held + draining;
    },
  };
}

/** The most a decompressor is handed, or yields, at a time (its output chunks grow with its input ones). */
const INFLATE_CHUNK_BYTES = 64 * 1024;

/**
 * What a gzip body with a declared size must find free in the budget before anything reads it: this
 * many bytes per byte on the wire (at most the body limit, at least a chunk). Gzipped JSON heartbeats
 * inflate about 10:1 (1,000 pods: 1.2 MB → 100 KB), so an honest body needs that much anyway. Why up
 * front: until a body is answered, Bun keeps buffering what arrives of it, read or not. Reserving a
 * chunk each, 40 bombs of 2 MiB were all admitted at once, shared the budget until it ran out and were
 * answered 503 only then, 250 ms later, with their 80 MiB of wire bytes buffered meanwhile; reserving
 * by size, two are admitted (and reach their 413) and the rest are answered 503 at once, unread.
 */
const ADMIT_BYTES_PER_WIRE_BYTE = 8;

/** The share a gzip body reserves before it is read: see ADMIT_BYTES_PER_WIRE_BYTE. */
function admissionBytes(request: Request, maxBytes: number): number {
  const declared = Number(request.headers.get('content-length'));
  const expected = Number.isSafeInteger(declared) && declared > 0 ? declared * ADMIT_BYTES_PER_WIRE_BYTE : 0;
  return Math.max(INFLATE_CHUNK_BYTES, Math.min(maxBytes, expected));
}

/**
 * Output inflated between two turns of the event loop. Reading a decompressor whose input has arrived
 * never waits for I/O, so without a pause one body inflating to its limit would hold the thread until it
 * is done, and every other request (cheap refusals included) would wait behind it.
 */
const INFLATE_BYTES_PER_TURN = 1024 * 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Re-cuts a byte stream into pieces of at most `max` bytes (views, no copies). */
function slicesOf(max: number): TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>> {
  return new TransformStream({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.byteLength; at += max) controller.enqueue(chunk.subarray(at, at + max));
    },
  });
}

/**
 * On a refusal that leaves the body unread: the connection closes after the answer. Kept open, the
 * server would have to read the rest of the body (megabytes of a bomb) only to throw it away.
 */
const UNREAD_REST = { connection: 'close' } as const;

const busy = (): BodyFailure => ({
  ok: false,
  status: 503,
  code: 'busy_decompressing',
  message: `the server is decompressing as much as it allows at once; retry in ${INFLATE_RETRY_AFTER_SECONDS} s`,
  headers: { 'retry-after': String(INFLATE_RETRY_AFTER_SECONDS), ...UNREAD_REST },
});

const isGzip = (request: Request): boolean => /^\s*(x-)?gzip\s*$/i.test(request.headers.get('content-encoding') ?? '');

/**
 * Reserves a gzip body's admission share now, before its caller's key is looked up again (see
 * src/agents/api.ts): the bytes reserved (0 for a body that is not gzip), to hand to readBody, or the
 * 503 when the budget lacks them. Should the request fail before readBody, give the bytes back.
 */
export function admitBody(request: Request, maxBytes: number, inflating: InflateBudget): number | BodyFailure {
  if (!request.body || !isGzip(request)) return 0;
  const bytes = admissionBytes(request, maxBytes);
  return inflating.take(bytes) ? bytes : busy();
}

/**
 * The body as text, gunzipped when `Content-Encoding: gzip`. Reading stops as soon as more than
 * `maxBytes` have come out of the decompressor (413), or when this body's output would pass what is
 * left of the replica's `inflating` budget (503 with Retry-After; a body that does not find its
 * admission share free, ADMIT_BYTES_PER_WIRE_BYTE, is refused before anything reads it). So memory stays
 * bounded by the budget plus one 64 KiB chunk per request, however the body was built. Plain bodies are
 * not charged: each byte of them crossed the network, and their declared length was checked before
 * anything read them. `admitted`: what admitBody reserved for this body.
 */
export async function readBody(request: Request, maxBytes: number, inflating: InflateBudget, admitted = 0): Promise<BodyResult> {
  // What admitBody reserved is this body's from here on, whatever happens.
  if (admitted > 0 && (!request.body || !isGzip(request))) inflating.give(admitted, 0);
  const encoding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    return {
      ok: false,
      status: 415,
      code: 'unsupported_encoding',
      message: `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send gzip or nothing`,
    };
  }
  if (!request.body) return { ok: true, text: '' };
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  /** Budget this body holds: reserved ahead of its output, given back however reading ends. */
  let held = gzip ? admitted : 0;
  const reserve = (bytes: number): boolean => {
    if (bytes <= held) return true;
    if (!inflating.take(bytes - held)) return false;
    held = bytes;
    return true;
  };
  if (gzip && !reserve(admissionBytes(request, maxBytes))) return busy();
  // The decompressor is pulled one chunk at a time: it inflates only what is read, never ahead.
  const stream = gzip ? request.body.pipeThrough(slicesOf(INFLATE_CHUNK_BYTES)).pipeThrough(new DecompressionStream('gzip')) : request.body;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let readInFull = false;
  const stop = async (failure: BodyFailure): Promise<BodyFailure> => {
    await reader.cancel().catch(() => {});
    return failure;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        return await stop({
          ok: false,
          status: 413,
          code: 'payload_too_large',
          message: `request body exceeds ${maxBytes} bytes${gzip ? ' once decompressed' : ''}`,
          headers: UNREAD_REST,
        });
      }
      if (gzip && !reserve(total)) return await stop(busy());
      chunks.push(value);
      if (gzip && Math.floor(total / INFLATE_BYTES_PER_TURN) > Math.floor((total - value.byteLength) / INFLATE_BYTES_PER_TURN)) await nextTurn();
    }
    // Decoded while the budget is still held: the chunks and their concatenation exist at once here.
    const text = new TextDecoder().decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    readInFull = true;
    return { ok: true, text };
  } catch {
    return { ok: false, status: 400, code: 'malformed_body', message: gzip ? 'request body is not valid gzip' : 'request body could not be read' };
  } finally {
    // A failed body's output drains (it is garbage until collected); what it reserved ahead comes back now.
    if (held > 0) inflating.give(held, readInFull ? 0 : Math.min(held, total));
  }
}

/** JSON.parse as a value: a syntax error (or nesting deeper than MAX_JSON_DEPTH) is an expected outcome here, not a bug. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (jsonTooDeep(text)) return { ok: false, message: `body: nested deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `body: not valid JSON (${(e as Error).message.slice(0, 200)})` };
  }
}

/**
 * parseJson, and then no string Postgres cannot store (NUL, a lone surrogate) anywhere in the value: for
 * bodies read by hand, which the input guard does not see. Walks every string, so it is meant for small
 * bodies (heartbeats check their text instead).
 */
export function parseStorableJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const found = findUnstorableText(parsed.value);
  return found ? { ok: false, message: `${found.field}: ${found.problem}` } : parsed;
}
