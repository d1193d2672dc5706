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
import { closeTail, findCallerTail, joinPods, openTail } from './tail';
import { tailResponse } from './tail-sse';
import { listTailStreams } from './store';
import { TAIL_EVENTS_RESPONSES, TailEnded, TailJoined, TailOpened } from './responses';

const { previous: _previous, container: _container, ...streamFields } = OpenStreamBody.properties;

const TailBody = t.Object(
  {
    ownerKind: t.String({ minLength: 1, maxLength: LIMITS.word, description: 'Top owner kind as the inventory shows it: Deployment, StatefulSet, DaemonSet, Job, CronJob…' }),
    ownerName: t.String({ minLength: 1, maxLength: LIMITS.name }),
    namespace: t.Optional(t.String({ minLength: 1, maxLength: LIMITS.name })),
    clusterIds: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: 100, description: 'Only these clusters (default: every cluster in your scope)' })),
    container: t.Optional(t.String({ minLength: 1, maxLength: LIMITS.name, description: 'Container name (default: each pod’s only app container)' })),
    ...streamFields,
  },
  { additionalProperties: false },
);

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
        const opened = await openTail(openCtx, caller, actorOf(caller, ctx, config.trustProxy), {
          ownerKind: b.ownerKind,
          ownerName: b.ownerName,
          namespace: b.namespace,
          clusterIds: b.clusterIds,
          container: b.container,
          follow: b.follow ?? true,
          tailLines: b.tailLines,
          sinceSeconds: b.sinceSeconds,
          timestamps: b.timestamps ?? false,
          filter: b.filter,
        });
        if (!opened.ok) throw opened.reason === 'not_found' ? new HttpError(404, 'not_found', opened.message) : badRequest(opened.message);
        ctx.set.status = 201;
        return { tailId: opened.tail.id, url: `/v1/tails/${opened.tail.id}`, members: opened.joined, skipped: opened.skipped };
      },
      {
        body: TailBody,
        response: { 201: TailOpened },
        detail: { tags: ['logs'], summary: 'Tail every pod of a workload across clusters, merged (each pod is a log stream; pods without the logs capability or beyond the caps are listed as skipped); audited' },
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
      { response: { 200: TailJoined }, detail: { tags: ['logs'], summary: 'Let pods of the workload that appeared since (in the latest heartbeats) join the tail' } },
    )
    .get(
      '/tails/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const tail = await findCallerTail(db, caller, ctx.params.id);
        if (!tail) throw notFound('tail');
        return tailResponse({ db, hub, orgIds: caller.orgs.map((o) => o.id) }, tail, ctx.request.headers.get('last-event-id'), ctx.request.signal);
      },
      { detail: { tags: ['logs'], summary: 'Read a workload tail: SSE of every member stream, each event tagged with its member (m); reconnect with Last-Event-ID', responses: TAIL_EVENTS_RESPONSES } },
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
