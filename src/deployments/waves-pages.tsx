// HTML of a deployment's operations: the live fragment the deployment page includes (per-cluster status,
// health and drift; the rollout in waves), its buttons (start / pause / resume / abort a rollout, re-apply,
// self-heal), and the drift block of the cluster's Deployments tab. Same services as the API.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { HttpError } from '../http/errors';
import { redirect, setFlash } from '../http/page';
import { requireCluster } from '../clusters/access';
import { roleAtLeast } from '../orgs/store';
import { ClusterDrift, DeploymentOps, type ClusterDriftProps, type DeploymentOpsProps } from '../../views/deployments/ops';
import { clusterDriftRows, currentRollout, driftOfDeployment, listClusterOps } from './ops';
import { isSelfHealEnabled } from './waves-store';
import { actOnRolloutAsCaller, canOperate, reapplyAsCaller, requireDeploymentFor, setSelfHealAsCaller, startRolloutAsCaller } from './waves-requests';
import type { RolloutAction } from './waves-actions';
import { HEALTHY_SECONDS } from './waves-vocabulary';
import type { Deployment } from './schema';

const csrf = (caller: Caller): string => caller.session?.csrfToken ?? '';

/** The props of the live fragment: what the deployment page embeds and `/deployments/:id/ops` re-renders. */
async function deploymentOpsProps(db: Db, d: Deployment, canOperateIt: boolean, csrfToken: string): Promise<DeploymentOpsProps> {
  const [clusters, current, selfHeal] = await Promise.all([
    driftOfDeployment(db, d.id).then((drift) => listClusterOps(db, d.id, drift, new Date())),
    currentRollout(db, d.id),
    isSelfHealEnabled(db, d.id),
  ]);
  return {
    deploymentId: d.id,
    latestRevision: d.latestRevision,
    clusters: clusters.map((c) => ({ ...c, drift: c.drift.map((o) => ({ kind: o.kind, namespace: o.namespace, name: o.name, fields: o.fields })) })),
    rollout: current ? { ...current.rollout, clusters: current.clusters } : null,
    selfHeal,
    canOperate: canOperateIt && d.status === 'active',
    csrfToken,
    defaultHealthySeconds: HEALTHY_SECONDS.default,
    maxHealthySeconds: HEALTHY_SECONDS.max,
  };
}

/** The deployment page's section (see sections.ts): health, drift and the rollout in waves, polled. */
export const deploymentOpsSection = async (ctx: { db: Db; deployment: Deployment; canOperate: boolean; csrfToken: string }): Promise<JSX.Element> => (
  <DeploymentOps {...(await deploymentOpsProps(ctx.db, ctx.deployment, ctx.canOperate, ctx.csrfToken))} />
);

/** The props of the cluster's Deployments tab's drift block (ClusterDrift). */
export async function clusterDriftProps(db: Db, caller: Caller, cluster: { id: string }, canOperateIt: boolean): Promise<ClusterDriftProps> {
  const rows = await clusterDriftRows(
    db,
    cluster.id,
    caller.orgs.map((o) => o.id),
  );
  return {
    clusterId: cluster.id,
    rows: rows.map((r) => ({ ...r, drift: r.drift.map((o) => ({ kind: o.kind, namespace: o.namespace, name: o.name, fields: o.fields })) })),
    canOperate: canOperateIt,
    csrfToken: csrf(caller),
  };
}

/** A form field's whole number; NaN for anything else, which the service refuses naming the field. */
const wholeNumber = (raw: string): number => (/^[0-9]{1,10}$/.test(raw) ? Number(raw) : Number.NaN);

const Form = t.Object({ _csrf: t.Optional(t.String()) });
type Ctx = Parameters<typeof requireCaller>[1] & { cookie: Parameters<typeof setFlash>[0]; server: Parameters<typeof actorOf>[1]['server'] };

/** Runs a page action; a refusal the client caused becomes a flash on the page it came from. */
async function flashRefusal(ctx: Ctx, back: string, fn: () => Promise<string | null>): Promise<Response> {
  try {
    const ok = await fn();
    if (ok) setFlash(ctx.cookie, { kind: 'ok', text: ok });
  } catch (e) {
    if (!(e instanceof HttpError) || e.status >= 500 || e.status === 404 || e.status === 403) throw e;
    setFlash(ctx.cookie, { kind: 'error', text: e.message });
  }
  return redirect(back);
}

export function deploymentWavesPages(deps: AppDeps) {
  const { db, config, commandSignals: signals } = deps;
  const act = (action: RolloutAction) => async (ctx: Ctx & { params: { id: string; rolloutId: string } }) => {
    const caller = await requireCaller(db, ctx);
    return flashRefusal(ctx, `/deployments/${ctx.params.id}`, async () => {
      await actOnRolloutAsCaller(db, signals, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, ctx.params.rolloutId, action);
      return null;
    });
  };
  return new Elysia({ name: 'deployment-waves-pages' })
    .get('/deployments/:id/ops', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const d = await requireDeploymentFor(db, caller, ctx.params.id);
      return <DeploymentOps {...(await deploymentOpsProps(db, d, canOperate(caller, d), csrf(caller)))} />;
    })
    .post(
      '/deployments/:id/rollouts',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return flashRefusal(ctx, `/deployments/${ctx.params.id}`, async () => {
          const r = await startRolloutAsCaller(db, signals, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, {
            revision: ctx.body.revision === undefined ? undefined : wholeNumber(ctx.body.revision),
            healthySeconds: ctx.body.healthySeconds === undefined ? undefined : wholeNumber(ctx.body.healthySeconds),
          });
          return `Rolling out revision ${r.revision} in ${r.waveCount} wave${r.waveCount === 1 ? '' : 's'}`;
        });
      },
      {
        body: t.Object({
          _csrf: t.Optional(t.String()),
          revision: t.Optional(t.String({ maxLength: 12 })),
          healthySeconds: t.Optional(t.String({ maxLength: 12 })),
        }),
      },
    )
    .post('/deployments/:id/rollouts/:rolloutId/pause', act('pause'), { body: Form })
    .post('/deployments/:id/rollouts/:rolloutId/resume', act('resume'), { body: Form })
    .post('/deployments/:id/rollouts/:rolloutId/abort', act('abort'), { body: Form })
    .post(
      '/deployments/:id/clusters/:clusterId/reapply',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const back = ctx.body.from === 'cluster' ? `/clusters/${ctx.params.clusterId}` : `/deployments/${ctx.params.id}`;
        return flashRefusal(ctx, back, async () => {
          const r = await reapplyAsCaller(db, signals, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, ctx.params.clusterId);
          return `Revision ${r.revision} of ${r.deployment.name} queued again`;
        });
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), from: t.Optional(t.Union([t.Literal('cluster'), t.Literal('deployment')])) }) },
    )
    .post(
      '/deployments/:id/self-heal',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const enabled = ctx.body.enabled === 'true';
        await setSelfHealAsCaller(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, enabled);
        return redirect(`/deployments/${ctx.params.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String()), enabled: t.Union([t.Literal('true'), t.Literal('false')]) }) },
    )
    .get('/clusters/:id/deployments/drift', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster, org } = await requireCluster(db, caller, ctx.params.id);
      return <ClusterDrift {...(await clusterDriftProps(db, caller, cluster, roleAtLeast(org.role, 'member')))} />;
    });
}
