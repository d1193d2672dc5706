// JSON API of a deployment's operations (curl users): health and drift per cluster, rollouts in waves (start,
// read, pause, resume, abort), re-apply on one cluster, self-heal on/off, and a cluster's drift. Scoped to the
// caller's orgs: another org's deployment, rollout or cluster answers 404.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { requireCluster } from '../clusters/access';
import { clusterDriftRows, driftOfDeployment, listClusterOps } from './ops';
import { listDeploymentRollouts, listRolloutClusters, isSelfHealEnabled } from './waves-store';
import {
  actOnRolloutAsCaller,
  reapplyAsCaller,
  requireDeploymentFor,
  requireDeploymentRollout,
  setSelfHealAsCaller,
  startRolloutAsCaller,
} from './waves-requests';
import type { RolloutAction } from './waves-actions';
import type { DeploymentRollout } from './waves-schema';
import { Exact, Integer } from '../http/responses';
import { HEALTHY_SECONDS, MAX_WAVES, MAX_ROLLOUT_CLUSTERS } from './waves-vocabulary';
import {
  ClusterDriftJson,
  DeploymentHealthJson,
  DeploymentRolloutJson,
  DeploymentRolloutList,
  clusterOpsJson,
  driftJson,
  rolloutJson,
  rolloutSummaryJson,
} from './waves-responses';

const DeploymentId = t.Object({ id: t.String({ format: 'uuid', description: 'Deployment id' }) });
const RolloutParams = t.Object({
  id: t.String({ format: 'uuid', description: 'Deployment id' }),
  rolloutId: t.String({ format: 'uuid', description: 'Rollout id' }),
});
const tags = ['deployments'];

export function deploymentWavesApi(deps: AppDeps) {
  const { db, config, commandSignals: signals } = deps;
  const show = async (r: DeploymentRollout) => rolloutJson(r, await listRolloutClusters(db, r));
  const act =
    (action: RolloutAction) =>
    async (ctx: Parameters<typeof requireCaller>[1] & { params: { id: string; rolloutId: string }; server: Parameters<typeof actorOf>[1]['server'] }) => {
      const caller = await requireCaller(db, ctx);
      return show(await actOnRolloutAsCaller(db, signals, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, ctx.params.rolloutId, action));
    };
  const actionDoc = (summary: string) => ({ params: RolloutParams, response: { 200: DeploymentRolloutJson }, detail: { tags, summary } });
  return new Elysia({ name: 'deployment-waves-api', prefix: '/v1' })
    .get(
      '/deployments/:id/health',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const d = await requireDeploymentFor(db, caller, ctx.params.id);
        const clusters = await listClusterOps(db, d.id, await driftOfDeployment(db, d.id), new Date());
        return { deploymentId: d.id, selfHeal: await isSelfHealEnabled(db, d.id), clusters: clusters.map(clusterOpsJson) };
      },
      {
        params: DeploymentId,
        response: { 200: DeploymentHealthJson },
        detail: { tags, summary: 'Per cluster: apply status, health (Healthy / Progressing / Missing / Degraded / Unknown) and drifted objects' },
      },
    )
    .get(
      '/deployments/:id/rollouts',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const d = await requireDeploymentFor(db, caller, ctx.params.id);
        return { rollouts: (await listDeploymentRollouts(db, d.id, ctx.query.limit ?? 20)).map(rolloutSummaryJson) };
      },
      {
        params: DeploymentId,
        query: t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'At most this many, newest first (default 20)' })) }),
        response: { 200: DeploymentRolloutList },
        detail: { tags, summary: 'The deployment’s rollouts in waves, newest first' },
      },
    )
    .post(
      '/deployments/:id/rollouts',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const rollout = await startRolloutAsCaller(db, signals, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, ctx.body ?? {});
        ctx.set.status = 201;
        return show(rollout);
      },
      {
        params: DeploymentId,
        body: t.Optional(
          t.Object({
            revision: t.Optional(t.Integer({ minimum: 1, description: 'The revision to roll out; default: the latest' })),
            waves: t.Optional(
              t.Array(t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_ROLLOUT_CLUSTERS }), {
                minItems: 1,
                maxItems: MAX_WAVES,
                description:
                  'Cluster ids per wave, first wave first; targets left out form one last wave. Default: one cluster, then 10 %, then the rest; production last',
              }),
            ),
            healthySeconds: t.Optional(
              t.Integer({
                minimum: HEALTHY_SECONDS.min,
                maximum: HEALTHY_SECONDS.max,
                description: `How long each cluster must stay applied and Healthy before the next wave (default ${HEALTHY_SECONDS.default})`,
              }),
            ),
          }),
        ),
        response: { 201: DeploymentRolloutJson },
        detail: { tags, summary: 'Roll a revision out to the deployment’s clusters in waves; a failed apply or an unhealthy cluster pauses it (member)' },
      },
    )
    .get(
      '/deployments/:id/rollouts/:rolloutId',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const d = await requireDeploymentFor(db, caller, ctx.params.id);
        return show(await requireDeploymentRollout(db, caller, d, ctx.params.rolloutId));
      },
      { params: RolloutParams, response: { 200: DeploymentRolloutJson }, detail: { tags, summary: 'A rollout with its clusters, wave by wave' } },
    )
    .post('/deployments/:id/rollouts/:rolloutId/pause', act('pause'), actionDoc('Pause a rollout: no further wave starts'))
    .post(
      '/deployments/:id/rollouts/:rolloutId/resume',
      act('resume'),
      actionDoc('Resume a paused rollout: failed clusters are applied again and must turn Healthy'),
    )
    .post('/deployments/:id/rollouts/:rolloutId/abort', act('abort'), actionDoc('Abort a rollout; clusters already applied keep the revision'))
    .post(
      '/deployments/:id/clusters/:clusterId/reapply',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const res = await reapplyAsCaller(db, signals, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, ctx.params.clusterId);
        ctx.set.status = 202;
        return { deploymentId: res.deployment.id, clusterId: ctx.params.clusterId, revision: res.revision, commandId: res.commandId };
      },
      {
        params: t.Object({
          id: t.String({ format: 'uuid', description: 'Deployment id' }),
          clusterId: t.String({ format: 'uuid', description: 'Cluster id' }),
        }),
        response: { 202: Exact({ deploymentId: t.String(), clusterId: t.String(), revision: Integer(), commandId: t.String() }) },
        detail: { tags, summary: 'Apply the cluster’s current revision to it again (clears drift) (member)' },
      },
    )
    .put(
      '/deployments/:id/self-heal',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const d = await setSelfHealAsCaller(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, ctx.body.enabled);
        return { deploymentId: d.id, selfHeal: ctx.body.enabled };
      },
      {
        params: DeploymentId,
        body: t.Object({
          enabled: t.Boolean({
            description:
              'When on, drift is re-applied automatically: at most once a minute per cluster, waiting longer each time it comes back (up to an hour)',
          }),
        }),
        response: { 200: Exact({ deploymentId: t.String(), selfHeal: t.Boolean() }) },
        detail: { tags, summary: 'Turn the deployment’s self-heal on or off (member)' },
      },
    )
    .get(
      '/clusters/:id/drift',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id);
        const rows = await clusterDriftRows(
          db,
          cluster.id,
          caller.orgs.map((o) => o.id),
        );
        return { clusterId: cluster.id, deployments: rows.map((r) => ({ ...r, drift: r.drift.map(driftJson) })) };
      },
      {
        params: t.Object({ id: t.String({ format: 'uuid', description: 'Cluster id' }) }),
        response: { 200: ClusterDriftJson },
        detail: { tags, summary: 'Deployments whose objects drifted on this cluster, with the fields that differ' },
      },
    );
}
