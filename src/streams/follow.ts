// A pod's log in one request, as `kubectl logs -f` gives it:
//   GET /v1/clusters/:id/pods/:namespace/:name/logs?container=…&follow=true   → text/plain, streamed
// It opens a stream exactly as POST …/logs does (capability, container, caps, audit), reads it as plain text
// (`curl -N`), and stops it when the response is over: the client hung up (the agent cancels its Kubernetes
// request), or the log ended (follow=false, the container exited). No resume: that is what the two-step
// POST + GET /v1/streams/:id is for (browsers, Last-Event-ID).
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { HttpError, badRequest } from '../http/errors';
import { requireCluster } from '../clusters/access';
import { LIMITS } from '../contract';
import { openStream } from './service';
import { streamResponse } from './sse';

const Flag = (description: string) => t.Optional(t.Union([t.Literal('true'), t.Literal('false'), t.Literal('1'), t.Literal('0')], { description }));
const on = (flag: string | undefined, fallback: boolean): boolean => (flag === undefined ? fallback : flag === 'true' || flag === '1');

export const FollowQuery = t.Object(
  {
    container: t.Optional(
      t.String({
        minLength: 1,
        maxLength: LIMITS.name,
        description: 'Container (init and sidecar containers included); default: the pod’s main container, its first app container',
      }),
    ),
    follow: Flag('true: keep streaming new lines until you hang up; false (default, as kubectl logs): the lines so far, then the response ends'),
    tailLines: t.Optional(t.Integer({ minimum: 0, maximum: 100_000, description: 'Start with this many of the latest lines' })),
    sinceSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 30 * 86_400, description: 'Only lines newer than this many seconds' })),
    previous: Flag('The previous (crashed) instance of the container'),
    timestamps: Flag('Prefix each line with its Kubernetes timestamp'),
    grep: t.Optional(t.String({ minLength: 1, maxLength: 1024, description: 'Only lines containing this text leave the cluster (applied by the agent)' })),
    regex: Flag('grep is a regular expression'),
    raw: Flag('Pass log lines byte for byte, terminal control characters included (by default they are shown as visible symbols)'),
  },
  { additionalProperties: false },
);

export function followApi(deps: AppDeps) {
  const { db, config, streamHub: hub } = deps;
  const openCtx = { db, hub, limits: config.streams, publicUrl: config.publicUrl };
  return new Elysia({ name: 'streams-follow', prefix: '/v1' }).get(
    '/clusters/:id/pods/:namespace/:name/logs',
    async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const { cluster } = await requireCluster(db, caller, ctx.params.id);
      const q = ctx.query;
      if (q.regex !== undefined && q.grep === undefined) throw badRequest('regex: only with grep');
      const actor = actorOf(caller, ctx, config.trustProxy);
      const follow = on(q.follow, false);
      const previous = on(q.previous, false);
      const opened = await openStream(openCtx, actor, cluster, ctx.params.namespace, ctx.params.name, {
        container: q.container,
        follow: follow && !previous,
        tailLines: q.tailLines,
        sinceSeconds: q.sinceSeconds,
        previous,
        timestamps: on(q.timestamps, false),
        filter: q.grep === undefined ? undefined : { pattern: q.grep, regex: on(q.regex, false) },
      });
      if (!opened.ok) {
        if (opened.reason === 'logs_not_enabled') throw new HttpError(403, 'logs_not_enabled', opened.message);
        if (opened.reason === 'too_many_streams') throw new HttpError(429, 'too_many_streams', opened.message, { 'retry-after': '5' });
        throw badRequest(opened.message);
      }
      const row = opened.row;
      // A quiet container writes nothing for minutes: no idle timeout on this response.
      ctx.server?.timeout(ctx.request, 0);
      const attachment = await hub.attach(row, 0);
      if (!attachment) throw new Error(`stream ${row.id} was opened here but cannot be attached`);
      const stopWhenOver = (how: 'ended' | 'left'): void => {
        // Over before the log ended: the client hung up. A replica shutting down leaves it to the detach
        // timeout (its owner may be elsewhere and this replica's database connections are going).
        if (how === 'ended' || hub.isClosed) return;
        void hub
          .stop(row, { userId: actor.userId, email: actor.email })
          .catch((e: unknown) => deps.log.warn('stopping a followed stream failed', { stream: row.id, error: String(e) }));
      };
      const format = on(q.raw, false) ? 'text-raw' : 'text';
      const res = streamResponse(attachment, 0, format, ctx.request.signal, {
        onDone: stopWhenOver,
        banner: `log of ${row.namespace}/${row.pod}, container ${row.container}`,
      });
      res.headers.set('x-niro-stream-id', row.id);
      res.headers.set('x-niro-container', row.container);
      return res;
    },
    {
      params: t.Object({
        id: t.String({ maxLength: 64 }),
        namespace: t.String({ minLength: 1, maxLength: LIMITS.name }),
        name: t.String({ minLength: 1, maxLength: LIMITS.name }),
      }),
      query: FollowQuery,
      detail: {
        tags: ['logs'],
        summary:
          'A container’s log in one request, like kubectl logs [-f]: text/plain, streamed (curl -N); follow=true keeps it open until you hang up, which stops the stream. Notes, gaps and the end are lines starting with "# niro: ". The headers X-Niro-Stream-Id and X-Niro-Container name what is streamed; audited',
        responses: {
          200: {
            description: 'The log, streamed as it comes',
            content: {
              'text/plain': {
                schema: t.String({
                  description:
                    'One log line per line, after a first "# niro: log of <namespace>/<pod>, container <name>" line; notes, gaps and the end as lines starting with "# niro: "',
                }),
              },
            },
          },
        },
      },
    },
  );
}
