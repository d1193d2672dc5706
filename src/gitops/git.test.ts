// Fetching one commit with the git command line: branches, tags and commit ids over file:// and smart HTTP, tokens and
// deploy keys kept out of every process's command line and out of errors, and runs bounded in time and size.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createTestRepo, startGitHttpServer, tempDir, type GitHttpServer, type TestRepo } from '../testing/git-server';
import { fetchCommit, gitRefProblem, gitUrlProblem, pickRef, resolveRef, type GitLimits } from './git';

const LIMITS: GitLimits = { timeoutMs: 30_000, maxBytes: 10 * 1024 * 1024, allowFileUrls: true };
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;

let root: { dir: string; remove: () => Promise<void> };
let repo: TestRepo;
let privateRepo: TestRepo;
let first: string;
let second: string;
let tagged: string;
let open: GitHttpServer;
let locked: GitHttpServer;

/** The command lines of every process on the machine now (what `ps` shows any user). */
function allCommandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {}
  }
  return out;
}

beforeAll(async () => {
  root = await tempDir();
  repo = await createTestRepo(root.dir, 'app');
  first = await repo.commit({ 'deploy/app.yaml': 'kind: ConfigMap\nmetadata:\n  name: one\n' }, { message: 'one' });
  tagged = await repo.tag('v1.0.0');
  second = await repo.commit({ 'deploy/app.yaml': 'kind: ConfigMap\nmetadata:\n  name: two\n' }, { message: 'two' });
  await repo.commit({ 'deploy/app.yaml': 'kind: ConfigMap\nmetadata:\n  name: three\n' }, { branch: 'staging' });
  const privateRoot = join(root.dir, 'private');
  privateRepo = await createTestRepo(privateRoot, 'secret-app');
  await privateRepo.commit({ 'k8s/cm.yaml': 'kind: ConfigMap\n' });
  open = startGitHttpServer(root.dir);
  locked = startGitHttpServer(privateRoot, { username: 'x-access-token', password: TOKEN }, { delayMs: 150 });
});

afterAll(async () => {
  await open.stop();
  await locked.stop();
  await root.remove();
});

describe('refs and URLs', () => {
  test('a branch wins over a tag of the same name; an annotated tag resolves to its commit', () => {
    const ls = [
      'a'.repeat(40) + '\trefs/heads/x',
      'b'.repeat(40) + '\trefs/tags/x',
      'c'.repeat(40) + '\trefs/tags/v1',
      'd'.repeat(40) + '\trefs/tags/v1^{}',
    ].join('\n');
    expect(pickRef(ls, 'x')).toBe('a'.repeat(40));
    expect(pickRef(ls, 'v1')).toBe('d'.repeat(40));
    expect(pickRef(ls, 'refs/tags/x')).toBe('b'.repeat(40));
    expect(pickRef(ls, 'nope')).toBeNull();
  });

  test('URLs with credentials, odd schemes or option-like names are refused; file:// only when allowed', () => {
    expect(gitUrlProblem('https://github.com/acme/app.git', false)).toBeNull();
    expect(gitUrlProblem('git@github.com:acme/app.git', false)).toBeNull();
    expect(gitUrlProblem('ssh://git@example.com:2222/acme/app.git', false)).toBeNull();
    expect(gitUrlProblem('https://user:tok@github.com/acme/app.git', false)).toContain('credentials');
    expect(gitUrlProblem('https://tok@github.com/acme/app.git', false)).toContain('credentials');
    expect(gitUrlProblem('ext::sh -c touch% /tmp/pwned', false)).not.toBeNull();
    expect(gitUrlProblem('--upload-pack=touch /tmp/x', false)).not.toBeNull();
    expect(gitUrlProblem('file:///srv/repo.git', false)).toContain('not allowed');
    expect(gitUrlProblem('file:///srv/repo.git', true)).toBeNull();
    expect(gitRefProblem('main')).toBeNull();
    expect(gitRefProblem('--output=/tmp/x')).not.toBeNull();
    expect(gitRefProblem('a..b')).not.toBeNull();
  });
});

describe('fetch over file://', () => {
  test('a branch checks out its tip; another branch, a tag and an older commit id check out theirs', async () => {
    const url = `file://${repo.bare}`;
    const main = await fetchCommit({ url, ref: 'main', credentials: { kind: 'none' } }, LIMITS);
    if (!main.ok) throw new Error(main.message);
    expect(main.commit).toBe(second);
    expect(await readFile(join(main.dir, 'deploy/app.yaml'), 'utf8')).toContain('name: two');
    // Shallow: one commit, no history.
    expect(readFileSync(join(main.dir, '.git/shallow'), 'utf8').trim()).toBe(second);
    await main.cleanup();
    expect(existsSync(main.dir)).toBe(false);

    const staging = await fetchCommit({ url, ref: 'staging', credentials: { kind: 'none' } }, LIMITS);
    if (!staging.ok) throw new Error(staging.message);
    expect(await readFile(join(staging.dir, 'deploy/app.yaml'), 'utf8')).toContain('name: three');
    await staging.cleanup();

    const tag = await fetchCommit({ url, ref: 'v1.0.0', credentials: { kind: 'none' } }, LIMITS);
    if (!tag.ok) throw new Error(tag.message);
    expect(tag.commit).toBe(tagged);
    expect(tag.commit).toBe(first);
    await tag.cleanup();

    const old = await fetchCommit({ url, ref: first, credentials: { kind: 'none' } }, LIMITS);
    if (!old.ok) throw new Error(old.message);
    expect(old.commit).toBe(first);
    expect(await readFile(join(old.dir, 'deploy/app.yaml'), 'utf8')).toContain('name: one');
    await old.cleanup();

    const pinned = await fetchCommit({ url, ref: 'main', commit: first, credentials: { kind: 'none' } }, LIMITS);
    if (!pinned.ok) throw new Error(pinned.message);
    expect(pinned.commit).toBe(first);
    await pinned.cleanup();
  });

  test('a missing branch and a missing repository fail with git’s reason', async () => {
    const missing = await fetchCommit({ url: `file://${repo.bare}`, ref: 'nope', credentials: { kind: 'none' } }, LIMITS);
    expect(missing).toEqual({ ok: false, message: 'no branch or tag named "nope" in the repository' });
    const gone = await resolveRef(`file://${root.dir}/absent.git`, 'main', { kind: 'none' }, LIMITS);
    expect(gone.ok).toBe(false);
    if (!gone.ok) expect(gone.message).toContain('listing the repository’s refs failed');
  });

  test('file:// is refused unless the server allows it', async () => {
    const res = await fetchCommit({ url: `file://${repo.bare}`, ref: 'main', credentials: { kind: 'none' } }, { ...LIMITS, allowFileUrls: false });
    expect(res).toEqual({ ok: false, message: 'url file:// URLs are not allowed on this server' });
  });

  test('a repository larger than the limit is refused and nothing is left on disk', async () => {
    const big = await createTestRepo(root.dir, 'big');
    await big.commit({ 'blob.bin': randomBytes(3 * 1024 * 1024).toString('base64') });
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('niro-git-')).length;
    const res = await fetchCommit({ url: `file://${big.bare}`, ref: 'main', credentials: { kind: 'none' } }, { ...LIMITS, maxBytes: 1024 * 1024 });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.message).toContain('larger than the 1 MiB allowed');
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('niro-git-')).length).toBe(before);
  });
});

describe('fetch over HTTP', () => {
  test('a public repository fetches by commit through git http-backend', async () => {
    const res = await fetchCommit({ url: `${open.url}/app.git`, ref: 'main', credentials: { kind: 'none' } }, LIMITS);
    if (!res.ok) throw new Error(res.message);
    expect(res.commit).toBe(second);
    await res.cleanup();
    expect(open.requests.some((r) => r.path.endsWith('/git-upload-pack'))).toBe(true);
  });

  test('a token-protected repository: the token is sent as basic auth, never on a command line or in an error', async () => {
    const url = `${locked.url}/secret-app.git`;
    const seen: string[] = [];
    let running = true;
    const watcher = (async () => {
      while (running) {
        for (const line of allCommandLines()) if (line.includes('secret-app.git')) seen.push(line);
        await Bun.sleep(5);
      }
    })();
    const res = await fetchCommit({ url, ref: 'main', credentials: { kind: 'token', username: 'x-access-token', token: TOKEN } }, LIMITS);
    running = false;
    await watcher;
    if (!res.ok) throw new Error(res.message);
    await res.cleanup();
    // The watcher did see git at work (ls-remote, fetch), and none of what it saw holds the token.
    expect(seen.some((l) => l.includes('ls-remote'))).toBe(true);
    expect(seen.some((l) => l.includes('fetch'))).toBe(true);
    expect(seen.filter((l) => l.includes(TOKEN))).toEqual([]);
    expect(locked.requests.some((r) => r.user === 'x-access-token')).toBe(true);

    const wrong = await fetchCommit({ url, ref: 'main', credentials: { kind: 'token', username: 'x-access-token', token: `${TOKEN}x` } }, LIMITS);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.message).toContain('Authentication failed');
      expect(wrong.message).not.toContain(TOKEN);
    }
    const none = await fetchCommit({ url, ref: 'main', credentials: { kind: 'none' } }, LIMITS);
    expect(none.ok).toBe(false);
    expect(none).toEqual({
      ok: false,
      message: 'listing the repository’s refs failed: the server asks for credentials; give a token (HTTPS) or a deploy key (SSH)',
    });
  });
});

describe('ssh deploy keys and time bounds', () => {
  let silent: Server;
  let port = 0;
  beforeAll(async () => {
    // Accepts connections and never answers: ssh waits for a banner until the time bound kills it.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => void silent.close());

  test('the key sits in a 0600 file in a private directory while ssh runs, is not on a command line, and is gone afterwards', async () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(300).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const fetching = fetchCommit(
      { url: `ssh://git@127.0.0.1:${port}/acme/app.git`, ref: 'main', credentials: { kind: 'ssh', privateKey: key, knownHosts: null } },
      { ...LIMITS, timeoutMs: 3000 },
    );
    let sshLine = '';
    const end = Date.now() + 10_000;
    while (!sshLine && Date.now() < end) {
      sshLine = allCommandLines().find((l) => l.startsWith('ssh ') && l.includes(`-p ${port}`)) ?? '';
      if (!sshLine) await Bun.sleep(10);
    }
    expect(sshLine).not.toBe('');
    expect(sshLine).not.toContain(key.split('\n')[1]);
    const keyFile = / -i (\S+)/.exec(sshLine)![1];
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(keyFile, '..')).mode & 0o777).toBe(0o700);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    const res = await fetching;
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.message).toBe('listing the repository’s refs failed: git did not finish within 3 s');
      expect(res.message).not.toContain('PRIVATE KEY');
    }
    expect(existsSync(keyFile)).toBe(false);
    // The time bound killed ssh too, not only git.
    expect(allCommandLines().filter((l) => l.includes(keyFile))).toEqual([]);
  });
});
