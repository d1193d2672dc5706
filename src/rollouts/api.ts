// JSON API of self-update rollouts (curl users): start one for a cluster or an org's fleet, read, pause,
// resume, abort. Scoped to the caller's orgs: another org's rollout or cluster answers 404.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { notFound } from '../http/errors';
import { defaultOrg } from '../orgs/access';
import { listRollouts, listTargets, type TargetView } from './store';
import { actAsCaller, requireRollout, startClusterUpdate, startFleetRollout, startRefusal } from './actions';
import type { RolloutAction } from './service';
import type { Rollout } from './schema';
import { TARGET_STATES, type TargetState } from './vocabulary';
import { RolloutJson, RolloutList, type RolloutSummaryJson } from './responses';

export function rolloutSummaryJson(r: Rollout): RolloutSummaryJson {
  return {
    id: r.id,
    orgId: r.orgId,
    targetVersion: r.targetVersion,
    targetImage: r.targetImage,
    status: r.status,
    pauseReason: r.pauseReason,
    currentWave: r.currentWave,
    waveCount: r.waveCount,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export function rolloutJson(r: Rollout, targets: TargetView[]): RolloutJson {
  const count = (s: TargetState): number => targets.filter((x) => x.state === s).length;
  const counts = Object.fromEntries(TARGET_STATES.map((s) => [s, count(s)])) as Record<TargetState, number>;
  return {
    ...rolloutSummaryJson(r),
    counts: { total: targets.length, ...counts },
    targets: targets.map((x) => ({
      clusterId: x.clusterId,
      clusterName: x.clusterName,
      environment: x.environment,
      wave: x.wave,
      state: x.state,
      fromVersion: x.fromVersion,
      agentVersion: x.agentVersion,
      toldAt: x.toldAt?.toISOString() ?? null,
      finishedAt: x.finishedAt?.toISOString() ?? null,
      message: x.message,
    })),
  };
}

const RolloutId = t.Object({ id: t.String({ format: 'uuid', description: 'Rollout id' }) });

export function rolloutsApi(deps: AppDeps) {
  const { db, config } = deps;
  const offer = { image: config.agentImage, version: config.agentVersion };
  const timeoutMs = config.rolloutTimeoutSeconds * 1000;
  const show = async (r: Rollout): Promise<RolloutJson> => rolloutJson(r, await listTargets(db, r.id));
  const act =
    (action: RolloutAction) =>
    async (
      ctx: Parameters<typeof requireCaller>[1] & { params: { id: string }; request: Request; server: Parameters<typeof actorOf>[1]['server'] },
    ): Promise<RolloutJson> => {
      const caller = await requireCaller(db, ctx);
      return show(await actAsCaller(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, action));
    };
  const actionDoc = (summary: string) => ({ params: RolloutId, response: { 200: RolloutJson }, detail: { tags: ['rollouts'], summary } });
  const api = new Elysia({ name: 'rollouts-api', prefix: '/v1' })
    .get(
      '/rollouts',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const rows = await listRollouts(db, caller.scopeOrgIds, ctx.query.limit ?? 50);
        return { rollouts: rows.map(rolloutSummaryJson) };
      },
      {
        query: t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, description: 'At most this many, newest first (default 50)' })) }),
        response: { 200: RolloutList },
        detail: { tags: ['rollouts'], summary: 'Agent self-update rollouts of the caller’s orgs, newest first' },
      },
    )
    .post(
      '/rollouts',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        // No body at all (curl -X POST) means the default org, as `{}` does.
        const orgId = ctx.body?.orgId ?? defaultOrg(caller)?.id;
        if (!orgId) throw notFound('organization');
        const rollout = await startFleetRollout(db, caller, actorOf(caller, ctx, config.trustProxy), orgId, offer, timeoutMs);
        ctx.set.status = 201;
        return show(rollout);
      },
      {
        body: t.Optional(
          t.Object({
            orgId: t.Optional(t.String({ format: 'uuid', description: 'The org whose fleet (with its descendants) updates; default: your current org' })),
          }),
        ),
        response: { 201: RolloutJson },
        detail: {
          tags: ['rollouts'],
          summary: 'Roll every agent of an org’s fleet to the offered version, in waves: one cluster, then 10 %, then the rest; production last (admin)',
        },
      },
    )
    .post(
      '/clusters/:id/agent-update',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { res } = await startClusterUpdate(db, caller, actorOf(caller, ctx, config.trustProxy), ctx.params.id, offer, timeoutMs);
        if (!res.ok) throw startRefusal(res);
        ctx.set.status = 201;
        return show(res.rollout);
      },
      {
        params: t.Object({ id: t.String({ format: 'uuid', description: 'Cluster id' }) }),
        response: { 201: RolloutJson },
        detail: { tags: ['rollouts'], summary: 'Update one cluster’s agent to the offered version (a one-cluster rollout)' },
      },
    )
    .get(
      '/rollouts/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        return show(await requireRollout(db, caller, ctx.params.id));
      },
      { params: RolloutId, response: { 200: RolloutJson }, detail: { tags: ['rollouts'], summary: 'A rollout with its clusters, wave by wave' } },
    )
    .post('/rollouts/:id/pause', act('pause'), actionDoc('Pause a rollout: no further cluster is told to update'))
    .post('/rollouts/:id/resume', act('resume'), actionDoc('Resume a paused rollout; clusters that timed out are told again with a fresh timeout'))
    .post('/rollouts/:id/abort', act('abort'), actionDoc('Abort a rollout for good; clusters already updated stay updated'));
  return api;
}
