// Fetching one commit of a Git repository with the `git` command line, so any Git server works (GitHub, GitLab,
// Gitea, a bare repository over SSH). Resolve the ref with `git ls-remote`, then fetch exactly that commit at depth 1
// into a fresh private directory and check it out.
//
// Credentials never reach a command line (which every local user can read in the process list):
// - an HTTPS token is answered by a GIT_ASKPASS helper script that prints it from the helper's environment
//   (the environment of a process is readable only by its own user and root);
// - an SSH deploy key is written, mode 0600, into a private (0700) temporary directory that is removed afterwards,
//   and named in GIT_SSH_COMMAND.
// Neither the user's nor the system's Git configuration is read (no stored credential helper answers for us), no
// prompt is ever shown, and every run is bounded in time (the whole process group is killed) and in bytes.
import { chmod, lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How Niro proves itself to the Git server. */
export type GitCredentials =
  | { kind: 'none' }
  /** HTTPS basic auth: `username` (GitHub takes anything, e.g. `x-access-token`) and a token as the password. */
  | { kind: 'token'; username: string; token: string }
  /** An SSH private key (OpenSSH format); `knownHosts` pins the server's key (null: the first key seen is accepted). */
  | { kind: 'ssh'; privateKey: string; knownHosts: string | null };

export type GitLimits = {
  /** The longest one `git` command may run, in milliseconds. */
  timeoutMs: number;
  /** The most bytes the fetched objects plus the checked-out files may take on disk. */
  maxBytes: number;
  /** Whether file:// URLs (repositories on the control plane's own disk) are allowed. */
  allowFileUrls: boolean;
};

export const DEFAULT_GIT_LIMITS: GitLimits = { timeoutMs: 60_000, maxBytes: 50 * 1024 * 1024, allowFileUrls: false };

export type GitFailure = { ok: false; message: string };

/** A commit checked out on disk; `cleanup` removes it (always call it). */
export type Checkout = { ok: true; commit: string; dir: string; cleanup: () => Promise<void> };

const SHA = /^[0-9a-f]{40}$/;
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;

/** What is wrong with a repository URL as a deployment's source, or null when it is usable. */
export function gitUrlProblem(url: string, allowFileUrls: boolean): string | null {
  if (url.length > 2048) return 'must be at most 2048 characters';
  if (/[\s\u0000-\u001f]/.test(url)) return 'must not contain spaces or control characters';
  if (url.startsWith('-')) return 'must not start with "-"';
  if (SCP_LIKE.test(url) && !url.includes('://')) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an https://, http://, ssh:// or user@host:path Git URL';
  }
  if (parsed.protocol === 'file:') return allowFileUrls ? null : 'file:// URLs are not allowed on this server';
  if (!['https:', 'http:', 'ssh:'].includes(parsed.protocol)) return 'must be an https://, http://, ssh:// or user@host:path Git URL';
  if (parsed.password || (parsed.username && parsed.protocol !== 'ssh:'))
    return 'must not carry credentials; give the token in the token field (it is stored encrypted)';
  if (!parsed.hostname) return 'must name a host';
  return null;
}

/** What is wrong with a branch, tag or commit name, or null. */
export function gitRefProblem(ref: string): string | null {
  if (ref.length === 0 || ref.length > 255) return 'must be 1 to 255 characters';
  if (ref.startsWith('-') || ref.includes('..') || /[\s~^:?*[\\\u0000-\u001f]/.test(ref) || ref.endsWith('/') || ref.endsWith('.lock'))
    return 'is not a valid branch, tag or commit name';
  return null;
}

type Run = { code: number; stdout: string; stderr: string; timedOut: boolean; oversize: boolean };

/** The environment every `git` run gets: nothing from the user's or the system's configuration, no prompts. */
function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PROTOCOL_FROM_USER: '0',
    LANG: 'C',
    LC_ALL: 'C',
  };
}

/** Bytes under `dir` (files as stored, symlinks as links), stopping once past `limit`. */
export async function diskBytes(dir: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= limit) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else {
        try {
          total += (await lstat(p)).size;
        } catch {}
      }
    }
  }
  return total;
}

/**
 * Runs git with `args` in `cwd`. The child leads its own process group so a timeout kills git and every helper it
 * started (git-remote-https, ssh). When `watchDir` is given, its size is checked while git runs and git is killed
 * once it passes `maxBytes`.
 */
async function runGit(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; watchDir?: string; maxBytes?: number },
): Promise<Run> {
  const proc = Bun.spawn(['git', ...args], { cwd: opts.cwd, env: opts.env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', detached: true });
  let timedOut = false;
  let oversize = false;
  const killGroup = () => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {}
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs);
  let watching = true;
  const watch = (async () => {
    if (!opts.watchDir || !opts.maxBytes) return;
    while (watching) {
      await Bun.sleep(100);
      if (watching && (await diskBytes(opts.watchDir, opts.maxBytes)) > opts.maxBytes) {
        oversize = true;
        killGroup();
        return;
      }
    }
  })();
  // Output is kept bounded: git's own messages are short; anything longer is cut.
  const [stdout, stderr] = await Promise.all([readBounded(proc.stdout, 4 * 1024 * 1024), readBounded(proc.stderr, 64 * 1024)]);
  const code = await proc.exited;
  clearTimeout(timer);
  watching = false;
  await watch;
  // Helpers git started may outlive it after a kill; the group goes with it.
  if (timedOut || oversize) killGroup();
  return { code, stdout, stderr, timedOut, oversize };
}

/** A child's output as text, keeping at most `max` bytes (the rest is read and dropped, so the child never blocks). */
export async function readBounded(stream: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size < max) chunks.push(value.subarray(0, max - size));
    size += value.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Git's own words for a failure, trimmed, with every secret we hold replaced (a server might echo one). */
function gitError(what: string, run: Run, secrets: string[], limits: GitLimits): string {
  if (run.timedOut) return `${what}: git did not finish within ${Math.round(limits.timeoutMs / 1000)} s`;
  if (run.oversize) return `${what}: the repository is larger than the ${Math.round(limits.maxBytes / 1024 / 1024)} MiB allowed`;
  if (run.stderr.includes('could not read Username') || run.stderr.includes('could not read Password'))
    return `${what}: the server asks for credentials; give a token (HTTPS) or a deploy key (SSH)`;
  const lines = run.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  let text = lines.slice(-4).join('; ') || `git exited with code ${run.code}`;
  for (const s of secrets) if (s) text = text.split(s).join('***');
  return `${what}: ${text.slice(0, 500)}`;
}

/** A private directory (0700) holding what one Git operation needs: credentials helper files and HOME. */
type Session = { dir: string; env: Record<string, string>; secrets: string[]; close: () => Promise<void> };

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$NIRO_GIT_USERNAME" ;;
  *) printf '%s\\n' "$NIRO_GIT_PASSWORD" ;;
esac
`;

async function openSession(credentials: GitCredentials): Promise<Session> {
  const dir = await mkdtemp(join(tmpdir(), 'niro-git-'));
  await chmod(dir, 0o700);
  const env = baseEnv(dir);
  const secrets: string[] = [];
  // Never an SSH agent or the server's own keys: only the deploy key given here.
  env.GIT_SSH_COMMAND = 'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none';
  if (credentials.kind === 'token') {
    const askpass = join(dir, 'askpass');
    await writeFile(askpass, ASKPASS, { mode: 0o700 });
    env.GIT_ASKPASS = askpass;
    env.NIRO_GIT_USERNAME = credentials.username;
    env.NIRO_GIT_PASSWORD = credentials.token;
    secrets.push(credentials.token);
  } else if (credentials.kind === 'ssh') {
    const key = join(dir, 'id');
    // A key file must end with a newline or ssh refuses it.
    await writeFile(key, credentials.privateKey.endsWith('\n') ? credentials.privateKey : `${credentials.privateKey}\n`, { mode: 0o600 });
    const known = join(dir, 'known_hosts');
    await writeFile(known, credentials.knownHosts ?? '', { mode: 0o600 });
    const strict = credentials.knownHosts ? 'yes' : 'accept-new';
    env.GIT_SSH_COMMAND += ` -i ${key} -o UserKnownHostsFile=${known} -o StrictHostKeyChecking=${strict}`;
    secrets.push(credentials.privateKey);
  }
  return { dir, env, secrets, close: () => rm(dir, { recursive: true, force: true }) };
}

/** Flags every git run takes: no protocol that runs arbitrary commands (ext::), no hooks, no stored helpers. */
function safeConfig(limits: GitLimits): string[] {
  return [
    ...['-c', 'protocol.ext.allow=never', '-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null'],
    ...['-c', `protocol.file.allow=${limits.allowFileUrls ? 'always' : 'never'}`],
  ];
}

export type ResolvedRef = { ok: true; commit: string } | GitFailure;

/** Picks `ref`'s commit out of `git ls-remote` output: a branch, else a tag (peeled), else a full commit id. */
export function pickRef(lsRemote: string, ref: string): string | null {
  const refs = new Map<string, string>();
  for (const line of lsRemote.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha && name) refs.set(name.trim(), sha.trim());
  }
  const names = ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of names) {
    const peeled = refs.get(`${name}^{}`);
    if (peeled) return peeled;
    const sha = refs.get(name);
    if (sha) return sha;
  }
  return null;
}

async function resolveIn(session: Session, url: string, ref: string, limits: GitLimits): Promise<ResolvedRef> {
  const run = await runGit([...safeConfig(limits), 'ls-remote', '--', url], {
    cwd: session.dir,
    env: session.env,
    timeoutMs: limits.timeoutMs,
  });
  if (run.code !== 0 || run.timedOut) return { ok: false, message: gitError('listing the repository’s refs failed', run, session.secrets, limits) };
  const commit = pickRef(run.stdout, ref);
  if (commit) return { ok: true, commit };
  // A commit id need not be advertised by any ref; it is fetched as such.
  if (SHA.test(ref)) return { ok: true, commit: ref };
  return { ok: false, message: `no branch or tag named "${ref}" in the repository` };
}

/** The commit `ref` (branch, tag or full commit id) points to on the server now. */
export async function resolveRef(url: string, ref: string, credentials: GitCredentials, limits: GitLimits = DEFAULT_GIT_LIMITS): Promise<ResolvedRef> {
  const problem = gitUrlProblem(url, limits.allowFileUrls);
  if (problem) return { ok: false, message: `url ${problem}` };
  const session = await openSession(credentials);
  try {
    return await resolveIn(session, url, ref, limits);
  } finally {
    await session.close();
  }
}

/**
 * Resolves `ref` and checks out that one commit (depth 1, no history) in a new private directory. `commit`, when
 * given, is fetched instead of resolving `ref` (a pull request's head). The caller must `cleanup()` the checkout.
 */
export async function fetchCommit(
  input: { url: string; ref: string; commit?: string; credentials: GitCredentials },
  limits: GitLimits = DEFAULT_GIT_LIMITS,
): Promise<Checkout | GitFailure> {
  const problem = gitUrlProblem(input.url, limits.allowFileUrls);
  if (problem) return { ok: false, message: `url ${problem}` };
  if (input.commit !== undefined && !SHA.test(input.commit)) return { ok: false, message: 'commit must be a full 40-character commit id' };
  const session = await openSession(input.credentials);
  const config = safeConfig(limits);
  const repo = join(session.dir, 'repo');
  const fail = async (message: string): Promise<GitFailure> => {
    await session.close();
    return { ok: false, message };
  };
  try {
    let commit = input.commit;
    if (!commit) {
      const resolved = await resolveIn(session, input.url, input.ref, limits);
      if (!resolved.ok) return fail(resolved.message);
      commit = resolved.commit;
    }
    const opts = { cwd: session.dir, env: session.env, timeoutMs: limits.timeoutMs };
    let run = await runGit(['init', '--quiet', '--', repo], opts);
    if (run.code !== 0) return fail(gitError('preparing the checkout failed', run, session.secrets, limits));
    const inRepo = { ...opts, cwd: repo, watchDir: repo, maxBytes: limits.maxBytes };
    run = await runGit([...config, 'fetch', '--quiet', '--no-tags', '--depth', '1', '--', input.url, commit], inRepo);
    if (run.code !== 0 || run.timedOut || run.oversize) return fail(gitError(`fetching commit ${commit.slice(0, 12)} failed`, run, session.secrets, limits));
    run = await runGit([...config, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], inRepo);
    if (run.code !== 0 || run.timedOut || run.oversize) return fail(gitError('checking out the commit failed', run, session.secrets, limits));
    if ((await diskBytes(repo, limits.maxBytes)) > limits.maxBytes)
      return fail(`the repository is larger than the ${Math.round(limits.maxBytes / 1024 / 1024)} MiB allowed`);
    run = await runGit(['rev-parse', 'HEAD'], { ...opts, cwd: repo });
    const head = run.stdout.trim();
    if (!SHA.test(head)) return fail('checking out the commit failed: no HEAD');
    // Credentials are done with: remove them now rather than when the checkout is.
    await rm(join(session.dir, 'id'), { force: true });
    await rm(join(session.dir, 'askpass'), { force: true });
    return { ok: true, commit: head, dir: repo, cleanup: session.close };
  } catch (e) {
    await session.close();
    throw e;
  }
}
