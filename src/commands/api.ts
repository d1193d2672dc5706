// JSON API of the command channel (curl users): ping a cluster, queue apply/delete, read the history.
// Every route goes through requireCluster: a cluster outside the caller's orgs is a 404.
import { OneOf } from '../http/responses';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { HttpError, badRequest, notFound } from '../http/errors';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { requireCluster } from '../clusters/access';
import type { Cluster } from '../clusters/schema';
import { COMMAND_TYPES } from '../contract';
import { DEFAULT_TTL_SECONDS, USER_COMMAND_TYPES, awaitResult, latencyOf, pingCluster, queueCommand } from './service';
import { effectiveStatus, findCommandView, listCommands, type CommandListRow } from './store';
import type { CommandRow } from './schema';
import { COMMAND_STATUSES } from './vocabulary';
import { CommandJson, CommandPage, PingJson } from './responses';

/** Ping waits this long for the agent unless the caller asks for another bound (1–30 s). */
export const PING_WAIT_SECONDS = 10;

/** The command as the API shows it. An apply's manifests may hold Secret data: only their size is shown. */
export function commandJson(row: CommandRow & { createdByEmail?: string | null }, now: Date): CommandJson {
  const payload = row.type === 'apply' ? { ...row.payload, manifests: undefined, manifestsBytes: String(row.payload.manifests ?? '').length } : row.payload;
  return {
    id: row.id,
    clusterId: row.clusterId,
    type: row.type,
    status: effectiveStatus(row, now),
    summary: row.summary,
    payload,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdByEmail ?? null,
    expiresAt: row.expiresAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
    /** Queued → result, in ms; null until the agent answered. */
    latencyMs: latencyOf(row),
    result: row.result ?? null,
  };
}

function decodeBefore(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = decodeCursor(cursor, ['time', 'uuid']);
  return { createdAt, id };
}

export function timeoutMessage(cluster: Cluster, seconds: number, now: Date): string {
  const age = cluster.lastHeartbeatAt ? Math.max(0, Math.round((now.getTime() - cluster.lastHeartbeatAt.getTime()) / 1000)) : null;
  const beat = age === null ? 'it has never sent a heartbeat' : `its last heartbeat was ${age} s ago`;
  return `cluster "${cluster.name}" did not answer a ping within ${seconds} s (${beat}): its agent may be offline, or unable to reach this server`;
}

export function commandsApi(deps: AppDeps) {
  const { db, config, commandSignals: signals } = deps;
  return new Elysia({ name: 'commands-api', prefix: '/v1' })
    .post(
      '/clusters/:id/ping',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'member');
        const seconds = ctx.query.timeoutSeconds ?? PING_WAIT_SECONDS;
        const res = await pingCluster(db, signals, actorOf(caller, ctx, config.trustProxy), cluster, seconds, ctx.request.signal);
        if (!res.ok) throw new HttpError(504, 'agent_timeout', timeoutMessage(cluster, seconds, new Date()));
        const result = res.command.result!;
        return {
          ok: result.ok,
          latencyMs: res.latencyMs,
          message: result.message,
          agentVersion: result.details?.agentVersion ?? null,
          agentDurationMs: result.durationMs,
          command: commandJson(res.command, new Date()),
        };
      },
      {
        query: t.Object({
          timeoutSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 30, description: `How long to wait for the agent (default ${PING_WAIT_SECONDS})` })),
        }),
        response: { 200: PingJson },
        detail: {
          tags: ['commands'],
          summary: 'Round trip through the cluster’s agent; answers its latency, or 504 when the agent does not answer in time (member)',
        },
      },
    )
    .post(
      '/clusters/:id/commands',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { cluster } = await requireCluster(db, caller, ctx.params.id, 'member');
        const queued = await queueCommand(
          db,
          signals,
          actorOf(caller, ctx, config.trustProxy),
          cluster,
          { type: ctx.body.type, payload: ctx.body.payload, ttlSeconds: ctx.body.ttlSeconds ?? DEFAULT_TTL_SECONDS },
          new Date(),
        );
        if (!queued.ok) {
          if (queued.reason === 'capability_missing') throw new HttpError(409, 'capability_missing', queued.message);
          if (queued.reason === 'forbidden_target') throw new HttpError(400, 'forbidden_target', queued.message);
          throw badRequest(queued.message);
        }
        let row: CommandRow = queued.command;
        if (ctx.body.waitSeconds) row = (await awaitResult(db, signals, cluster.id, row.id, ctx.body.waitSeconds * 1000, ctx.request.signal)) ?? row;
        ctx.set.status = row.result ? 200 : 202;
        return commandJson({ ...row, createdByEmail: caller.user.email }, new Date());
      },
      {
        body: t.Object(
          {
            type: OneOf(USER_COMMAND_TYPES),
            payload: t.Optional(
              t.Unknown({
                description:
                  'apply: { manifests (multi-document YAML or JSON), defaultNamespace?, dryRun? } — server-side apply, field manager "niro"; delete: { apiVersion, kind, namespace, name } (never a Namespace); ping: {}',
              }),
            ),
            ttlSeconds: t.Optional(
              t.Integer({ minimum: 10, maximum: 86_400, description: `Deliver within this many seconds or never (default ${DEFAULT_TTL_SECONDS})` }),
            ),
            waitSeconds: t.Optional(
              t.Integer({ minimum: 0, maximum: 30, description: 'Wait up to this long for the result before answering (200 with it, else 202)' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: CommandJson, 202: CommandJson },
        detail: {
          tags: ['commands'],
          summary: 'Queue apply or delete (needs the cluster’s apply capability, 409 otherwise) or ping for the agent (member); audited',
        },
      },
    )
    .get(
      '/clusters/:id/commands',
      async (ctx) => {
        const { cluster } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
        const limit = ctx.query.limit ?? 50;
        const before = ctx.query.cursor ? decodeBefore(ctx.query.cursor) : undefined;
        const rows: CommandListRow[] = await listCommands(db, cluster.id, { limit, before }, { type: ctx.query.type, status: ctx.query.status });
        const last = rows[rows.length - 1];
        const now = new Date();
        return {
          commands: rows.map((r) => commandJson(r, now)),
          nextCursor: rows.length === limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
        };
      },
      {
        query: t.Object({
          limit: PageLimit(200),
          cursor: PageCursor,
          type: t.Optional(OneOf(COMMAND_TYPES)),
          status: t.Optional(OneOf(COMMAND_STATUSES)),
        }),
        response: { 200: CommandPage },
        detail: { tags: ['commands'], summary: 'The cluster’s commands, newest first' },
      },
    )
    .get(
      '/clusters/:id/commands/:commandId',
      async (ctx) => {
        const { cluster } = await requireCluster(db, await requireCaller(db, ctx), ctx.params.id);
        const row = await findCommandView(db, cluster.id, ctx.params.commandId);
        if (!row) throw notFound('command');
        return commandJson(row, new Date());
      },
      { response: { 200: CommandJson }, detail: { tags: ['commands'], summary: 'One command with its result' } },
    );
}
