// Request bodies read by hand: Bun and Elysia do not decompress them, and the limit that matters
// is on the decompressed size (a 1 MB gzip of zeros inflates to 1 GB).
import type { InflateBudget } from '../deps';

export type BodyFailure = { ok: false; status: 400 | 413 | 415 | 503; code: string; message: string; headers?: Record<string, string> };
export type BodyResult = { ok: true; text: string } | BodyFailure;

/**
 * How long a client refused for want of inflate budget should wait. Inflating up to the body limit
 * takes milliseconds, so the budget is free again long before this; agents add their own jitter on top.
 */
export const INFLATE_RETRY_AFTER_SECONDS = 2;

/**
 * The replica's inflate budget: at most `maxBytes` of decompressed output held at once by all the
 * requests it is inflating. Without it, 40 bombs at once each inflate to the body limit and the
 * process holds 40 × 16 MiB; with it, the replica holds at most the budget, and whoever would pass it
 * is answered 503 at once (bombs fail fast, agents retry after Retry-After).
 */
export function createInflateBudget(maxBytes: number): InflateBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > maxBytes) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    inUse: () => used,
  };
}

/**
 * The body as text, gunzipped when `Content-Encoding: gzip`. Reading stops as soon as more than
 * `maxBytes` have come out of the decompressor (413), or when this body's output would pass what is
 * left of the replica's `inflating` budget (503 with Retry-After), so memory stays bounded by the
 * budget plus one chunk per request (the decompressor yields 64 KiB, or as much as one compressed chunk
 * that arrived) however the body was
 * built. Plain bodies are not charged: each byte of them crossed the network, and the declared length
 * was checked before anything read them.
 */
export async function readBody(request: Request, maxBytes: number, inflating: InflateBudget): Promise<BodyResult> {
  const encoding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    return { ok: false, status: 415, code: 'unsupported_encoding', message: `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send gzip or nothing` };
  }
  if (!request.body) return { ok: true, text: '' };
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  // The decompressor is pulled one chunk at a time: it inflates only what is read, never ahead.
  const stream = gzip ? request.body.pipeThrough(new DecompressionStream('gzip')) : request.body;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  /** Budget this request holds; given back however reading ends. */
  let held = 0;
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
        return await stop({ ok: false, status: 413, code: 'payload_too_large', message: `request body exceeds ${maxBytes} bytes${gzip ? ' once decompressed' : ''}` });
      }
      if (gzip) {
        if (!inflating.take(value.byteLength)) {
          return await stop({
            ok: false,
            status: 503,
            code: 'busy_decompressing',
            message: `the server is decompressing as much as it allows at once; retry in ${INFLATE_RETRY_AFTER_SECONDS} s`,
            headers: { 'retry-after': String(INFLATE_RETRY_AFTER_SECONDS) },
          });
        }
        held += value.byteLength;
      }
      chunks.push(value);
    }
    // Decoded while the budget is still held: the chunks and their concatenation exist at once here.
    return { ok: true, text: new TextDecoder().decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)) };
  } catch {
    return { ok: false, status: 400, code: 'malformed_body', message: gzip ? 'request body is not valid gzip' : 'request body could not be read' };
  } finally {
    inflating.give(held);
  }
}

/** JSON.parse as a value: a syntax error is an expected outcome here, not a bug. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `body is not valid JSON: ${(e as Error).message}`.slice(0, 300) };
  }
}
