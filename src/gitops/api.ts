// JSON API of deployments from Git: a deployment's Git source (settings, sync status, sync now), its pull requests,
// and the webhook Git servers deliver to. Secrets go in and never come back out.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { isUuid } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { HttpError, badRequest, notFound } from '../http/errors';
import { readBody } from '../http/body';
import { Ok } from '../http/responses';
import { requireOrg } from '../orgs/access';
import { requireDeployment } from '../deployments/access';
import type { Deployment } from '../deployments/schema';
import { createSecretBox } from '../security/encryption';
import { GIT_AUTHS } from './vocabulary';
import { GitDeploymentJson, GitSourceJson, PullRequestList, WebhookResultJson } from './responses';
import { removeSource, saveSource, sourceJson } from './sources';
import { findSource, findSourceOfDeployment, listPullRequests } from './store';
import { syncNow, type SyncDeps } from './sync';
import { receiveWebhook } from './receive';
import { MAX_WEBHOOK_BYTES } from './webhook';
import { checkPullRequest, pullRequestJson, type GithubDeps } from './pull-requests';
import { OneOf } from '../http/responses';
import { Selector } from '../deployments/api';
import { invalidError } from '../deployments/json';
import { createGitDeployment } from './create';
import { checkSelector } from '../deployments/service';
import { defaultOrg } from '../orgs/access';
import { connectGithub, connectionJson, disconnectGithub } from './github';
import { listGithubConnections } from './store';
import { GithubConnectionJson, GithubConnectionList } from './responses';

/** What syncs and pull-request checks need, from the app's dependencies. */
export function gitopsDeps(deps: AppDeps): SyncDeps & GithubDeps {
  const g = deps.config.gitops;
  return {
    db: deps.db,
    box: createSecretBox(deps.config.secret),
    signals: deps.commandSignals,
    log: deps.log,
    git: { timeoutMs: g.timeoutSeconds * 1000, maxBytes: g.maxRepoBytes, allowFileUrls: g.allowFileUrls },
    render: { kubectlPath: g.kubectlPath, timeoutMs: g.timeoutSeconds * 1000, maxBytes: 4 * 1024 * 1024, maxFiles: 500 },
    publicUrl: deps.config.publicUrl,
    httpTimeoutMs: deps.config.notifyTimeoutSeconds * 1000,
  };
}

/** The deployment by id (deploy-core's one scope check: 404 outside the caller's orgs), with `minRole`; a deleted one is gone. */
export async function requireDeploymentFor(
  deps: Pick<AppDeps, 'db'>,
  caller: Caller,
  id: string,
  minRole: 'viewer' | 'member' = 'viewer',
): Promise<Deployment> {
  const { deployment } = await requireDeployment(deps.db, caller, id, minRole);
  if (deployment.status === 'deleted') throw notFound('deployment');
  return deployment;
}

const SourceFields = t.Object(
  {
    url: t.Optional(
      t.String({ maxLength: 2048, description: 'https://, ssh:// or user@host:path (file:// only where the server allows it); no credentials in it' }),
    ),
    ref: t.Optional(t.String({ maxLength: 255, description: 'Branch, tag or full commit id (default main)' })),
    path: t.Optional(t.String({ maxLength: 512, description: 'Directory (plain YAML or a kustomization) or one file; default the root' })),
    auth: t.Optional(OneOf(GIT_AUTHS, { description: 'none, token (HTTPS) or ssh (deploy key); default from the secret given' })),
    username: t.Optional(t.String({ maxLength: 100, description: 'HTTPS user name sent with the token (default x-access-token)' })),
    token: t.Optional(t.String({ maxLength: 1024, description: 'HTTPS token (stored encrypted, never returned)' })),
    sshKey: t.Optional(t.String({ maxLength: 16384, description: 'SSH deploy key, private part (stored encrypted, never returned)' })),
    knownHosts: t.Optional(t.Union([t.String({ maxLength: 16384 }), t.Null()], { description: 'known_hosts lines for the SSH server' })),
    webhookSecret: t.Optional(
      t.Union([t.String({ maxLength: 256 }), t.Null()], { description: 'HMAC secret the Git server signs webhooks with (16+ characters); null removes it' }),
    ),
    autoApply: t.Optional(t.Boolean({ description: 'Apply each new revision from Git at once (default false)' })),
    intervalSeconds: t.Optional(t.Integer({ description: 'Seconds between scheduled syncs: 30–86400, or 0 for none (default 180)' })),
  },
  { additionalProperties: false },
);

export function gitopsApi(deps: AppDeps) {
  const { db } = deps;
  const g = gitopsDeps(deps);
  return new Elysia({ name: 'gitops-api', prefix: '/v1' })
    .post(
      '/deployments/from-git',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = ctx.body.orgId ? requireOrg(caller, ctx.body.orgId, 'member') : defaultOrg(caller);
        if (!org) throw notFound('organization');
        requireOrg(caller, org.id, 'member');
        const selector = checkSelector(ctx.body.targets);
        if (!selector.ok) throw invalidError(selector);
        const res = await createGitDeployment(g, actorOf(caller, ctx, deps.config.trustProxy), {
          orgId: org.id,
          name: ctx.body.name,
          namespace: ctx.body.namespace,
          targets: selector.selector,
          git: ctx.body.git,
        });
        // Git's refusals name their field already; the deployment's go through deploy-core's mapping (409 for a taken name).
        if (!res.ok) throw res.field.startsWith('git') ? badRequest(res.message) : invalidError(res);
        ctx.set.status = 201;
        const d = res.deployment;
        return { deployment: { id: d.id, orgId: d.orgId, name: d.name, namespace: d.namespace }, source: sourceJson(res.source) };
      },
      {
        body: t.Object(
          {
            orgId: t.Optional(t.String({ maxLength: 64, description: 'The org it belongs to (default: the current org)' })),
            name: t.String({ maxLength: 63 }),
            namespace: t.String({ maxLength: 63 }),
            targets: t.Optional(Selector),
            git: SourceFields,
          },
          { additionalProperties: false },
        ),
        response: { 201: GitDeploymentJson },
        detail: {
          tags: ['gitops'],
          summary: 'Create a deployment from Git (member): fetched and rendered first, revision 1 records the commit; applied at once with git.autoApply',
        },
      },
    )
    .get(
      '/deployments/:id/git',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const deployment = await requireDeploymentFor(deps, caller, ctx.params.id);
        const source = await findSourceOfDeployment(db, deployment.id);
        if (!source) throw notFound('Git source');
        return sourceJson(source);
      },
      { response: { 200: GitSourceJson }, detail: { tags: ['gitops'], summary: 'The deployment’s Git source and sync status (secrets never returned)' } },
    )
    .put(
      '/deployments/:id/git',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
        const res = await saveSource(db, g.box, actorOf(caller, ctx, deps.config.trustProxy), deployment, ctx.body, {
          allowFileUrls: g.git.allowFileUrls,
          now: new Date(),
        });
        if (!res.ok) throw new HttpError(400, 'invalid_request', res.message);
        ctx.set.status = res.created ? 201 : 200;
        return sourceJson(res.source);
      },
      {
        body: SourceFields,
        response: { 200: GitSourceJson, 201: GitSourceJson },
        detail: { tags: ['gitops'], summary: 'Take the deployment’s manifests from Git, or change where from (member); a secret left out keeps its value' },
      },
    )
    .delete(
      '/deployments/:id/git',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
        const source = await findSourceOfDeployment(db, deployment.id);
        if (!source) throw notFound('Git source');
        await removeSource(db, actorOf(caller, ctx, deps.config.trustProxy), deployment, source);
        return { ok: true as const };
      },
      { response: { 200: Ok }, detail: { tags: ['gitops'], summary: 'Stop syncing the deployment from Git (its revisions stay)' } },
    )
    .post(
      '/deployments/:id/git/sync',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
        const source = await findSourceOfDeployment(db, deployment.id);
        if (!source) throw notFound('Git source');
        const res = await syncNow(g, source.id, 'manual', actorOf(caller, ctx, deps.config.trustProxy));
        if ('busy' in res) throw new HttpError(409, 'sync_running', 'a sync of this Git source is running already; its outcome shows on the deployment');
        return sourceJson((await findSource(db, source.id))!);
      },
      {
        response: { 200: GitSourceJson },
        detail: { tags: ['gitops'], summary: 'Sync from Git now and answer with the outcome (member); a failed sync answers 200 with status "failed"' },
      },
    )
    .get(
      '/deployments/:id/git/pull-requests',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const deployment = await requireDeploymentFor(deps, caller, ctx.params.id);
        const source = await findSourceOfDeployment(db, deployment.id);
        if (!source) throw notFound('Git source');
        return { pullRequests: (await listPullRequests(db, source.id, 50)).map(pullRequestJson) };
      },
      {
        response: { 200: PullRequestList },
        detail: { tags: ['gitops'], summary: 'The newest 50 pull requests checked for the deployment, open first, with their policy findings' },
      },
    )
    .get(
      '/integrations/github',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return { connections: (await listGithubConnections(db, caller.scopeOrgIds)).map(connectionJson) };
      },
      {
        response: { 200: GithubConnectionList },
        detail: { tags: ['integrations'], summary: 'GitHub connections of the caller’s orgs (tokens never returned)' },
      },
    )
    .put(
      '/integrations/github',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = ctx.body.orgId ? requireOrg(caller, ctx.body.orgId, 'admin') : defaultOrg(caller);
        if (!org) throw notFound('organization');
        requireOrg(caller, org.id, 'admin');
        const res = await connectGithub(db, g.box, actorOf(caller, ctx, deps.config.trustProxy), org.id, ctx.body, g.httpTimeoutMs);
        if (!res.ok) throw new HttpError(400, 'invalid_request', res.message);
        return connectionJson(res.connection);
      },
      {
        body: t.Object(
          {
            orgId: t.Optional(t.String({ maxLength: 64, description: 'The org to connect (default: the current org)' })),
            apiUrl: t.Optional(
              t.String({ maxLength: 2048, description: 'REST API base (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3)' }),
            ),
            token: t.String({
              maxLength: 1024,
              description: 'Fine-grained token or app installation token with commit statuses and pull requests write access',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: GithubConnectionJson },
        detail: { tags: ['integrations'], summary: 'Connect an org to GitHub, or replace its token (admin); the token is checked against GitHub first' },
      },
    )
    .delete(
      '/integrations/github/:orgId',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.params.orgId, 'admin');
        if (!(await disconnectGithub(db, actorOf(caller, ctx, deps.config.trustProxy), org.id))) throw notFound('GitHub connection');
        return { ok: true as const };
      },
      { response: { 200: Ok }, detail: { tags: ['integrations'], summary: 'Disconnect an org from GitHub (admin)' } },
    )
    .post(
      '/integrations/git/webhook/:id',
      async ({ request, params, set }) => {
        // The signature proves the sender; nothing else about the request is trusted until it checks out.
        const source = isUuid(params.id) ? await findSource(db, params.id) : null;
        if (!source) throw notFound('webhook');
        const body = await readBody(request, MAX_WEBHOOK_BYTES, deps.inflating);
        if (!body.ok) throw new HttpError(body.status, body.code, body.message, body.headers);
        const res = await receiveWebhook(db, g.box, source, request.headers, body.text);
        if (!res.ok) throw new HttpError(res.status, res.status === 401 ? 'bad_signature' : 'malformed_body', res.message);
        // The work runs after the answer: Git servers give a webhook about ten seconds.
        if (res.action.kind === 'sync')
          void syncNow(g, source.id, 'webhook', null).catch((e) => deps.log.error('webhook sync failed', { source: source.id, error: String(e) }));
        if (res.action.kind === 'check_pull_request')
          void checkPullRequest(g, source.id, res.action.pr).catch((e) => deps.log.error('pull request check failed', { source: source.id, error: String(e) }));
        set.status = res.status;
        return { accepted: res.action.kind !== 'none', event: res.event, action: res.action.kind, duplicate: res.duplicate, reason: res.reason };
      },
      {
        response: { 200: WebhookResultJson, 202: WebhookResultJson },
        detail: {
          tags: ['gitops'],
          summary:
            'Git webhook (GitHub push and pull_request, Gitea, GitLab, or generic {"ref","after"}): signed with X-Hub-Signature-256; 401 and nothing done when the signature is bad; a delivery id already received does nothing again',
        },
      },
    );
}
