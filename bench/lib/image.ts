// The size of the agent's container image without a container daemon or a registry: the binary's layer
// plus the base image's layers, rebuilt from what the base is made of. `deploy/agent/Dockerfile` runs the
// binary on gcr.io/distroless/cc-debian12, which distroless assembles from Debian bookworm packages (each
// package's data archive is one layer) plus a CA bundle and a few small configuration files (passwd,
// group, nsswitch.conf, os-release: under 10 kB, not counted). The packages come through apt, the
// ordinary client of Debian's archive; when apt cannot fetch one, the same package installed on this
// machine stands in (its files as dpkg lists them). Sizes are of the layers as tar archives
// (uncompressed, what the image occupies once pulled) and gzipped (what a registry stores and a node
// downloads). MB = 10^6 bytes.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The Debian packages of each base image the Dockerfile may name (distroless: static + base + cc). */
const BASE_PACKAGES: Record<string, string[]> = {
  'gcr.io/distroless/cc-debian12': ['base-files', 'netbase', 'tzdata', 'media-types', 'libc6', 'libssl3', 'libgomp1', 'libstdc++6', 'libgcc-s1', 'gcc-12-base'],
};

export type Layer = { name: string; tarBytes: number; gzBytes: number; source: 'apt' | 'installed' | 'built' };
export type BaseImage = { image: string; layers: Layer[]; missing: string[] };

/** The image the final stage of the Dockerfile starts FROM, without its tag. */
export function baseImageOf(dockerfile: string): string {
  const froms = [...readFileSync(dockerfile, 'utf8').matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1]!);
  const last = froms.at(-1);
  if (!last) throw new Error(`${dockerfile}: no FROM`);
  return last.replace(/:[^/]*$/, '');
}

function run(cmd: string[], cwd?: string): { ok: boolean; out: Uint8Array; err: string } {
  const p = Bun.spawnSync(cmd, { cwd, stdout: 'pipe', stderr: 'pipe' });
  return { ok: p.exitCode === 0, out: p.stdout, err: p.stderr.toString() };
}

function gzipSize(bytes: Uint8Array): number {
  return gzipSync(bytes, { level: 6 }).length;
}

/** A package's data archive: from a .deb apt fetched (cached under the OS temp dir), else from the installed files. */
function packageTar(pkg: string, cache: string): { tar: Uint8Array; source: 'apt' | 'installed' } | null {
  const find = () => readdirSync(cache).find((f) => f.startsWith(`${pkg.replace(/\+/g, '%2b')}_`) || f.startsWith(`${pkg}_`));
  let deb = find();
  if (!deb) {
    run(['apt-get', 'download', '-q', pkg], cache);
    deb = find();
  }
  if (deb) {
    const tar = run(['dpkg-deb', '--fsys-tarfile', join(cache, deb)]);
    if (tar.ok) return { tar: tar.out, source: 'apt' };
  }
  const listed = run(['dpkg-query', '-L', pkg]);
  if (!listed.ok) return null;
  const files = listed.out
    .toString()
    .split('\n')
    .filter((f) => f && existsSync(f));
  const tar = Bun.spawnSync(['tar', '-cf', '-', '--no-recursion', '-T', '-'], {
    stdin: new TextEncoder().encode(files.join('\n')),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return tar.exitCode === 0 ? { tar: tar.stdout, source: 'installed' } : null;
}

/** The CA bundle distroless builds from the ca-certificates package (every certificate concatenated). */
function caBundle(cache: string): Layer | null {
  const dir = join(cache, 'ca-certificates');
  if (!existsSync(join(dir, 'usr'))) {
    const found = packageTar('ca-certificates', cache);
    if (!found) return null;
    mkdirSync(dir, { recursive: true });
    const x = Bun.spawnSync(['tar', '-xf', '-', '-C', dir], { stdin: found.tar, stdout: 'pipe', stderr: 'pipe' });
    if (x.exitCode !== 0) return null;
  }
  const certs: Uint8Array[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.crt')) certs.push(readFileSync(p));
    }
  };
  const root = join(dir, 'usr', 'share', 'ca-certificates');
  if (!existsSync(root)) return null;
  walk(root);
  const bundle = Buffer.concat(certs);
  // One file in a tar: a 512-byte header, the content padded to 512 bytes, two end blocks.
  return { name: 'ca-certificates.crt', tarBytes: 512 + Math.ceil(bundle.length / 512) * 512 + 1024, gzBytes: gzipSize(bundle), source: 'built' };
}

/** The base image's layers as far as they can be had here; `missing` names packages neither apt nor dpkg had. */
export function measureBaseImage(image: string): BaseImage {
  const packages = BASE_PACKAGES[image];
  if (!packages) throw new Error(`no package list for base image ${image}: add it to BASE_PACKAGES in bench/lib/image.ts`);
  const cache = join(tmpdir(), 'niro-bench-debs');
  mkdirSync(cache, { recursive: true });
  const layers: Layer[] = [];
  const missing: string[] = [];
  for (const pkg of packages) {
    const found = packageTar(pkg, cache);
    if (!found) {
      missing.push(pkg);
      continue;
    }
    layers.push({ name: pkg, tarBytes: found.tar.length, gzBytes: gzipSize(found.tar), source: found.source });
  }
  const ca = caBundle(cache);
  if (ca) layers.push(ca);
  else missing.push('ca-certificates');
  return { image, layers, missing };
}

/** The layer `COPY`ing one file makes: the file in a tar, and that gzipped. */
export function fileLayer(path: string): Layer {
  const bytes = readFileSync(path);
  return { name: path.split('/').at(-1)!, tarBytes: 512 + Math.ceil(bytes.length / 512) * 512 + 1024, gzBytes: gzipSize(bytes), source: 'built' };
}
