// JSON API of self-update rollouts (curl users): start one for a cluster or an org's fleet, read, pause,
// resume, abort. Scoped to the caller's orgs: another org's rollout or cluster answers 404.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Caller } from '../http/caller';
import { actorOf, requireCaller } from '../http/caller';
import { HttpError, notFound } from '../http/errors';
import { requireCluster } from '../clusters/access';
import { defaultOrg, requireOrg } from '../orgs/access';
import { subtreeOf } from '../orgs/store';
import type { Db } from '../db/client';
import { findRollout, listRollouts, listTargets, type TargetView } from './store';
import { actOnRollout, listRolloutMembers, MAX_ROLLOUT_CLUSTERS, startRollout, type RolloutAction, type StartResult } from './service';
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

/** The rollout by id within the caller's orgs, else 404 (another org's rollout answers the same as none). */
export async function requireRollout(db: Db, caller: Caller, id: string): Promise<Rollout> {
  const rollout = await findRollout(
    db,
    id,
    caller.orgs.map((o) => o.id),
  );
  if (!rollout) throw notFound('rollout');
  return rollout;
}

/** Maps a refused start to the API's error. */
export function startRefusal(res: Exclude<StartResult, { ok: true }>): HttpError {
  switch (res.reason) {
    case 'active_exists':
      return new HttpError(
        409,
        'rollout_active',
        `the organization already has a ${res.active?.status ?? 'running'} rollout${res.active ? ` (${res.active.id})` : ''}; finish or abort it first`,
      );
    case 'nothing_to_update':
      return new HttpError(
        409,
        'nothing_to_update',
        'no cluster can update: each is on the offered agent version, lacks the self-update capability, has no agent yet, or is in another rollout',
      );
    case 'too_many':
      return new HttpError(
        400,
        'invalid_request',
        `orgId: the organization has more than ${MAX_ROLLOUT_CLUSTERS} clusters; start rollouts per child organization`,
      );
  }
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
      const rollout = await requireRollout(db, caller, ctx.params.id);
      requireOrg(caller, rollout.orgId, 'member');
      const res = await actOnRollout(db, actorOf(caller, ctx, config.trustProxy), rollout, action, new Date());
      if (!res.ok) throw new HttpError(409, 'rollout_finished', `the rollout is ${res.status}; it cannot ${action}`);
      return show(res.rollout);
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
        const org = requireOrg(caller, orgId, 'admin');
        const members = await listRolloutMembers(
          db,
          subtreeOf(caller.orgs, org.id).map((o) => o.id),
        );
        const res = await startRollout(db, actorOf(caller, ctx, config.trustProxy), org.id, members, offer, new Date(), timeoutMs);
        if (!res.ok) throw startRefusal(res);
        ctx.set.status = 201;
        return show(res.rollout);
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
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'member');
        const res = await startRollout(db, actorOf(caller, ctx, config.trustProxy), cluster.orgId, [cluster], offer, new Date(), timeoutMs);
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
