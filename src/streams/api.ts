// JSON + SSE API of log streams (the viewer uses it too; curl users with `curl -N`):
//   POST   /v1/clusters/:id/pods/:namespace/:name/logs   open a stream → {streamId} (viewer; 403 when logs are off)
//   GET    /v1/streams/:id                               SSE (Last-Event-ID resumes; ?format=text for plain lines,
//                                                        terminal controls made visible unless &raw=1)
//   DELETE /v1/streams/:id                               stop it: the agent cancels the Kubernetes request
// GET never starts or changes anything: it only reads the stream someone opened with POST.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import type { Db } from '../db/client';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { HttpError, badRequest, notFound, forbidden } from '../http/errors';
import { roleAtLeast } from '../orgs/store';
import { requireCluster } from '../clusters/access';
import { LIMITS } from '../contract';
import { openStream } from './service';
import { endedResponse, streamResponse, type SseFormat } from './sse';
import { findStream } from './store';
import type { LogStreamRow } from './schema';
import { STREAM_EVENTS_RESPONSES, StreamJson, StreamOpened } from './responses';

const name = (description: string) => t.String({ minLength: 1, maxLength: LIMITS.name, description });

export const OpenStreamBody = t.Object(
  {
    container: t.Optional(name('Container (init and sidecar containers included); optional when the pod has one app container')),
    follow: t.Optional(t.Boolean({ description: 'Keep streaming new lines (default true)' })),
    tailLines: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, description: 'Start with this many of the latest lines' })),
    sinceSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 30 * 86_400, description: 'Only lines newer than this many seconds' })),
    previous: t.Optional(t.Boolean({ description: 'The previous (crashed) instance of the container' })),
    timestamps: t.Optional(t.Boolean({ description: 'Prefix each line with its Kubernetes timestamp' })),
    filter: t.Optional(
      t.Object(
        {
          pattern: t.String({ minLength: 1, maxLength: 1024 }),
          regex: t.Boolean({ description: 'false: plain substring; true: regular expression' }),
        },
        { additionalProperties: false, description: 'Applied by the agent: only matching lines leave the cluster' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type OpenStreamBody = typeof OpenStreamBody.static;

/** Where a viewer resumes: Last-Event-ID (sent by SSE clients on reconnect) or ?after=. */
export function resumeCursor(request: Request, after: number | undefined): number {
  const header = request.headers.get('last-event-id');
  const n = header !== null && /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : undefined;
  return Math.max(0, n ?? after ?? 0);
}

/**
 * The stream, if the caller may see it: it belongs to an org the caller sees (its creator, or anyone there
 * who could open the same stream). Someone who left the org loses it with the org. Otherwise a 404.
 */
export async function requireStream(db: Db, caller: Caller, id: string): Promise<LogStreamRow> {
  const row = await findStream(db, id);
  if (!row || !caller.orgs.some((o) => o.id === row.orgId)) throw notFound('stream');
  return row;
}

export function streamJson(row: LogStreamRow): StreamJson {
  return {
    id: row.id,
    clusterId: row.clusterId,
    namespace: row.namespace,
    pod: row.pod,
    container: row.container,
    options: row.options,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.actor,
    endedAt: row.endedAt?.toISOString() ?? null,
    endReason: row.endReason,
    bytes: row.bytes,
    lines: row.lines,
    droppedLines: row.droppedLines,
  };
}

export function streamsApi(deps: AppDeps) {
  const { db, config, streamHub: hub } = deps;
  const openCtx = { db, hub, limits: config.streams, publicUrl: config.publicUrl };
  return new Elysia({ name: 'streams-api', prefix: '/v1' })
    .post(
      '/clusters/:id/pods/:namespace/:name/logs',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id);
        const b = ctx.body;
        const opened = await openStream(openCtx, actorOf(caller, ctx, config.trustProxy), cluster, ctx.params.namespace, ctx.params.name, {
          container: b.container,
          follow: b.follow ?? true,
          tailLines: b.tailLines,
          sinceSeconds: b.sinceSeconds,
          previous: b.previous ?? false,
          timestamps: b.timestamps ?? false,
          filter: b.filter,
        });
        if (!opened.ok) {
          if (opened.reason === 'logs_not_enabled') throw new HttpError(403, 'logs_not_enabled', opened.message);
          if (opened.reason === 'too_many_streams') throw new HttpError(429, 'too_many_streams', opened.message, { 'retry-after': '5' });
          throw badRequest(opened.message);
        }
        ctx.set.status = 201;
        return { streamId: opened.row.id, container: opened.row.container, url: `/v1/streams/${opened.row.id}`, stream: streamJson(opened.row) };
      },
      {
        params: t.Object({ id: t.String({ maxLength: 64 }), namespace: name('Namespace'), name: name('Pod') }),
        body: OpenStreamBody,
        response: { 201: StreamOpened },
        detail: {
          tags: ['logs'],
          summary:
            'Open a live log stream of one container (viewer; 403 logs_not_enabled when the cluster lacks the logs capability, 429 beyond the per-cluster/per-org caps); audited',
        },
      },
    )
    .get(
      '/streams/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const row = await requireStream(db, caller, ctx.params.id);
        const format: SseFormat = ctx.query.format !== 'text' ? 'sse' : ctx.query.raw === '1' ? 'text-raw' : 'text';
        const cursor = resumeCursor(ctx.request, ctx.query.after);
        // Plain text has no comment lines to keep the connection busy: lift the idle timeout instead.
        if (format !== 'sse') ctx.server?.timeout(ctx.request, 0);
        const attachment = await hub.attach(row, cursor);
        if (!attachment) return endedResponse(cursor, row.lastSeq, row.endReason ?? 'ended', format);
        return streamResponse(attachment, cursor, format, ctx.request.signal);
      },
      {
        query: t.Object({
          format: t.Optional(
            t.Union([t.Literal('sse'), t.Literal('text')], {
              description:
                'sse (default): text/event-stream with seq ids (lines are JSON strings); text: plain lines for curl -N, with terminal control characters (ESC, CR, NUL, other C0 and C1 controls but TAB) shown as visible symbols (␛ ␍ ␀ …, C1 as U+FFFD) unless raw=1',
            }),
          ),
          raw: t.Optional(
            t.Union([t.Literal('0'), t.Literal('1')], {
              description:
                'With format=text: 1 passes log lines byte for byte, terminal control characters included (colours, cursor moves, carriage returns act on your terminal)',
            }),
          ),
          after: t.Optional(t.Integer({ minimum: 0, description: 'Resume after this seq (SSE clients send Last-Event-ID instead)' })),
        }),
        detail: {
          tags: ['logs'],
          summary:
            'Read a stream you opened (SSE: events lines/gap/state/end, id = seq; reconnect with Last-Event-ID to resume without gaps or duplicates; ?format=text: plain lines, terminal control characters made visible unless &raw=1)',
          responses: STREAM_EVENTS_RESPONSES,
        },
      },
    )
    .delete(
      '/streams/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const row = await requireStream(db, caller, ctx.params.id);
        const org = caller.orgs.find((o) => o.id === row.orgId);
        if (row.createdBy !== caller.user.id && !(org && roleAtLeast(org.role, 'member')))
          throw forbidden('only its creator or a member of its organization can stop this stream');
        if (row.endedAt) return streamJson(row);
        const actor = actorOf(caller, ctx, config.trustProxy);
        const ended = await hub.stop(row, { userId: actor.userId, email: actor.email });
        return streamJson(ended ?? (await findStream(db, row.id)) ?? row);
      },
      {
        response: { 200: StreamJson },
        detail: { tags: ['logs'], summary: 'Stop a stream: the agent cancels its Kubernetes request; audited with bytes, lines and reason' },
      },
    );
}
