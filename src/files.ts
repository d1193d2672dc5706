// Every file the server reads at run time, by its path in the repository, in one list: the compiled binary
// (npm run build:server → tools/build-server.ts) embeds exactly these, so a file read here and forgotten there
// cannot happen.
//
// Run from source, a path is the repository's own file. In the binary every bundled module sees the root of the
// embedded file system as import.meta.dir, and the build puts each file under that root at the same relative path.
import { join } from 'node:path';

const ROOT = Bun.isStandaloneExecutable ? import.meta.dir : join(import.meta.dir, '..');

/** The absolute path of a repository file (from source) or of its embedded copy (in the binary). */
export function serverFile(path: string): string {
  return join(ROOT, path);
}

/** Static files served by public name (src/http/assets.ts). Vendor files come from node_modules: no CDN. */
export const STATIC_FILES: Readonly<Record<string, string>> = {
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
 * Our browser scripts by public name: TypeScript entry points that Bun bundles (with what they import) into one
 * classic script each. Run from source, the server bundles them when it starts; the bundler cannot read the
 * binary's embedded files, so the build bundles them once and embeds the results under BUNDLED_SCRIPTS_DIR.
 */
export const BROWSER_SCRIPTS: Readonly<Record<string, string>> = {
  'app.js': 'static/app.ts',
  'charts.js': 'static/charts.ts',
  'logs.js': 'static/logs.ts',
};
export const BUNDLED_SCRIPTS_DIR = 'browser';

/** drizzle-kit's output: the SQL files and meta/_journal.json the migrator reads. */
export const MIGRATIONS_DIR = 'drizzle';

/** The agent installer served at /install.sh. */
export const INSTALL_SCRIPT = 'deploy/install.sh';

/** The embedded database (PGlite): its engine, initdb, base file system, and the one extension we load. */
export const PGLITE_FILES = {
  engine: 'node_modules/@electric-sql/pglite/dist/pglite.wasm',
  initdb: 'node_modules/@electric-sql/pglite/dist/initdb.wasm',
  fsBundle: 'node_modules/@electric-sql/pglite/dist/pglite.data',
  pgTrgm: 'node_modules/@electric-sql/pglite/dist/pg_trgm.tar.gz',
} as const;

/** What the binary embeds (files and directories), besides the browser scripts it bundles. */
export const EMBEDDED_PATHS: readonly string[] = [MIGRATIONS_DIR, INSTALL_SCRIPT, ...Object.values(STATIC_FILES), ...Object.values(PGLITE_FILES)];

/** Bundles one browser script; throws when it does not build (the server then does not start). */
export async function bundleBrowserScript(entry: string): Promise<Uint8Array> {
  const built = await Bun.build({ entrypoints: [serverFile(entry)], target: 'browser', format: 'iife' });
  return new Uint8Array(await built.outputs[0].arrayBuffer());
}
