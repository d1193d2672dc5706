import { Elysia } from 'elysia';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BROWSER_SCRIPTS, BUNDLED_SCRIPTS_DIR, STATIC_FILES, bundleBrowserScript, serverFile } from '../files';
import { MIN_COMPRESS_BYTES, compressBody, negotiateCoding } from './encoding';

/** A file as served: its bytes, and the same bytes br- and gzip-compressed once (null when not worth it). */
type Asset = { body: Uint8Array<ArrayBuffer>; br: Uint8Array<ArrayBuffer> | null; gzip: Uint8Array<ArrayBuffer> | null; hash: string; type: string };

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };

function toAsset(name: string, bytes: Uint8Array): Asset {
  const body = new Uint8Array(bytes);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  // Every type we serve is text; compressed at the highest settings, since it is done once per process.
  const compress = body.length >= MIN_COMPRESS_BYTES;
  return {
    body,
    br: compress ? compressBody(body, 'br', 'static') : null,
    gzip: compress ? compressBody(body, 'gzip', 'static') : null,
    hash,
    type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream',
  };
}

/** A browser script's bundle: built now from source, or (in the compiled binary) the one built with the binary. */
async function scriptBody(name: string, entry: string): Promise<Uint8Array> {
  if (Bun.isStandaloneExecutable) return readFileSync(serverFile(`${BUNDLED_SCRIPTS_DIR}/${name}`));
  return bundleBrowserScript(entry);
}

/** Every file is required: one that is missing stops the server from starting, rather than a page without its script. */
async function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  const map = new Map<string, Asset>();
  for (const [name, path] of Object.entries(STATIC_FILES)) map.set(name, toAsset(name, readFileSync(serverFile(path))));
  const bundles = await Promise.all(Object.entries(BROWSER_SCRIPTS).map(async ([name, entry]) => [name, await scriptBody(name, entry)] as const));
  for (const [name, body] of bundles) map.set(name, toAsset(name, body));
  return map;
}

// Built once per process, before anything can render a page: every URL assetUrl() hands out is servable.
const assets = await loadAssets();

/** The fingerprinted URL of a static file; changes whenever the file's bytes do. */
export function assetUrl(name: string): string {
  const a = assets.get(name);
  return a ? `/assets/${a.hash}/${name}` : `/assets/missing/${name}`;
}

/**
 * Serves fingerprinted files with a year-long immutable cache; an old fingerprint gets the current bytes uncached.
 * The body goes in the coding the client accepts (negotiated as for rendered answers, see encoding.ts).
 */
export function assetRoutes(): Elysia {
  return new Elysia({ name: 'assets' }).get('/assets/:hash/:name', ({ params, request }) => {
    const a = assets.get(params.name);
    if (!a) return new Response('not found', { status: 404 });
    const headers: Record<string, string> = {
      'content-type': a.type,
      'cache-control': a.hash === params.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'Accept-Encoding',
    };
    const coding = negotiateCoding(request.headers.get('accept-encoding'));
    const encoded = coding === 'br' ? a.br : coding === 'gzip' ? a.gzip : null;
    if (encoded) headers['content-encoding'] = coding;
    return new Response(encoded ?? a.body, { headers });
  }) as unknown as Elysia;
}
