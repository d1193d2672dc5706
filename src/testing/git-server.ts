// Real Git servers for tests: bare repositories on disk, served over HTTP on loopback by `git http-backend` (the CGI
// program Git ships for smart HTTP), optionally behind HTTP basic auth. Commits are made with the `git` command line.
import type { Server } from 'bun';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.test',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.test',
};

async function git(args: string[], cwd: string): Promise<string> {
  const proc = Bun.spawn(['git', ...args], { cwd, env: { ...GIT_ENV, HOME: cwd }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`git ${args.join(' ')} failed: ${err}`);
  return out.trim();
}

export type TestRepo = {
  /** The bare repository's directory (file:// URL: `file://${bare}`). */
  bare: string;
  /** Writes `files` (path → content; null deletes) on `branch` and pushes; returns the new commit id. */
  commit(files: Record<string, string | null>, opts?: { branch?: string; message?: string }): Promise<string>;
  /** Creates an annotated tag at the tip of `branch`; returns the commit it points to. */
  tag(name: string, branch?: string): Promise<string>;
};

/** A bare repository `name` under `root`, with a working clone beside it that test commits are made in. */
export async function createTestRepo(root: string, name: string): Promise<TestRepo> {
  const bare = join(root, `${name}.git`);
  const work = join(root, `${name}-work`);
  await mkdir(bare, { recursive: true });
  await git(['init', '--quiet', '--bare', '-b', 'main'], bare);
  await git(['init', '--quiet', '-b', 'main', work], root);
  await git(['remote', 'add', 'origin', bare], work);
  let first = true;
  return {
    bare,
    async commit(files, opts = {}) {
      const branch = opts.branch ?? 'main';
      if (!first) {
        const exists = await git(['branch', '--list', branch], work);
        await git(exists ? ['checkout', '--quiet', branch] : ['checkout', '--quiet', '-b', branch], work);
      }
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) await rm(full, { force: true });
        else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      await git(['add', '--all'], work);
      await git(['commit', '--quiet', '--allow-empty', '-m', opts.message ?? 'change'], work);
      first = false;
      await git(['push', '--quiet', 'origin', branch], work);
      return git(['rev-parse', 'HEAD'], work);
    },
    async tag(name, branch = 'main') {
      await git(['tag', '-a', name, '-m', name, branch], work);
      await git(['push', '--quiet', 'origin', name], work);
      return git(['rev-parse', `${branch}^{commit}`], work);
    },
  };
}

export type GitHttpServer = {
  /** Base URL; a repository `x` under the root is `${url}/x.git`. */
  url: string;
  /** Requests seen: method, path, and the Authorization header's user (or null). */
  requests: { method: string; path: string; user: string | null }[];
  stop(): Promise<void>;
};

/**
 * Serves the bare repositories under `root` over smart HTTP via `git http-backend`. With `auth`, every request must
 * carry basic auth with exactly that username and password (401 with a challenge otherwise, as real servers do).
 * `delayMs` holds every answer back that long.
 */
export function startGitHttpServer(root: string, auth?: { username: string; password: string }, opts: { delayMs?: number } = {}): GitHttpServer {
  const requests: GitHttpServer['requests'] = [];
  const server: Server<undefined> = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const header = req.headers.get('authorization');
      let user: string | null = null;
      let password: string | null = null;
      if (header?.startsWith('Basic ')) {
        const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        user = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
      requests.push({ method: req.method, path: url.pathname, user });
      // A slow server keeps the client's processes alive long enough for a test to look at them.
      if (opts.delayMs) await Bun.sleep(opts.delayMs);
      if (auth && (user !== auth.username || password !== auth.password))
        return new Response('authentication required', { status: 401, headers: { 'www-authenticate': 'Basic realm="git"' } });
      const body = req.method === 'POST' ? new Uint8Array(await req.arrayBuffer()) : new Uint8Array();
      const env: Record<string, string> = {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        REQUEST_METHOD: req.method,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers.get('content-type') ?? '',
        CONTENT_LENGTH: String(body.length),
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_USER: user ?? '',
      };
      const protocol = req.headers.get('git-protocol');
      if (protocol) env.GIT_PROTOCOL = protocol;
      const encoding = req.headers.get('content-encoding');
      if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
      const proc = Bun.spawn(['git', 'http-backend'], { env, stdin: body, stdout: 'pipe', stderr: 'ignore' });
      const out = Buffer.from(await new Response(proc.stdout).arrayBuffer());
      await proc.exited;
      const end = out.indexOf('\r\n\r\n');
      const headerText = out.subarray(0, end).toString('utf8');
      const headers = new Headers();
      let status = 200;
      for (const line of headerText.split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else if (name) headers.append(name, value);
      }
      return new Response(out.subarray(end + 4), { status, headers });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop: async () => {
      await server.stop(true);
    },
  };
}

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(prefix = 'niro-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
