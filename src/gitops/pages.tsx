// HTML of deployments from Git: a deployment's Git page (settings, sync status, pull-request findings), the section
// fragment the deployment page embeds and polls, and /settings/integrations (GitHub). Forms post, then redirect.
import Html from '@kitajs/html';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { badRequest, notFound } from '../http/errors';
import { redirect, renderPage, setFlash } from '../http/page';
import { requireOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { applyRevision } from '../deployments/apply';
import { GitSourcePage, GitSourceSection, type PullRequestView } from '../../views/gitops/source';
import { sourceView } from './section';
import { IntegrationsPage } from '../../views/gitops/integrations';
import { gitopsDeps, requireDeploymentFor } from './api';
import { removeSource, saveSource, type SourceInput } from './sources';
import { findSourceOfDeployment, listGithubConnections, listPullRequests } from './store';
import { syncNow } from './sync';
import { connectGithub, disconnectGithub } from './github';
import type { GitSource } from './schema';
import type { GitAuth } from './vocabulary';

const FormBody = t.Record(t.String({ maxLength: 64 }), t.String({ maxLength: 20_000 }));
type Form = Record<string, string>;

/** The form as the API's input: empty secret fields keep the stored ones; an unchecked box is false. */
function formInput(form: Form): SourceInput {
  const input: SourceInput = {
    url: form.url?.trim(),
    ref: form.ref?.trim() || undefined,
    path: form.path?.trim() ?? '',
    auth: (form.auth || 'none') as GitAuth,
    autoApply: form.autoApply === 'on',
  };
  if (input.auth === 'token') input.username = form.username?.trim() || undefined;
  if (form.token) input.token = form.token.trim();
  if (form.sshKey?.trim()) input.sshKey = form.sshKey;
  if (input.auth === 'ssh') input.knownHosts = form.knownHosts?.trim() || null;
  if (form.webhookSecret) input.webhookSecret = form.webhookSecret;
  const interval = form.intervalSeconds?.trim();
  if (interval) {
    if (!/^\d{1,6}$/.test(interval)) throw badRequest('intervalSeconds: must be a whole number');
    input.intervalSeconds = Number(interval);
  }
  return input;
}

export function gitopsPages(deps: AppDeps) {
  const { db } = deps;
  const g = gitopsDeps(deps);
  const csrf = (caller: Caller) => caller.session?.csrfToken ?? '';
  const canManage = (caller: Caller, orgId: string) => roleAtLeast(caller.orgs.find((o) => o.id === orgId)?.role ?? 'viewer', 'member');
  const prViews = async (source: GitSource | null): Promise<PullRequestView[]> => (source ? await listPullRequests(db, source.id, 20) : []);

  return new Elysia({ name: 'gitops-pages' })
    .get('/deployments/:id/git', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const deployment = await requireDeploymentFor(deps, caller, ctx.params.id);
      const source = await findSourceOfDeployment(db, deployment.id);
      const body = (
        <GitSourcePage
          deploymentId={deployment.id}
          deploymentName={deployment.name}
          source={source ? sourceView(source) : null}
          pullRequests={await prViews(source)}
          canManage={canManage(caller, deployment.orgId)}
          csrfToken={csrf(caller)}
          publicUrl={deps.config.publicUrl}
        />
      );
      return renderPage(caller, ctx.cookie, { title: `${deployment.name}: Git`, active: 'deployments', body });
    })
    .get('/deployments/:id/git/section', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const deployment = await requireDeploymentFor(deps, caller, ctx.params.id);
      const source = await findSourceOfDeployment(db, deployment.id);
      if (!source) return '';
      return (
        <GitSourceSection
          source={sourceView(source)}
          pullRequests={await prViews(source)}
          canManage={canManage(caller, deployment.orgId)}
          csrfToken={csrf(caller)}
        />
      );
    })
    .post(
      '/deployments/:id/git',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
        const res = await saveSource(db, g.box, actorOf(caller, ctx, deps.config.trustProxy), deployment, formInput(ctx.body), {
          allowFileUrls: g.git.allowFileUrls,
          now: new Date(),
        });
        if (!res.ok) throw badRequest(res.message);
        // The first sync runs now, so the page shows its outcome at once.
        const outcome = await syncNow(g, res.source.id, 'manual', actorOf(caller, ctx, deps.config.trustProxy));
        const text =
          'busy' in outcome ? 'Saved; a sync is running.' : outcome.status === 'failed' ? `Saved; the sync failed: ${outcome.error}` : 'Saved and synced.';
        setFlash(ctx.cookie, { kind: 'busy' in outcome || outcome.status !== 'failed' ? 'ok' : 'error', text });
        return redirect(`/deployments/${deployment.id}/git`);
      },
      { body: FormBody },
    )
    .post('/deployments/:id/git/sync', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
      const source = await findSourceOfDeployment(db, deployment.id);
      if (!source) throw notFound('Git source');
      const outcome = await syncNow(g, source.id, 'manual', actorOf(caller, ctx, deps.config.trustProxy));
      if ('busy' in outcome) setFlash(ctx.cookie, { kind: 'info', text: 'A sync is running already.' });
      else if (outcome.status === 'failed') setFlash(ctx.cookie, { kind: 'error', text: `Sync failed: ${outcome.error}` });
      else setFlash(ctx.cookie, { kind: 'ok', text: outcome.created ? `Synced: revision ${outcome.revision} from Git.` : 'Synced: no change in Git.' });
      return redirect(`/deployments/${deployment.id}/git`);
    })
    .post('/deployments/:id/git/apply', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
      const source = await findSourceOfDeployment(db, deployment.id);
      if (!source?.lastRevision) throw notFound('Git revision');
      const res = await applyRevision(db, deps.commandSignals, actorOf(caller, ctx, deps.config.trustProxy), deployment.id, source.lastRevision, null);
      if (!res.ok) setFlash(ctx.cookie, { kind: 'error', text: res.message });
      else {
        // Applied now: the next sync (at once) finds the targets at this revision and says "synced".
        await syncNow(g, source.id, 'manual', actorOf(caller, ctx, deps.config.trustProxy));
        setFlash(ctx.cookie, { kind: 'ok', text: `Revision ${source.lastRevision} queued on ${res.queued.length} cluster(s).` });
      }
      return redirect(`/deployments/${deployment.id}/git`);
    })
    .post('/deployments/:id/git/remove', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const deployment = await requireDeploymentFor(deps, caller, ctx.params.id, 'member');
      const source = await findSourceOfDeployment(db, deployment.id);
      if (!source) throw notFound('Git source');
      await removeSource(db, actorOf(caller, ctx, deps.config.trustProxy), deployment, source);
      setFlash(ctx.cookie, { kind: 'ok', text: 'This deployment no longer syncs from Git.' });
      return redirect(`/deployments/${deployment.id}/git`);
    })
    .get('/settings/integrations', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const names = new Map(caller.orgs.map((o) => [o.id, o]));
      const connections = (await listGithubConnections(db, caller.scopeOrgIds)).map((c) => ({
        orgId: c.orgId,
        orgName: names.get(c.orgId)?.name ?? '',
        apiUrl: c.apiUrl,
        account: c.account,
        canManage: roleAtLeast(names.get(c.orgId)?.role ?? 'viewer', 'admin'),
      }));
      const adminOrgs = caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'admin')).map((o) => ({ id: o.id, name: o.name }));
      const body = <IntegrationsPage connections={connections} adminOrgs={adminOrgs} csrfToken={csrf(caller)} />;
      return renderPage(caller, ctx.cookie, { title: 'Integrations', active: 'settings', body });
    })
    .post(
      '/settings/integrations/github',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId ?? '', 'admin');
        const res = await connectGithub(
          db,
          g.box,
          actorOf(caller, ctx, deps.config.trustProxy),
          org.id,
          { apiUrl: ctx.body.apiUrl, token: (ctx.body.token ?? '').trim() },
          g.httpTimeoutMs,
        );
        if (!res.ok) throw badRequest(res.message);
        setFlash(ctx.cookie, { kind: 'ok', text: `${org.name} is connected to GitHub${res.connection.account ? ` as ${res.connection.account}` : ''}.` });
        return redirect('/settings/integrations');
      },
      { body: FormBody },
    )
    .post('/settings/integrations/github/:orgId/remove', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const org = requireOrg(caller, ctx.params.orgId, 'admin');
      if (!(await disconnectGithub(db, actorOf(caller, ctx, deps.config.trustProxy), org.id))) throw notFound('GitHub connection');
      setFlash(ctx.cookie, { kind: 'ok', text: `${org.name} is disconnected from GitHub.` });
      return redirect('/settings/integrations');
    });
}
