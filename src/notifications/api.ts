// JSON API for notification channels (curl users): /v1/notification-channels. Members of an org see its
// channels; admins create, change, test and delete them. Secrets go in, and never come back out.
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller } from '../http/caller';
import { PageCursor, PageLimit, decodeCursor, encodeCursor } from '../http/cursor';
import { badRequest, notFound, type HttpError } from '../http/errors';
import { Integer, OneOf, Ok } from '../http/responses';
import { defaultOrg, requireOrg } from '../orgs/access';
import { createSecretBox } from '../security/encryption';
import { listChannels, listMessages } from './store';
import { requireChannel } from './access';
import { channelJson, createChannel, deliveryJson, editChannel, removeChannel, testChannel, type ChannelOutcome } from './service';
import { ChannelJson, ChannelList, DeliveryPage, TestResultJson } from './responses';
import { CHANNEL_TYPES } from './vocabulary';

const Str = (max: number, description?: string) => t.Optional(t.String({ maxLength: max, description }));
const Words = (max: number, description: string) => t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: max, description }));

/** Every field a channel is written with (which apply depends on the type; the rest are refused by name). */
export const ChannelFields = {
  name: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  enabled: t.Optional(t.Boolean()),
  url: Str(2048, 'webhook: the URL it POSTs to (http or https); pagerduty: the Events API v2 endpoint (default PagerDuty’s)'),
  secret: Str(2048, 'webhook: the HMAC-SHA256 signing secret (at least 16 characters)'),
  slackUrl: Str(2048, 'slack: the incoming-webhook URL (a secret)'),
  routingKey: Str(2048, 'pagerduty: the integration’s routing key'),
  smtpHost: Str(253, 'email: SMTP host'),
  smtpPort: t.Optional(Integer({ minimum: 1, maximum: 65535, description: 'email: SMTP port (default 465 with tls, else 587)' })),
  smtpTls: Str(16, 'email: tls, starttls (default) or none'),
  smtpUser: Str(254, 'email: SMTP user; empty for none'),
  smtpPassword: Str(1024, 'email: SMTP password'),
  from: Str(254, 'email: the sender address'),
  to: t.Optional(t.Array(t.String({ maxLength: 254 }), { maxItems: 20, description: 'email: recipients' })),
  minSeverity: Str(16, 'low (default), medium or high'),
  environments: Words(10, 'Only clusters in these environments; empty = all'),
  kinds: Words(50, 'Only these incident kinds; empty = all'),
  clusterIds: Words(100, 'Only these clusters; empty = all'),
  onOpen: t.Optional(t.Boolean({ description: 'Announce opened and reopened incidents (default true)' })),
  onAcknowledge: t.Optional(t.Boolean({ description: 'Announce acknowledgements (default false)' })),
  onResolve: t.Optional(t.Boolean({ description: 'Announce resolutions (default true)' })),
  repeatMinutes: t.Optional(Integer({ description: 'Re-notify an open, unacknowledged incident this often; 0 = never (default)' })),
  groupWaitSeconds: t.Optional(Integer({ description: 'How long the first announcement waits for others to join its message (default 30)' })),
};

function refusal(res: Extract<ChannelOutcome, { ok: false }>): HttpError {
  return res.status === 409 ? notFound('channel') : badRequest(res.message);
}

export function notificationsApi(deps: AppDeps) {
  const { db } = deps;
  const box = createSecretBox(deps.config.secret);
  const delivery = { db, box, publicUrl: deps.config.publicUrl, timeoutMs: deps.config.notifyTimeoutSeconds * 1000 };
  return new Elysia({ name: 'notifications-api', prefix: '/v1' })
    .get(
      '/notification-channels',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const orgIds = ctx.query.org ? [requireOrg(caller, ctx.query.org).id] : caller.scopeOrgIds;
        return { channels: (await listChannels(db, orgIds)).map((c) => channelJson(box, c)) };
      },
      {
        query: t.Object({ org: t.Optional(t.String({ maxLength: 64, description: 'Only this org’s own channels' })) }),
        response: { 200: ChannelList },
        detail: { tags: ['notifications'], summary: 'Notification channels of the caller’s orgs (secrets masked)' },
      },
    )
    .post(
      '/notification-channels',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const { orgId, type, ...input } = ctx.body;
        const org = orgId ? requireOrg(caller, orgId, 'admin') : defaultOrg(caller);
        if (!org) throw notFound('organization');
        requireOrg(caller, org.id, 'admin');
        const res = await createChannel(db, box, actorOf(caller, ctx, deps.config.trustProxy), caller.scopeOrgIds, org.id, type, input, new Date());
        if (!res.ok) throw refusal(res);
        ctx.set.status = 201;
        return channelJson(box, res.channel);
      },
      {
        body: t.Object(
          {
            orgId: t.Optional(t.String({ maxLength: 64, description: 'The org it belongs to (default: the current org); applies to its subtree' })),
            type: OneOf(CHANNEL_TYPES, { description: 'webhook, slack, pagerduty or email' }),
            ...ChannelFields,
            name: t.String({ minLength: 1, maxLength: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: ChannelJson },
        detail: { tags: ['notifications'], summary: 'Create a channel (admin of its org)' },
      },
    )
    .get(
      '/notification-channels/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id);
        return channelJson(box, channel);
      },
      { response: { 200: ChannelJson }, detail: { tags: ['notifications'], summary: 'One channel (secrets masked)' } },
    )
    .patch(
      '/notification-channels/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id, 'admin');
        const res = await editChannel(db, box, actorOf(caller, ctx, deps.config.trustProxy), caller.scopeOrgIds, channel, ctx.body, new Date());
        if (!res.ok) throw refusal(res);
        return channelJson(box, res.channel);
      },
      {
        body: t.Object(ChannelFields, { additionalProperties: false }),
        response: { 200: ChannelJson },
        detail: { tags: ['notifications'], summary: 'Change a channel (admin); a secret left out keeps its value' },
      },
    )
    .delete(
      '/notification-channels/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id, 'admin');
        await removeChannel(db, actorOf(caller, ctx, deps.config.trustProxy), channel);
        return { ok: true as const };
      },
      { response: { 200: Ok }, detail: { tags: ['notifications'], summary: 'Delete a channel and its delivery log (admin)' } },
    )
    .post(
      '/notification-channels/:id/test',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id, 'admin');
        return testChannel(delivery, actorOf(caller, ctx, deps.config.trustProxy), channel, new Date());
      },
      {
        response: { 200: TestResultJson },
        detail: { tags: ['notifications'], summary: 'Send a test message through the channel now (admin); the outcome is also in its delivery log' },
      },
    )
    .get(
      '/notification-channels/:id/deliveries',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id);
        const limit = ctx.query.limit ?? 50;
        let before: { createdAt: Date; id: string } | undefined;
        if (ctx.query.cursor) {
          const [createdAt, id] = decodeCursor(ctx.query.cursor, ['time', 'uuid']);
          before = { createdAt, id };
        }
        const rows = await listMessages(db, channel.id, { limit, before });
        const last = rows[rows.length - 1];
        return { deliveries: rows.map(deliveryJson), nextCursor: rows.length === limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
      },
      {
        query: t.Object({ limit: PageLimit(200), cursor: PageCursor }),
        response: { 200: DeliveryPage },
        detail: { tags: ['notifications'], summary: 'The channel’s delivery log, newest first' },
      },
    );
}
