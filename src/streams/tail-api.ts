// JSON + SSE API of workload tails (every pod of one owner, across clusters, in one merged stream):
//   POST   /v1/tails                {ownerKind, ownerName, namespace?, clusterIds?, container?, …} → {tailId, members, skipped}
//   POST   /v1/tails/:id/refresh    pods that appeared since join the tail → {joined, skipped}
//   GET    /v1/tails/:id            merged SSE (Last-Event-ID = the cursor vector of its id: fields)
//   DELETE /v1/tails/:id            stops every member stream
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { HttpError, badRequest, notFound } from '../http/errors';
import { LIMITS } from '../contract';
import { checkFilter } from './service';
import { OpenStreamBody } from './api';
import { closeTail, findCallerTail, joinPods, openTail, type TailResult } from './tail';
import { tailResponse } from './tail-sse';
import { listTailStreams } from './store';
import { TAIL_EVENTS_RESPONSES, TailEnded, TailJoined, TailOpened } from './responses';

const { previous: _previous, container: _container, ...streamFields } = OpenStreamBody.properties;

const TailBody = t.Object(
  {
    ownerKind: t.String({
      minLength: 1,
      maxLength: LIMITS.word,
      description: 'Top owner kind as the inventory shows it: Deployment, StatefulSet, DaemonSet, Job, CronJob…',
    }),
    ownerName: t.String({ minLength: 1, maxLength: LIMITS.name }),
    namespace: t.Optional(t.String({ minLength: 1, maxLength: LIMITS.name })),
    clusterIds: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 100, description: 'Only these clusters (default: every cluster in your scope)' })),
    container: t.Optional(
      t.String({
        minLength: 1,
        maxLength: LIMITS.name,
        description:
          'Follow this container of each pod (pods without it are listed in skipped); default: each pod’s main container, its first app container, as kubectl logs picks it',
      }),
    ),
    allContainers: t.Optional(
      t.Boolean({ description: 'Follow every container of each pod (app containers and sidecars; not init containers), one stream each; not with container' }),
    ),
    ...streamFields,
  },
  { additionalProperties: false },
);

/** Not one stream could be opened: the status of what kept them all out (201 with no members would look like a tail). */
function tailRefusal(res: Exclude<TailResult, { ok: true }>): HttpError {
  if (res.reason === 'not_found') return new HttpError(404, 'not_found', res.message);
  if (res.cause === 'logs_not_enabled') return new HttpError(403, 'logs_not_enabled', res.message);
  if (res.cause === 'too_many_streams') return new HttpError(429, 'too_many_streams', res.message, { 'retry-after': '5' });
  return badRequest(res.message);
}

export function tailsApi(deps: AppDeps) {
  const { db, config, streamHub: hub } = deps;
  const openCtx = { db, hub, limits: config.streams, publicUrl: config.publicUrl };
  return new Elysia({ name: 'tails-api', prefix: '/v1' })
    .post(
      '/tails',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const b = ctx.body;
        const badFilter = checkFilter(b.filter);
        if (badFilter) throw badRequest(badFilter);
        if (b.container && b.allContainers) throw badRequest('allContainers: not with container (name one container, or ask for all of them)');
        const opened = await openTail(openCtx, caller, actorOf(caller, ctx, config.trustProxy), {
          ownerKind: b.ownerKind,
          ownerName: b.ownerName,
          namespace: b.namespace,
          clusterIds: b.clusterIds,
          containers: b.allContainers ? { kind: 'all' } : b.container ? { kind: 'named', name: b.container } : { kind: 'main' },
          follow: b.follow ?? true,
          tailLines: b.tailLines,
          sinceSeconds: b.sinceSeconds,
          timestamps: b.timestamps ?? false,
          filter: b.filter,
        });
        if (!opened.ok) throw tailRefusal(opened);
        ctx.set.status = 201;
        return { tailId: opened.tail.id, url: `/v1/tails/${opened.tail.id}`, members: opened.joined, skipped: opened.skipped };
      },
      {
        body: TailBody,
        response: { 201: TailOpened },
        detail: {
          tags: ['logs'],
          summary:
            'Tail every pod of a workload across clusters, merged: each pod’s main container (or the one named, or all of them) is a log stream; pods left out (no logs capability, no such container, caps) are listed in skipped with the reason. Nothing to tail is an error: 403 logs_not_enabled, 429 too_many_streams or 400 invalid_request; audited',
        },
      },
    )
    .post(
      '/tails/:id/refresh',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const tail = await findCallerTail(db, caller, ctx.params.id);
        if (!tail) throw notFound('tail');
        // Not the whole result: its orgIds are for the audit trail, not for the caller.
        const { joined, skipped } = await joinPods(openCtx, caller, actorOf(caller, ctx, config.trustProxy), tail);
        return { joined, skipped };
      },
      {
        response: { 200: TailJoined },
        detail: { tags: ['logs'], summary: 'Let pods of the workload that appeared since (in the latest heartbeats) join the tail' },
      },
    )
    .get(
      '/tails/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const tail = await findCallerTail(db, caller, ctx.params.id);
        if (!tail) throw notFound('tail');
        return tailResponse({ db, hub, orgIds: caller.orgs.map((o) => o.id) }, tail, ctx.request.headers.get('last-event-id'), ctx.request.signal);
      },
      {
        detail: {
          tags: ['logs'],
          summary: 'Read a workload tail: SSE of every member stream, each event tagged with its member (m); reconnect with Last-Event-ID',
          responses: TAIL_EVENTS_RESPONSES,
        },
      },
    )
    .delete(
      '/tails/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const tail = await findCallerTail(db, caller, ctx.params.id);
        if (!tail) throw notFound('tail');
        const actor = actorOf(caller, ctx, config.trustProxy);
        await closeTail(db, tail, actor, `stopped by ${actor.email}`);
        for (const row of await listTailStreams(db, tail.id)) if (!row.endedAt) await hub.stop(row, { userId: actor.userId, email: actor.email });
        return { tailId: tail.id, ended: true };
      },
      { response: { 200: TailEnded }, detail: { tags: ['logs'], summary: 'Stop a workload tail and every stream in it' } },
    );
}
