// How rendered answers go on the wire, in one place: every page, fragment and JSON body a handler returns gets a
// strong ETag (GET, 200) and is answered 304 when the client already holds it, and bodies worth it are compressed
// (br, else gzip, as the client accepts). Responses a handler builds itself — log streams (SSE and text), files,
// redirects, the installer — are left as they are: streams must not be buffered, and static assets are compressed
// once at start by their own route (assets.ts) with the same negotiation.
import { Elysia, type AnyElysia } from 'elysia';
import { isHtml, isTagHtml } from '@elysiajs/html';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants } from 'node:zlib';

/** Below this many bytes a body goes as it is: compressing saves less than it costs (headers, CPU). */
export const MIN_COMPRESS_BYTES = 1024;

export type Coding = 'br' | 'gzip' | 'identity';

/** Content codings we send, most preferred first (br is ~15–20 % smaller than gzip on our pages). */
const OFFERED: readonly Coding[] = ['br', 'gzip'];

/**
 * The coding to answer an `Accept-Encoding` header with: the offered one the client weighs highest (q > 0; br wins
 * a tie), `*` standing for any coding not named; identity when the client names none we offer or sent no header.
 */
export function negotiateCoding(acceptEncoding: string | null): Coding {
  if (!acceptEncoding) return 'identity';
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    weights.set(name.trim(), Number.isFinite(weight) ? weight : 0);
  }
  let best: Coding = 'identity';
  let bestWeight = 0;
  for (const coding of OFFERED) {
    const weight = weights.get(coding) ?? weights.get('*') ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * Compresses a body for the wire. `level` 'dynamic' is for what is rendered per request (fast settings that still
 * beat gzip), 'static' for what is compressed once and served many times (the smallest output).
 */
export function compressBody(body: Uint8Array<ArrayBuffer>, coding: Exclude<Coding, 'identity'>, level: 'dynamic' | 'static'): Uint8Array<ArrayBuffer> {
  if (coding === 'gzip') return Bun.gzipSync(body, { level: level === 'static' ? 9 : 6 });
  const out = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: level === 'static' ? constants.BROTLI_MAX_QUALITY : 5,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  return new Uint8Array(out); // a copy into a plain ArrayBuffer, as Response and Bun.gzipSync's result have
}

/** The strong validator of a body: its SHA-256, 128 bits of it in base64url (the coding is appended per variant). */
function etagOf(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 22);
}

/** The ETag header of one variant: a compressed body is another representation, so another strong tag. */
function variantTag(tag: string, coding: Coding): string {
  return coding === 'identity' ? `"${tag}"` : `"${tag}-${coding}"`;
}

/** True when `If-None-Match` names the body `tag` in any coding (weak comparison, as RFC 9110 has it for GET). */
export function matchesIfNoneMatch(ifNoneMatch: string | null, tag: string): boolean {
  if (!ifNoneMatch) return false;
  for (const raw of ifNoneMatch.split(',')) {
    const v = raw.trim();
    if (v === '*') return true;
    const opaque = /^(?:W\/)?"([^"]*)"$/.exec(v)?.[1];
    if (opaque !== undefined && opaque.replace(/-(?:br|gzip)$/, '') === tag) return true;
  }
  return false;
}

const HTML_TYPE = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json';
const encoder = new TextEncoder();

/** Elysia's `set.headers`: what hooks and handlers set, merged into the response (its own headers win). */
type SetHeaders = Record<string, string | number>;

function headerOf(headers: SetHeaders, name: string): string | undefined {
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : String(headers[found]);
}

/** What a handler's value is on the wire, for the two shapes handlers return: JSX (an HTML string) and JSON. */
function renderValue(value: unknown, setType: string | undefined): { body: string; type: string; html: boolean } | null {
  if (typeof value === 'string') {
    if (!isHtml(value)) return null;
    // As @elysiajs/html answers: a whole document gets its doctype.
    return { body: isTagHtml(value) ? `<!doctype html>${value}` : value, type: setType ?? HTML_TYPE, html: true };
  }
  if (value !== null && typeof value === 'object' && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) {
    return { body: JSON.stringify(value), type: setType ?? JSON_TYPE, html: false };
  }
  return null;
}

/**
 * The answer for a rendered body: 304 when a GET's `If-None-Match` names it, else the body in the coding the client
 * accepts. `set.status` is updated so the access log records what was sent.
 */
function encodeRendered(
  request: Request,
  body: Uint8Array<ArrayBuffer>,
  type: string,
  set: { status?: number | string; headers: SetHeaders },
  opts: { html: boolean },
): Response {
  const status = set.status ?? 200;
  const coding = body.length >= MIN_COMPRESS_BYTES ? negotiateCoding(request.headers.get('accept-encoding')) : 'identity';
  // HX-Request: a page and its htmx fragment may share a URL; a browser cache must not hand one out for the other.
  const vary = [headerOf(set.headers, 'vary'), 'Accept-Encoding', opts.html ? 'HX-Request' : ''].filter(Boolean).join(', ');
  const headers: Record<string, string> = { vary };
  if ((request.method === 'GET' || request.method === 'HEAD') && status === 200) {
    const tag = etagOf(body);
    headers.etag = variantTag(tag, coding);
    // Kept by the browser, but asked about every time: an htmx poll then goes out with If-None-Match by itself and
    // an unchanged one costs a 304 (the browser hands htmx the body it kept, and the morph finds nothing to change).
    if (headerOf(set.headers, 'cache-control') === undefined) headers['cache-control'] = 'private, no-cache';
    if (matchesIfNoneMatch(request.headers.get('if-none-match'), tag)) {
      set.status = 304;
      return new Response(null, { status: 304, headers });
    }
  }
  headers['content-type'] = type;
  if (coding === 'identity') return new Response(body, { headers });
  headers['content-encoding'] = coding;
  return new Response(compressBody(body, coding, 'dynamic'), { headers });
}

/**
 * The plugin. It must be used before `@elysiajs/html`: the first mapResponse hook that answers wins, and this one
 * turns JSX into HTML itself (the way that plugin would) so it can tag and compress the bytes.
 */
export function responseEncoding(): AnyElysia {
  return new Elysia({ name: 'response-encoding' }).mapResponse({ as: 'global' }, ({ request, responseValue, set }) => {
    const rendered = renderValue(responseValue, headerOf(set.headers as SetHeaders, 'content-type'));
    if (!rendered) return;
    return encodeRendered(request, encoder.encode(rendered.body), rendered.type, set as { status?: number | string; headers: SetHeaders }, {
      html: rendered.html,
    });
  });
}
