import { Elysia } from 'elysia';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');

/** Every file the browser may load, by public name. Vendor files come from node_modules: no CDN. */
const FILES: Record<string, string> = {
  'htmx.js': 'node_modules/htmx.org/dist/htmx.min.js',
  'hx-sse.js': 'node_modules/htmx.org/dist/ext/hx-sse.min.js',
  'alpine.js': 'node_modules/@alpinejs/csp/dist/cdn.min.js',
  'uplot.js': 'node_modules/uplot/dist/uPlot.iife.min.js',
  'uplot.css': 'node_modules/uplot/dist/uPlot.min.css',
  'app.css': 'static/app.css',
  'app.js': 'static/app.js',
  'logs.js': 'static/logs.js',
  'logs.css': 'static/logs.css',
  'charts.js': 'static/charts.js',
  'favicon.svg': 'static/favicon.svg',
};

type Asset = { body: Buffer; hash: string; type: string };

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };

function loadAssets(): Map<string, Asset> {
  const map = new Map<string, Asset>();
  for (const [name, rel] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(join(ROOT, rel));
    } catch {
      continue; // optional files (added by later features) may not exist yet
    }
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    map.set(name, { body, hash, type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream' });
  }
  return map;
}

const assets = loadAssets();

/** The fingerprinted URL of a static file; changes whenever the file's bytes do. */
export function assetUrl(name: string): string {
  const a = assets.get(name);
  return a ? `/assets/${a.hash}/${name}` : `/assets/missing/${name}`;
}

/** Serves fingerprinted files with a year-long immutable cache; an old fingerprint gets the current bytes uncached. */
export function assetRoutes(): Elysia {
  return new Elysia({ name: 'assets' }).get('/assets/:hash/:name', ({ params }) => {
    const a = assets.get(params.name);
    if (!a) return new Response('not found', { status: 404 });
    const cache = a.hash === params.hash ? 'public, max-age=31536000, immutable' : 'no-cache';
    return new Response(new Uint8Array(a.body), { headers: { 'content-type': a.type, 'cache-control': cache } });
  }) as unknown as Elysia;
}
