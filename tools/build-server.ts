// npm run build:server [-- --outfile PATH]: the control plane as one executable (default dist/niro), like the agent's.
//
// `bun build --compile` bundles the code; the files the server reads at run time (src/files.ts lists them) are
// embedded beside it under their repository paths, and the browser scripts are bundled here, once, because the
// bundler cannot read a binary's embedded files when the server starts.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BROWSER_SCRIPTS, BUNDLED_SCRIPTS_DIR, EMBEDDED_PATHS, bundleBrowserScript, serverFile } from '../src/files';

const ROOT = join(import.meta.dir, '..');

function outfileFrom(argv: string[]): string {
  const i = argv.indexOf('--outfile');
  return resolve(ROOT, i >= 0 && argv[i + 1] ? argv[i + 1] : 'dist/niro');
}

async function build(outfile: string): Promise<void> {
  // A private staging tree (two builds at once do not share one): each embedded path at its repository path.
  const stage = mkdtempSync(join(tmpdir(), 'niro-server-build-'));
  try {
    for (const path of EMBEDDED_PATHS) {
      mkdirSync(dirname(join(stage, path)), { recursive: true });
      cpSync(serverFile(path), join(stage, path), { recursive: true, dereference: true });
    }
    mkdirSync(join(stage, BUNDLED_SCRIPTS_DIR));
    for (const [name, entry] of Object.entries(BROWSER_SCRIPTS)) writeFileSync(join(stage, BUNDLED_SCRIPTS_DIR, name), await bundleBrowserScript(entry));
    mkdirSync(dirname(outfile), { recursive: true });
    const built = await Bun.build({
      entrypoints: [join(ROOT, 'src/main.ts')],
      format: 'esm',
      bytecode: true,
      compile: {
        outfile,
        // Each top-level entry is embedded under its name, so `drizzle/…`, `node_modules/…` keep their paths.
        assets: readdirSync(stage).map((entry) => join(stage, entry)),
        // The binary's configuration is its environment only: no .env or bunfig.toml from the working directory.
        autoloadDotenv: false,
        autoloadBunfig: false,
      },
    });
    if (!built.success) throw new AggregateError(built.logs, 'build failed');
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const outfile = outfileFrom(process.argv.slice(2));
await build(outfile);
console.log(`built ${outfile}`);
