// Deployments from Git through the API: a source is set (secrets sealed, never returned), syncs make revisions that
// record the commit, push webhooks sync (bad signature → 401 and nothing changes; a replayed delivery → no second
// sync), auto-apply queues the apply, failures say why, pull requests get findings and one edited GitHub comment, and
// no secret reaches a response, a log line, a database row in clear or a process's command line.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { apiClient, makeOrg, makeUser, signIn, startTestApp, testConfig, type TestApp } from '../testing/app';
import { ALL_CAPABILITIES_OFF, createEnrolledCluster, makeHeartbeat, sendHeartbeat } from '../testing/heartbeats';
import { createTestRepo, startGitHttpServer, tempDir, type GitHttpServer, type TestRepo } from '../testing/git-server';
import { startFakeGithub, type FakeGithub } from '../testing/fake-github';
import { until } from '../testing/receivers';
import { queryRows } from '../db/client';
import { createDeployment } from '../deployments/service';
import { findSource } from './store';
import { startGitSyncJob, syncNow } from './sync';
import { gitopsDeps } from './api';
import { createLogger } from '../log';
import { setMembership } from '../orgs/store';

const WEBHOOK_SECRET = `whsec-${randomBytes(12).toString('hex')}`;
const GIT_TOKEN = `glpat-${randomBytes(16).toString('hex')}`;
const GITHUB_TOKEN = `github_pat_${randomBytes(20).toString('hex')}`;
const DEPLOY_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(200).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----`;
const SECRETS = { WEBHOOK_SECRET, GIT_TOKEN, GITHUB_TOKEN, DEPLOY_KEY_BODY: DEPLOY_KEY.split('\n')[1] };

const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\ndata:\n  value: "${value}"\n`;
const deploymentYaml = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
${extra}`;

let t: TestApp;
let root: { dir: string; remove: () => Promise<void> };
let repo: TestRepo;
let privateRepo: TestRepo;
let gitServer: GitHttpServer;
let github: FakeGithub;
type Client = Awaited<ReturnType<typeof apiClient>>;
let member: Client;
let admin: Client;
let outsider: Client;
let viewer: Client;
let orgId = '';
let clusterId = '';
let deploymentId = '';
let sourceId = '';
let userId = '';
/** Every response body this file saw, for the secrets scan. */
const seen: string[] = [];
/** Command lines seen while syncs ran, for the secrets scan. */
const commandLines = new Set<string>();
let watching = true;
let watcher: Promise<void>;

async function call(c: Client, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await c.call(method, path, body);
  const text = await res.text();
  seen.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function webhook(id: string, event: string, payload: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const body = JSON.stringify(payload);
  const res = await t.request(`/v1/integrations/git/webhook/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-hub-signature-256': sign(body), ...headers },
    body,
  });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function sourceRow() {
  return (await findSource(t.db, sourceId))!;
}

async function revisions(): Promise<{ number: number; git_commit: string | null; source: string }[]> {
  return queryRows(t.db, sql`select number, git_commit, source from deployment_revisions where deployment_id = ${deploymentId} order by number`);
}

beforeAll(async () => {
  t = await startTestApp({ gitops: { ...testConfig().gitops, allowFileUrls: true, timeoutSeconds: 30 } });
  root = await tempDir();
  repo = await createTestRepo(root.dir, 'shop');
  await repo.commit({ 'deploy/config.yaml': cm('settings', 'one'), 'README.md': 'shop\n' }, { message: 'first' });
  const privateRoot = join(root.dir, 'private');
  privateRepo = await createTestRepo(privateRoot, 'shop-private');
  await privateRepo.commit({ 'k8s/config.yaml': cm('private-settings', 'p1') });
  gitServer = startGitHttpServer(privateRoot, { username: 'oauth2', password: GIT_TOKEN });
  github = startFakeGithub(GITHUB_TOKEN);

  const [u1, u2, u3, u4] = [await makeUser(t.db), await makeUser(t.db), await makeUser(t.db), await makeUser(t.db)];
  userId = u1.id;
  const org = await makeOrg(t.db, 'Shop', null, { userId: u1.id, role: 'member' });
  orgId = org.id;
  await setMembership(t.db, org.id, u2.id, 'admin');
  await setMembership(t.db, org.id, u4.id, 'viewer');
  await makeOrg(t.db, 'Elsewhere', null, { userId: u3.id, role: 'owner' });
  member = await apiClient(t, await signIn(t, u1));
  admin = await apiClient(t, await signIn(t, u2));
  outsider = await apiClient(t, await signIn(t, u3));
  viewer = await apiClient(t, await signIn(t, u4));

  const cluster = await createEnrolledCluster(t, admin, { name: 'edge-1', orgId });
  clusterId = cluster.clusterId;
  const beat = await sendHeartbeat(
    t,
    cluster.agentKey,
    makeHeartbeat({ capabilities: { ...ALL_CAPABILITIES_OFF, apply: { enabled: true, detectedBy: 'SelfSubjectAccessReview patch deployments.apps' } } }),
  );
  expect(beat.status).toBe(200);
  const created = await createDeployment(
    t.db,
    { userId: u1.id, email: u1.email, ip: null },
    { orgId, name: 'shop', namespace: 'shop', manifests: cm('settings', 'imported'), source: 'import', targets: { clusterIds: [clusterId] } },
  );
  if (!created.ok) throw new Error(created.message);
  deploymentId = created.deployment.id;

  // Every command line on the machine, sampled while this file runs: none may ever hold a secret.
  watcher = (async () => {
    while (watching) {
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        try {
          const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
          if (line.includes('git') || line.includes('ssh') || line.includes('kubectl')) commandLines.add(line);
        } catch {}
      }
      await Bun.sleep(5);
    }
  })();
});

afterAll(async () => {
  watching = false;
  await watcher;
  await gitServer.stop();
  await github.stop();
  await root.remove();
  await t.close();
});

describe('a deployment’s Git source', () => {
  test('bad input names its field; a viewer cannot set it; another org sees 404', async () => {
    const path = `/v1/deployments/${deploymentId}/git`;
    let res = await call(member, 'PUT', path, { url: 'https://user:pw@example.com/a.git' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toStartWith('url: must not carry credentials');
    res = await call(member, 'PUT', path, { url: `file://${repo.bare}`, ref: '--upload-pack=x' });
    expect(res.json.error.message).toStartWith('ref: ');
    res = await call(member, 'PUT', path, { url: `file://${repo.bare}`, path: '../../etc' });
    expect(res.json.error.message).toStartWith('path: ');
    res = await call(member, 'PUT', path, { url: `file://${repo.bare}`, intervalSeconds: 5 });
    expect(res.json.error.message).toStartWith('intervalSeconds: ');
    res = await call(member, 'PUT', path, { url: `file://${repo.bare}`, webhookSecret: 'short' });
    expect(res.json.error.message).toStartWith('webhookSecret: ');
    res = await call(member, 'PUT', path, { url: `file://${repo.bare}`, auth: 'token' });
    expect(res.json.error.message).toBe('token: required with auth "token"');
    res = await call(member, 'PUT', path, { url: `file://${repo.bare}`, color: 'blue' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('color');
    expect((await call(viewer, 'PUT', path, { url: `file://${repo.bare}` })).status).toBe(403);
    expect((await call(outsider, 'PUT', path, { url: `file://${repo.bare}` })).status).toBe(404);
    expect((await call(outsider, 'GET', path)).status).toBe(404);
    expect((await call(member, 'GET', path)).status).toBe(404);
    expect(await queryRows(t.db, sql`select id from git_sources`)).toEqual([]);
  });

  test('set, then synced on demand: a revision records the commit, and without auto-apply the deployment is out of sync', async () => {
    const res = await call(member, 'PUT', `/v1/deployments/${deploymentId}/git`, {
      url: `file://${repo.bare}`,
      ref: 'main',
      path: 'deploy/',
      webhookSecret: WEBHOOK_SECRET,
      intervalSeconds: 180,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ path: 'deploy', auth: 'none', webhookSecretSet: true, credentialSet: false, status: 'pending', autoApply: false });
    sourceId = res.json.id;
    expect(res.json.webhookPath).toBe(`/v1/integrations/git/webhook/${sourceId}`);
    const synced = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(synced.status).toBe(200);
    const head = (await Bun.$`git --git-dir=${repo.bare} rev-parse main`.text()).trim();
    expect(synced.json).toMatchObject({ status: 'out_of_sync', lastRevision: 2, error: null, lastCommit: head });
    expect(await revisions()).toEqual([
      { number: 1, git_commit: null, source: 'import' },
      { number: 2, git_commit: head, source: 'git' },
    ]);
    // Nothing was applied: the deployment waits for a click.
    expect(await queryRows(t.db, sql`select id from commands where cluster_id = ${clusterId} and type = 'apply'`)).toEqual([]);
    // A second sync of the same commit makes no revision.
    const again = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(again.json.lastRevision).toBe(2);
    expect((await revisions()).length).toBe(2);
  });
});

describe('a deployment created from Git', () => {
  test('fetched and rendered before anything is stored: a bad source is refused by field, a good one makes revision 1 at its commit', async () => {
    const body = (git: Record<string, unknown>, name = 'from-git') => ({ orgId, name, namespace: 'shop', targets: { clusterIds: [clusterId] }, git });
    let res = await call(member, 'POST', '/v1/deployments/from-git', body({ url: 'ftp://example.com/x.git' }));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toStartWith('git.url: ');
    res = await call(member, 'POST', '/v1/deployments/from-git', body({ url: `file://${repo.bare}`, path: 'nowhere' }));
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^git: at [0-9a-f]{12}: path "nowhere" does not exist at this commit$/);
    expect((await call(outsider, 'POST', '/v1/deployments/from-git', body({ url: `file://${repo.bare}`, path: 'deploy' }))).status).toBe(404);
    expect((await call(viewer, 'POST', '/v1/deployments/from-git', body({ url: `file://${repo.bare}`, path: 'deploy' }))).status).toBe(403);
    expect(await queryRows(t.db, sql`select id from deployments where name = 'from-git'`)).toEqual([]);
    res = await call(member, 'POST', '/v1/deployments/from-git', body({ url: `file://${repo.bare}`, path: 'deploy', intervalSeconds: 600 }));
    expect(res.status).toBe(201);
    const head = (await Bun.$`git --git-dir=${repo.bare} rev-parse main`.text()).trim();
    expect(res.json.source).toMatchObject({ status: 'out_of_sync', lastCommit: head, lastRevision: 1, intervalSeconds: 600, error: null });
    const rows = await queryRows(t.db, sql`select number, git_commit, source from deployment_revisions where deployment_id = ${res.json.deployment.id}`);
    expect(rows).toEqual([{ number: 1, git_commit: head, source: 'git' }]);
    const taken = await call(member, 'POST', '/v1/deployments/from-git', body({ url: `file://${repo.bare}`, path: 'deploy' }));
    expect(taken.status).toBe(409);
  });
});

describe('push webhooks', () => {
  test('a bad or missing signature answers 401 and changes nothing', async () => {
    const before = await sourceRow();
    await repo.commit({ 'deploy/config.yaml': cm('settings', 'two') });
    const payload = { ref: 'refs/heads/main', after: 'f'.repeat(40) };
    const bad = await webhook(sourceId, 'push', payload, {
      'x-hub-signature-256': sign(JSON.stringify(payload), 'wrong-secret-0123456789'),
      'x-github-delivery': 'd-bad',
    });
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe('bad_signature');
    const missing = await t.request(`/v1/integrations/git/webhook/${sourceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: JSON.stringify(payload),
    });
    expect(missing.status).toBe(401);
    const unknown = await webhook(crypto.randomUUID(), 'push', payload);
    expect(unknown.status).toBe(404);
    expect(await queryRows(t.db, sql`select delivery_id from git_webhook_deliveries`)).toEqual([]);
    const after = await sourceRow();
    expect(after.lastAttemptAt).toEqual(before.lastAttemptAt);
    expect(after.nextSyncAt).toEqual(before.nextSyncAt);
    expect((await revisions()).length).toBe(2);
  });

  test('a signed push to the tracked branch syncs; a replayed delivery id does not sync again', async () => {
    const commit = (await Bun.$`git --git-dir=${repo.bare} rev-parse main`.text()).trim();
    const payload = { ref: 'refs/heads/main', before: '0'.repeat(40), after: commit, repository: { full_name: 'acme/shop' } };
    const res = await webhook(sourceId, 'push', payload, { 'x-github-delivery': 'delivery-1' });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: true, event: 'push', action: 'sync', duplicate: false, reason: null });
    await until(async () => (await sourceRow()).lastCommit === commit && (await sourceRow()).claimedUntil === null, 'the webhook sync');
    expect((await revisions()).at(-1)).toEqual({ number: 3, git_commit: commit, source: 'git' });

    // The same delivery again, with a newer commit waiting in Git: answered, and nothing synced.
    const newer = await repo.commit({ 'deploy/config.yaml': cm('settings', 'three') });
    const replay = await webhook(sourceId, 'push', payload, { 'x-github-delivery': 'delivery-1' });
    expect(replay.status).toBe(200);
    expect(replay.json.duplicate).toBe(true);
    // Had the replay started a sync, this one would be refused as running (409) or find Git already synced.
    const manual = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(manual.status).toBe(200);
    expect(manual.json.lastCommit).toBe(newer);
    const audits = await queryRows<{ details: { commit: string; trigger: string } }>(
      t.db,
      sql`select details from audit_events where action = 'deployment.git_synced' and target = ${deploymentId} order by id`,
    );
    expect(audits.map((a) => [a.details.commit, a.details.trigger])).toEqual<(string | null)[][]>([
      [(await revisions())[1].git_commit, 'manual'],
      [commit, 'webhook'],
      [newer, 'manual'],
    ]);
    expect(await queryRows(t.db, sql`select delivery_id from git_webhook_deliveries`)).toEqual([{ delivery_id: 'delivery-1' }]);
  });

  test('a push to another branch, a ping and other events do nothing', async () => {
    const other = await webhook(sourceId, 'push', { ref: 'refs/heads/feature', after: 'a'.repeat(40) }, { 'x-github-delivery': 'd-other' });
    expect(other.status).toBe(202);
    expect(other.json).toMatchObject({ accepted: false, action: 'none' });
    expect(other.json.reason).toContain('refs/heads/feature');
    const ping = await webhook(sourceId, 'ping', { zen: 'Design for failure.', hook_id: 1 }, { 'x-github-delivery': 'd-ping' });
    expect(ping.status).toBe(200);
    const issues = await webhook(sourceId, 'issues', { action: 'opened' }, { 'x-github-delivery': 'd-issue' });
    expect(issues.json.accepted).toBe(false);
  });

  test('with auto-apply, a push makes a revision and queues its apply on the deployment’s clusters: synced', async () => {
    const put = await call(member, 'PUT', `/v1/deployments/${deploymentId}/git`, { autoApply: true });
    expect(put.json.autoApply).toBe(true);
    expect(put.json.webhookSecretSet).toBe(true);
    const commit = await repo.commit({ 'deploy/config.yaml': cm('settings', 'four'), 'deploy/web.yaml': deploymentYaml('nginx:1.27') });
    // The generic shape (another Git server), signed the GitHub way.
    const res = await webhook(sourceId, '', { ref: 'refs/heads/main', after: commit }, { 'x-github-event': '', 'x-request-id': 'generic-1' });
    expect(res.status).toBe(202);
    await until(async () => (await sourceRow()).lastCommit === commit && (await sourceRow()).claimedUntil === null, 'the auto-applied sync');
    const row = await sourceRow();
    expect(row.status).toBe('synced');
    const commands = await queryRows<{ payload: { deployment: { id: string; revision: number } } }>(
      t.db,
      sql`select payload from commands where cluster_id = ${clusterId} and type = 'apply'`,
    );
    expect(commands.map((c) => c.payload.deployment)).toEqual([{ id: deploymentId, revision: row.lastRevision! }]);
  });

  test('a sync that cannot render says why, keeps the last good commit, and recovers', async () => {
    const good = (await sourceRow()).lastCommit;
    await repo.commit({ 'deploy/config.yaml': 'kind: ConfigMap\nmetadata: [broken\n' });
    const res = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(res.json.status).toBe('failed');
    expect(res.json.error).toMatch(/^at [0-9a-f]{12}: deploy\/config\.yaml: not valid YAML/);
    expect(res.json.lastCommit).toBe(good);
    const moved = await call(member, 'PUT', `/v1/deployments/${deploymentId}/git`, { path: 'nowhere' });
    expect(moved.json.status).toBe('pending');
    const missing = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(missing.json.error).toMatch(/: path "nowhere" does not exist at this commit$/);
    const gone = await call(member, 'PUT', `/v1/deployments/${deploymentId}/git`, { path: 'deploy', ref: 'no-such-branch' });
    expect(gone.status).toBe(200);
    const noBranch = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(noBranch.json.error).toBe('no branch or tag named "no-such-branch" in the repository');
    await repo.commit({ 'deploy/config.yaml': cm('settings', 'five') });
    await call(member, 'PUT', `/v1/deployments/${deploymentId}/git`, { ref: 'main' });
    const fixed = await call(member, 'POST', `/v1/deployments/${deploymentId}/git/sync`);
    expect(fixed.json).toMatchObject({ status: 'synced', error: null });
  });
});

describe('private repositories and pull requests', () => {
  let privateDeploymentId = '';
  test('an HTTPS token is used and never returned', async () => {
    const created = await createDeployment(
      t.db,
      { userId, email: 'x@example.com', ip: null },
      { orgId, name: 'private', namespace: 'shop', manifests: cm('p', 'imported'), source: 'import', targets: { clusterIds: [clusterId] } },
    );
    if (!created.ok) throw new Error(created.message);
    privateDeploymentId = created.deployment.id;
    const path = `/v1/deployments/${privateDeploymentId}/git`;
    const put = await call(member, 'PUT', path, {
      url: `${gitServer.url}/shop-private.git`,
      path: 'k8s',
      username: 'oauth2',
      token: GIT_TOKEN,
      webhookSecret: WEBHOOK_SECRET,
    });
    expect(put.json).toMatchObject({ auth: 'token', credentialSet: true, username: 'oauth2' });
    const synced = await call(member, 'POST', `${path}/sync`);
    expect(synced.json).toMatchObject({ status: 'out_of_sync', error: null, lastRevision: 2 });
    // Another deployment with an SSH deploy key: stored sealed, never returned.
    const ssh = await createDeployment(
      t.db,
      { userId, email: 'x@example.com', ip: null },
      { orgId, name: 'ssh', namespace: 'shop', manifests: cm('s', 'x'), source: 'import', targets: {} },
    );
    if (!ssh.ok) throw new Error(ssh.message);
    const withKey = await call(member, 'PUT', `/v1/deployments/${ssh.deployment.id}/git`, {
      url: 'git@github.com:acme/shop.git',
      sshKey: DEPLOY_KEY,
      intervalSeconds: 0,
    });
    expect(withKey.json).toMatchObject({ auth: 'ssh', credentialSet: true, nextSyncAt: null });
  });

  test('GitHub connected: a pull request touching the deployment gets findings, a status and ONE comment, edited on the next push', async () => {
    expect((await call(member, 'PUT', '/v1/integrations/github', { orgId, apiUrl: github.url, token: GITHUB_TOKEN })).status).toBe(403);
    const wrong = await call(admin, 'PUT', '/v1/integrations/github', { orgId, apiUrl: github.url, token: 'not-the-token' });
    expect(wrong.json.error.message).toStartWith('token: GitHub refused it');
    const connected = await call(admin, 'PUT', '/v1/integrations/github', { orgId, apiUrl: `${github.url}/`, token: GITHUB_TOKEN });
    expect(connected.json).toMatchObject({ orgId, apiUrl: github.url, account: 'niro-bot', tokenSet: true });
    expect((await call(outsider, 'GET', '/v1/integrations/github')).json.connections).toEqual([]);

    const base = (await Bun.$`git --git-dir=${repo.bare} rev-parse main`.text()).trim();
    const head1 = await repo.commit(
      { 'deploy/web.yaml': deploymentYaml('nginx:latest', '          securityContext:\n            privileged: true\n') },
      { branch: 'feature' },
    );
    const pr = (head: string, action: string) => ({
      action,
      number: 7,
      pull_request: {
        number: 7,
        state: 'open',
        title: 'Try latest nginx',
        html_url: 'https://github.com/acme/shop/pull/7',
        head: { ref: 'feature', sha: head },
        base: { ref: 'main', sha: base },
      },
      repository: { full_name: 'acme/shop' },
    });
    const opened = await webhook(sourceId, 'pull_request', pr(head1, 'opened'), { 'x-github-delivery': 'pr-1' });
    expect(opened.status).toBe(202);
    expect(opened.json.action).toBe('check_pull_request');
    await until(() => github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments')).length === 1, 'the first comment');
    const status1 = github.requests.find((r) => r.path === `/repos/acme/shop/statuses/${head1}`)!;
    expect(status1.json).toMatchObject({ state: 'failure', context: 'niro/shop', target_url: `${t.config.publicUrl}/deployments/${deploymentId}` });
    expect(String(status1.json.description)).toMatch(/^\d+ policy findings \(\d+ high\)$/);
    const [commentId, comment] = [...github.comments][0];
    expect(comment.issue).toBe(7);
    expect(comment.body).toContain(`<!-- niro:deployment:${deploymentId} -->`);
    expect(comment.body).toContain('privileged');
    expect(comment.body).toContain('```yaml');
    const prs = await call(viewer, 'GET', `/v1/deployments/${deploymentId}/git/pull-requests`);
    expect(prs.json.pullRequests).toHaveLength(1);
    expect(prs.json.pullRequests[0]).toMatchObject({ number: 7, headSha: head1, touches: true, reported: true, reportError: null });
    const rules1: string[] = prs.json.pullRequests[0].findings.map((f: { ruleId: string }) => f.ruleId);
    expect(rules1).toContain('privileged');

    // A second push that drops the privileged container: the same comment is edited, no second comment.
    await until(async () => (await queryRows(t.db, sql`select 1 from git_pull_requests where comment_id is not null`)).length === 1, 'the comment id stored');
    const head2 = await repo.commit({ 'deploy/web.yaml': deploymentYaml('nginx:1.27.3') }, { branch: 'feature' });
    const pushed = await webhook(sourceId, 'pull_request', pr(head2, 'synchronize'), { 'x-github-delivery': 'pr-2' });
    expect(pushed.status).toBe(202);
    await until(() => github.requests.some((r) => r.method === 'PATCH' && r.path === `/repos/acme/shop/issues/comments/${commentId}`), 'the comment edited');
    expect(github.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments')).length).toBe(1);
    expect(github.comments.size).toBe(1);
    expect(github.comments.get(commentId)!.body).not.toContain('privileged');
    expect(github.comments.get(commentId)!.body).toContain(head2.slice(0, 12));
    expect(github.requests.filter((r) => r.path.includes('/statuses/')).map((r) => r.path)).toEqual([
      `/repos/acme/shop/statuses/${head1}`,
      `/repos/acme/shop/statuses/${head2}`,
    ]);
    const after = await call(member, 'GET', `/v1/deployments/${deploymentId}/git/pull-requests`);
    const rules2: string[] = after.json.pullRequests[0].findings.map((f: { ruleId: string }) => f.ruleId);
    expect(rules2).not.toContain('privileged');
    // Every call carried the token in the Authorization header only.
    expect(github.requests.every((r) => r.authorization === `Bearer ${GITHUB_TOKEN}` || r.authorization === 'Bearer not-the-token')).toBe(true);
  });

  test('a pull request into another branch is not checked', async () => {
    const res = await webhook(
      sourceId,
      'pull_request',
      {
        action: 'opened',
        number: 8,
        pull_request: { number: 8, state: 'open', head: { ref: 'x', sha: 'c'.repeat(40) }, base: { ref: 'release', sha: 'd'.repeat(40) } },
        repository: { full_name: 'acme/shop' },
      },
      { 'x-github-delivery': 'pr-other' },
    );
    expect(res.json).toMatchObject({ accepted: false, action: 'none' });
  });
});

describe('bounds, forms and the schedule', () => {
  test('a body over the webhook bound is refused (413) before anything is recorded; GitHub’s form encoding is read', async () => {
    const big = JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(1024 * 1024) });
    const res = await t.request(`/v1/integrations/git/webhook/${sourceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sign(big), 'x-github-delivery': 'd-big' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await queryRows(t.db, sql`select 1 from git_webhook_deliveries where delivery_id = 'd-big'`)).toEqual([]);
    const webhookSyncs = () => t.logs.filter((l) => l.includes('"msg":"git sync"') && l.includes('"trigger":"webhook"')).length;
    const before = webhookSyncs();
    const form = `payload=${encodeURIComponent(JSON.stringify({ ref: 'refs/heads/main', after: (await sourceRow()).lastCommit }))}`;
    const formRes = await t.request(`/v1/integrations/git/webhook/${sourceId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'push',
        'x-hub-signature-256': sign(form),
        'x-github-delivery': 'd-form',
      },
      body: form,
    });
    expect(formRes.status).toBe(202);
    await until(() => webhookSyncs() === before + 1, 'the form webhook sync');
  });

  test('the scheduler syncs a source once it is due, and leaves it alone until the next interval', async () => {
    const commit = await repo.commit({ 'deploy/config.yaml': cm('settings', 'scheduled') });
    await t.db.execute(sql`update git_sources set next_sync_at = now() - interval '1 second' where id = ${sourceId}`);
    const job = startGitSyncJob({
      ...gitopsDeps({ ...t.replica, db: t.db, bus: t.bus, config: t.config, log: createLogger('debug', (l) => t.logs.push(l)) }),
      pollMs: 50,
      concurrency: 2,
    });
    try {
      await until(async () => (await sourceRow()).lastCommit === commit && (await sourceRow()).claimedUntil === null, 'the scheduled sync');
    } finally {
      await job.stop();
    }
    const row = await sourceRow();
    // Next due one interval (180 s) after the sync started.
    expect(row.nextSyncAt.getTime() - row.lastAttemptAt!.getTime()).toBe(180_000);
  });
});

describe('deleted deployments', () => {
  test('the source of a deleted deployment goes with it at its next sync; its page answers 404', async () => {
    const created = await createDeployment(
      t.db,
      { userId, email: 'x@example.com', ip: null },
      { orgId, name: 'short-lived', namespace: 'shop', manifests: cm('s', 'x'), source: 'import', targets: {} },
    );
    if (!created.ok) throw new Error(created.message);
    const put = await call(member, 'PUT', `/v1/deployments/${created.deployment.id}/git`, { url: `file://${repo.bare}`, path: 'deploy' });
    expect(put.status).toBe(201);
    // Where deploy-core's delete ends once every cluster answered.
    await t.db.execute(sql`update deployments set status = 'deleted', deleted_at = now() where id = ${created.deployment.id}`);
    expect((await call(member, 'GET', `/v1/deployments/${created.deployment.id}/git`)).status).toBe(404);
    const outcome = await syncNow(
      gitopsDeps({ ...t.replica, db: t.db, bus: t.bus, config: t.config, log: createLogger('debug', (l) => t.logs.push(l)) }),
      put.json.id,
      'schedule',
      null,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: 'the deployment is deleted' });
    expect(await findSource(t.db, put.json.id)).toBeNull();
  });
});

describe('pages', () => {
  test('the Git page shows the status and pull-request findings; the section fragment is the same; integrations list the connection', async () => {
    const page = await member.call('GET', `/deployments/${deploymentId}/git`);
    // Pages take a session; bearer tokens reach them too.
    const html = await page.text();
    seen.push(html);
    expect(page.status).toBe(200);
    expect(html).toContain('data-sync-status="synced"');
    expect(html).toContain('id="git-pull-requests"');
    expect(html).toContain('data-pr="7"');
    expect(html).toContain(`/v1/integrations/git/webhook/${sourceId}`);
    const section = await (await member.call('GET', `/deployments/${deploymentId}/git/section`)).text();
    seen.push(section);
    expect(section).toStartWith('<section id="git-source"');
    expect((await outsider.call('GET', `/deployments/${deploymentId}/git`)).status).toBe(404);
    // The deployment's own page carries the same section.
    const detail = await (await member.call('GET', `/deployments/${deploymentId}`)).text();
    seen.push(detail);
    expect(detail).toContain('<section id="git-source"');
    expect(detail).toContain('data-sync-status="synced"');
    const integrations = await (await admin.call('GET', '/settings/integrations')).text();
    seen.push(integrations);
    expect(integrations).toContain(github.url);
    expect(integrations).toContain('niro-bot');
  });
});

describe('secrets', () => {
  test('the Git token, the deploy key, the webhook secret and the GitHub token appear in no response, log line, database row or command line', async () => {
    const rows = await queryRows<{ row: string }>(
      t.db,
      sql`select row_to_json(x)::text as row from (
            select * from git_sources) x
          union all select row_to_json(y)::text from (select * from github_connections) y
          union all select row_to_json(z)::text from (select * from audit_events) z
          union all select row_to_json(w)::text from (select * from git_pull_requests) w
          union all select row_to_json(v)::text from (select id, payload, result from commands) v
          union all select row_to_json(u)::text from (select content, message from deployment_revisions) u`,
    );
    expect(rows.length).toBeGreaterThan(5);
    // The sealed values are there (so the scan looks at the right rows), and open to nothing in clear.
    expect(rows.some((r) => r.row.includes('niro:v1:'))).toBe(true);
    const haystacks = {
      responses: seen.join('\n'),
      logs: t.logs.join('\n'),
      database: rows.map((r) => r.row).join('\n'),
      commandLines: [...commandLines].join('\n'),
    };
    expect([...commandLines].some((l) => l.includes('ls-remote'))).toBe(true);
    for (const [where, text] of Object.entries(haystacks))
      for (const [name, secret] of Object.entries(SECRETS)) expect({ where, name, found: text.includes(secret) }).toEqual({ where, name, found: false });
  });
});
