// Request bodies read by hand: Bun and Elysia do not decompress them, and the limit that matters
// is on the decompressed size (a 1 MB gzip of zeros inflates to 1 GB).

export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; status: 400 | 413 | 415; code: 'unsupported_encoding' | 'payload_too_large' | 'malformed_body'; message: string };

/**
 * The body as text, gunzipped when `Content-Encoding: gzip`. Reading stops as soon as more than
 * `maxBytes` have come out of the decompressor, so memory stays bounded by the limit plus one chunk
 * (the decompressor yields 64 KiB at a time) however the body was built.
 */
export async function readBody(request: Request, maxBytes: number): Promise<BodyResult> {
  const encoding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    return { ok: false, status: 415, code: 'unsupported_encoding', message: `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send gzip or nothing` };
  }
  if (!request.body) return { ok: true, text: '' };
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  const stream = gzip ? request.body.pipeThrough(new DecompressionStream('gzip')) : request.body;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, status: 413, code: 'payload_too_large', message: `request body exceeds ${maxBytes} bytes${gzip ? ' once decompressed' : ''}` };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, status: 400, code: 'malformed_body', message: gzip ? 'request body is not valid gzip' : 'request body could not be read' };
  }
  return { ok: true, text: new TextDecoder().decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)) };
}

/** JSON.parse as a value: a syntax error is an expected outcome here, not a bug. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `body is not valid JSON: ${(e as Error).message}`.slice(0, 300) };
  }
}
