// Turning a path of a checked-out commit into one YAML stream of manifests.
//
// - A directory holding a kustomization (kustomization.yaml, kustomization.yml or Kustomization) is rendered by
//   `kubectl kustomize`, the very program a team runs on its laptop: the output is byte for byte what they see,
//   generators' hash suffixes, patches and transformers included. A TypeScript subset of Kustomize would drift
//   from it in exactly the cases people rely on, so the control plane needs kubectl (config `kubectlPath`); without
//   it, a kustomization is refused with a message saying so, and plain YAML still works.
// - Any other directory contributes its *.yaml, *.yml and *.json files, recursively, in path order (directories
//   whose name starts with a dot are skipped); a path naming one file contributes that file.
//
// Kustomize runs without network helpers: no `git` on its PATH (remote bases) and HTTP(S) proxied to a closed port
// (remote files), so a repository cannot make the control plane fetch from elsewhere. Symlinks are not followed out
// of the checkout (kustomize's own load restrictor; plain files: symlinks are refused).
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readBounded } from './git';

export type RenderLimits = {
  /** kubectl's path; null: kustomizations cannot be rendered on this server. */
  kubectlPath: string | null;
  timeoutMs: number;
  /** The largest rendered stream, in bytes. */
  maxBytes: number;
  /** The most files a plain-YAML directory may contribute. */
  maxFiles: number;
};

export const DEFAULT_RENDER_LIMITS: RenderLimits = { kubectlPath: 'kubectl', timeoutMs: 60_000, maxBytes: 4 * 1024 * 1024, maxFiles: 500 };

export type Rendered = { ok: true; manifests: string; via: 'kustomize' | 'files'; files: string[] } | { ok: false; message: string };

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The path as stored: no leading `./` or `/`, no trailing `/`; '' is the repository's root. Null when it escapes. */
export function normalizeRepoPath(path: string): string | null {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\\') || p.includes('\u0000'))) return null;
  return parts.join('/');
}

/** What is wrong with a repository path, or null. */
export function repoPathProblem(path: string): string | null {
  if (path.length > 512) return 'must be at most 512 characters';
  if (normalizeRepoPath(path) === null) return 'must stay inside the repository (no ".." parts)';
  return null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Renders `path` of the checkout in `root` (see the top of this file). */
export async function renderPath(root: string, path: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): Promise<Rendered> {
  const rel = normalizeRepoPath(path);
  if (rel === null) return { ok: false, message: `path "${path}" must stay inside the repository` };
  const shown = rel || '/';
  const realRoot = await realpath(root);
  const target = join(realRoot, rel);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    return { ok: false, message: `path "${shown}" does not exist at this commit` };
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { ok: false, message: `path "${shown}" leads outside the repository` };
  const info = await lstat(real);
  if (info.isDirectory()) {
    for (const name of KUSTOMIZATION_NAMES) if (await exists(join(real, name))) return kustomize(real, shown, limits);
    return readManifestFiles(realRoot, real, shown, limits);
  }
  if (!MANIFEST_FILE.test(real)) return { ok: false, message: `path "${shown}" is neither a directory nor a .yaml, .yml or .json file` };
  return readManifestFiles(realRoot, real, shown, limits);
}

async function kustomize(dir: string, shown: string, limits: RenderLimits): Promise<Rendered> {
  if (!limits.kubectlPath)
    return { ok: false, message: `path "${shown}" has a kustomization; rendering it needs kubectl on the control plane (set NIRO_KUBECTL to its path)` };
  // Looked up on the server's PATH here: kustomize itself runs with none.
  const kubectl = Bun.which(limits.kubectlPath);
  const missing: Rendered = {
    ok: false,
    message: `path "${shown}" has a kustomization, but kubectl was not found at "${limits.kubectlPath}" (set NIRO_KUBECTL)`,
  };
  if (!kubectl) return missing;
  let proc;
  try {
    proc = Bun.spawn([kubectl, 'kustomize', dir], {
      cwd: dir,
      // No git for remote bases, HTTP(S) to a closed port for remote files: only what the commit holds is read.
      env: { PATH: '/nonexistent', HOME: dir, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: limits.timeoutMs,
      killSignal: 'SIGKILL',
    });
  } catch {
    return missing;
  }
  const [out, err, code] = await Promise.all([readBounded(proc.stdout, limits.maxBytes + 1), readBounded(proc.stderr, 16 * 1024), proc.exited]);
  if (proc.signalCode === 'SIGKILL' && code !== 0) return { ok: false, message: `kustomize did not finish within ${Math.round(limits.timeoutMs / 1000)} s` };
  if (code !== 0) {
    // kustomize names files by absolute path: show them relative to the checkout.
    // kubectl logs it klog-style (`E1206 10:00:00.1 123 run.go:72] "command failed" err="…"`): keep the err.
    const reason = err
      .trim()
      .split(dir)
      .join(shown === '/' ? '.' : shown)
      .replace(/^E\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="(.*)"$/s, (_, e: string) => e.replaceAll('\\"', '"'))
      .replace(/^Error: /, '')
      .slice(0, 800);
    return { ok: false, message: `kustomize failed: ${reason || `exit code ${code}`}` };
  }
  if (Buffer.byteLength(out) > limits.maxBytes) return { ok: false, message: `the rendered manifests are larger than ${limits.maxBytes} bytes` };
  return { ok: true, manifests: out, via: 'kustomize', files: [] };
}

/** Manifest files under `start` (or `start` itself), sorted by path; symlinks refused. */
async function listFiles(start: string, limits: RenderLimits): Promise<{ ok: true; files: string[] } | { ok: false; message: string }> {
  const info = await lstat(start);
  if (!info.isDirectory()) return { ok: true, files: [start] };
  const files: string[] = [];
  const stack = [start];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) stack.push(p);
      } else if (MANIFEST_FILE.test(e.name)) {
        if (e.isSymbolicLink()) return { ok: false, message: `${e.name} is a symbolic link; only regular files are read` };
        files.push(p);
        if (files.length > limits.maxFiles) return { ok: false, message: `more than ${limits.maxFiles} manifest files under the path` };
      }
    }
  }
  files.sort();
  return { ok: true, files };
}

async function readManifestFiles(realRoot: string, start: string, shown: string, limits: RenderLimits): Promise<Rendered> {
  const listed = await listFiles(start, limits);
  if (!listed.ok) return listed;
  if (listed.files.length === 0) return { ok: false, message: `no .yaml, .yml or .json files under path "${shown}"` };
  const parts: string[] = [];
  const names: string[] = [];
  let size = 0;
  for (const file of listed.files) {
    const name = relative(realRoot, file);
    const text = await readFile(file, 'utf8');
    size += Buffer.byteLength(text);
    if (size > limits.maxBytes) return { ok: false, message: `the manifests under path "${shown}" are larger than ${limits.maxBytes} bytes` };
    const docs = parseAllDocuments(text);
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const error = doc.errors[0];
      if (error) return { ok: false, message: `${name}: not valid YAML (${error.message.split('\n')[0].slice(0, 200)})` };
      // Documents that hold nothing (a file of comments, a trailing ---) add nothing.
      if (doc.contents === null || doc.toJS() == null) continue;
      // The document's own text, as written (comments and layout kept), so a revision diff shows the author's lines.
      const [from, , to] = doc.contents.range;
      parts.push(`# Source: ${name}\n${text.slice(from, to).trimEnd()}\n`);
    }
    names.push(name);
  }
  if (parts.length === 0) return { ok: false, message: `the files under path "${shown}" hold no manifests` };
  return { ok: true, manifests: parts.join('---\n'), via: 'files', files: names };
}
