// HTML for agent self-update rollouts: the list (with "update the fleet"), one rollout wave by wave with its
// polled fragment, the cluster page's "Update agent" button, and pause / resume / abort. Same services as the API.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { redirect, renderPage, setFlash } from '../http/page';
import { roleAtLeast } from '../orgs/store';
import { RolloutLive, RolloutsPage, type RolloutView } from '../../views/rollouts/rollouts';
import { listRollouts, listTargets } from './store';
import type { RolloutAction } from './service';
import { actAsCaller, requireRollout, startClusterUpdate, startFleetRollout, startRefusal } from './actions';
import type { Rollout } from './schema';

const csrf = (caller: Caller): string => caller.session?.csrfToken ?? '';
const orgNameOf = (caller: Caller, orgId: string): string => caller.orgs.find((o) => o.id === orgId)?.name ?? '';

function view(caller: Caller, r: Rollout): RolloutView {
  return { ...r, orgName: orgNameOf(caller, r.orgId) };
}

async function liveProps(db: Db, caller: Caller, id: string) {
  const rollout = await requireRollout(db, caller, id);
  const org = caller.orgs.find((o) => o.id === rollout.orgId);
  return {
    rollout: view(caller, rollout),
    targets: await listTargets(db, rollout.id),
    canOperate: !!org && roleAtLeast(org.role, 'member'),
    csrfToken: csrf(caller),
  };
}

const Form = t.Object({ _csrf: t.Optional(t.String()) });

export function rolloutsPages(deps: AppDeps) {
  const { db, config } = deps;
  const offer = { image: config.agentImage, version: config.agentVersion };
  const timeoutMs = config.rolloutTimeoutSeconds * 1000;
  const act =
    (action: RolloutAction) =>
    async (
      ctx: Parameters<typeof requireCaller>[1] & {
        params: { id: string };
        cookie: Parameters<typeof setFlash>[0];
        server: Parameters<typeof actorOf>[1]['server'];
      },
    ) => {
      const caller = await requireCaller(db, ctx);
      const rollout = await actAsCaller(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, action);
      return redirect(`/rollouts/${rollout.id}`);
    };
  return new Elysia({ name: 'rollouts-pages' })
    .get('/rollouts', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const rows = await listRollouts(db, caller.scopeOrgIds, 50);
      const orgs = caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'admin'));
      const body = (
        <RolloutsPage
          rollouts={rows.map((r) => view(caller, r))}
          offeredVersion={offer.version}
          offeredImage={offer.image}
          orgs={orgs.map((o) => ({ id: o.id, name: o.name }))}
          csrfToken={csrf(caller)}
        />
      );
      return renderPage(caller, ctx.cookie, { title: 'Agent updates', active: 'fleet', body });
    })
    .get('/rollouts/:id', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const props = await liveProps(db, caller, ctx.params.id);
      return renderPage(caller, ctx.cookie, { title: `Agent update to ${props.rollout.targetVersion}`, active: 'fleet', body: <RolloutLive {...props} /> });
    })
    .get('/rollouts/:id/live', async (ctx) => <RolloutLive {...(await liveProps(db, await requireCaller(db, ctx), ctx.params.id))} />)
    .post(
      '/rollouts',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const rollout = await startFleetRollout(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.body.orgId, offer, timeoutMs);
        return redirect(`/rollouts/${rollout.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), orgId: t.String({ format: 'uuid' }) }) },
    )
    .post(
      '/clusters/:id/agent-update',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster, res } = await startClusterUpdate(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, offer, timeoutMs);
        if (!res.ok) {
          setFlash(ctx.cookie, { kind: 'error', text: startRefusal(res).message });
          return redirect(`/clusters/${cluster.id}`);
        }
        return redirect(`/rollouts/${res.rollout.id}`);
      },
      { body: Form },
    )
    .post('/rollouts/:id/pause', act('pause'), { body: Form })
    .post('/rollouts/:id/resume', act('resume'), { body: Form })
    .post('/rollouts/:id/abort', act('abort'), { body: Form });
}
