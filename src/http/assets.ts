import { Elysia } from 'elysia';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');

/** Files served as they are, by public name. Vendor files come from node_modules: no CDN. */
const FILES: Record<string, string> = {
  'htmx.js': 'node_modules/htmx.org/dist/htmx.min.js',
  'hx-sse.js': 'node_modules/htmx.org/dist/ext/hx-sse.min.js',
  'alpine.js': 'node_modules/@alpinejs/csp/dist/cdn.min.js',
  'uplot.js': 'node_modules/uplot/dist/uPlot.iife.min.js',
  'uplot.css': 'node_modules/uplot/dist/uPlot.min.css',
  'app.css': 'static/app.css',
  'logs.css': 'static/logs.css',
  'favicon.svg': 'static/favicon.svg',
};

/**
 * Our browser scripts, by public name: TypeScript entry points that Bun bundles (with what they import)
 * into one classic script each when the server starts. They are type-checked with the rest of the repo.
 */
const SCRIPTS: Record<string, string> = {
  'app.js': 'static/app.ts',
  'charts.js': 'static/charts.ts',
  'logs.js': 'static/logs.ts',
};

type Asset = { body: Buffer; hash: string; type: string };

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };

function toAsset(name: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { body, hash, type: TYPES[name.split('.').pop()!] ?? 'application/octet-stream' };
}

/** Bundles one script; a script that does not build stops the server from starting (Bun.build throws). */
async function bundleScript(entry: string): Promise<Buffer> {
  const built = await Bun.build({ entrypoints: [join(ROOT, entry)], target: 'browser', format: 'iife' });
  return Buffer.from(await built.outputs[0].arrayBuffer());
}

async function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  const map = new Map<string, Asset>();
  for (const [name, rel] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(join(ROOT, rel));
    } catch {
      continue; // optional files (added by later features) may not exist yet
    }
    map.set(name, toAsset(name, body));
  }
  const bundles = await Promise.all(Object.entries(SCRIPTS).map(async ([name, entry]) => [name, await bundleScript(entry)] as const));
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

/** Serves fingerprinted files with a year-long immutable cache; an old fingerprint gets the current bytes uncached. */
export function assetRoutes(): Elysia {
  return new Elysia({ name: 'assets' }).get('/assets/:hash/:name', ({ params }) => {
    const a = assets.get(params.name);
    if (!a) return new Response('not found', { status: 404 });
    const cache = a.hash === params.hash ? 'public, max-age=31536000, immutable' : 'no-cache';
    return new Response(new Uint8Array(a.body), { headers: { 'content-type': a.type, 'cache-control': cache } });
  }) as unknown as Elysia;
}
