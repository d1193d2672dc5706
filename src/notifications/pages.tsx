// /settings/notifications: the channels of the caller's orgs, a form per type, each channel's delivery log and
// its "Send test" button. Members see; admins of the channel's org change. Forms post, then redirect (PRG).
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { badRequest, notFound } from '../http/errors';
import { redirect, renderPage, setFlash } from '../http/page';
import { requireOrg } from '../orgs/access';
import { OneOf } from '../http/responses';
import { roleAtLeast } from '../orgs/store';
import { listScopeClusters } from '../clusters/store';
import { createSecretBox } from '../security/encryption';
import { ChannelsPage, type ChannelRow } from '../../views/notifications/channels';
import { ChannelPage, NewChannelPage } from '../../views/notifications/channel';
import { NEW_CHANNEL_VALUES } from '../../views/notifications/form';
import type { ChannelInput } from './channels';
import { maskedSecrets } from './channels';
import { listChannels, listMessages } from './store';
import { requireChannel } from './access';
import { createChannel, editChannel, removeChannel, testChannel } from './service';
import type { NotificationChannel } from './schema';
import { CHANNEL_TYPES, type ChannelType } from './vocabulary';

const FormValue = t.Union([t.String({ maxLength: 5000 }), t.Array(t.String({ maxLength: 2048 }), { maxItems: 200 })]);
const FormBody = t.Record(t.String({ maxLength: 64 }), FormValue);
type Form = Record<string, string | string[]>;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((s) => s !== '');

/** A whole number from a form field, or the field named in a 400. */
function intField(form: Form, name: string): number | undefined {
  const raw = one(form[name])?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name}: must be a whole number`);
  return Number(raw);
}

/**
 * The form as the API's input. A form always sends the whole rule: an unchecked box is false, no ticked
 * environment means all. Secrets left empty keep the stored ones.
 */
function formInput(form: Form, type: ChannelType): ChannelInput {
  const input: ChannelInput = {
    name: one(form.name) ?? '',
    enabled: one(form.enabled) === 'on',
    minSeverity: one(form.minSeverity),
    environments: many(form.environments),
    kinds: many(form.kinds),
    clusterIds: many(form.clusterIds),
    onOpen: one(form.onOpen) === 'on',
    onAcknowledge: one(form.onAcknowledge) === 'on',
    onResolve: one(form.onResolve) === 'on',
    repeatMinutes: intField(form, 'repeatMinutes'),
    groupWaitSeconds: intField(form, 'groupWaitSeconds'),
  };
  const text = (name: keyof ChannelInput) => {
    const v = one(form[name]);
    if (v !== undefined && v !== '') (input as Record<string, unknown>)[name] = v;
  };
  if (type === 'webhook') ['url', 'secret'].forEach((k) => text(k as keyof ChannelInput));
  if (type === 'slack') text('slackUrl');
  if (type === 'pagerduty') ['url', 'routingKey'].forEach((k) => text(k as keyof ChannelInput));
  if (type === 'email') {
    ['smtpHost', 'smtpTls', 'smtpPassword', 'from'].forEach((k) => text(k as keyof ChannelInput));
    input.smtpUser = one(form.smtpUser) ?? '';
    input.smtpPort = intField(form, 'smtpPort');
    input.to = (one(form.to) ?? '').split(/[,;\s]+/).filter(Boolean);
  }
  return input;
}

function targetOf(c: NotificationChannel): string {
  const s = c.settings as Record<string, unknown>;
  if (c.type === 'webhook' || c.type === 'pagerduty') return String(s.url ?? '');
  if (c.type === 'email') return (s.to as string[]).join(', ');
  return 'Slack incoming webhook';
}

export function notificationsPages(deps: AppDeps) {
  const { db } = deps;
  const box = createSecretBox(deps.config.secret);
  const delivery = { db, box, publicUrl: deps.config.publicUrl, timeoutMs: deps.config.notifyTimeoutSeconds * 1000 };
  const csrf = (caller: Caller) => caller.session?.csrfToken ?? '';
  const adminOrgs = (caller: Caller) => caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'admin'));
  const clusterChoices = async (caller: Caller) => (await listScopeClusters(db, caller.scopeOrgIds, { limit: 500 })).map((c) => ({ id: c.id, name: c.name }));

  return new Elysia({ name: 'notifications-pages' })
    .get('/settings/notifications', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const names = new Map(caller.orgs.map((o) => [o.id, o.name]));
      const rows: ChannelRow[] = (await listChannels(db, caller.scopeOrgIds)).map((c) => ({
        id: c.id,
        orgName: names.get(c.orgId) ?? '',
        name: c.name,
        type: c.type,
        enabled: c.enabled,
        rule: c.rule,
        target: targetOf(c),
      }));
      const body = <ChannelsPage channels={rows} canCreate={adminOrgs(caller).length > 0} />;
      return renderPage(caller, ctx.cookie, { title: 'Notifications', active: 'settings', body });
    })
    .get(
      '/settings/notifications/new',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const orgChoices = adminOrgs(caller);
        if (orgChoices.length === 0) throw notFound('organization');
        const body = (
          <NewChannelPage
            type={ctx.query.type}
            csrfToken={csrf(caller)}
            values={NEW_CHANNEL_VALUES}
            orgChoices={orgChoices}
            clusters={await clusterChoices(caller)}
          />
        );
        return renderPage(caller, ctx.cookie, { title: 'New channel', active: 'settings', body });
      },
      { query: t.Object({ type: OneOf(CHANNEL_TYPES) }) },
    )
    .post(
      '/settings/notifications',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const type = one(ctx.body.type) as ChannelType;
        if (!CHANNEL_TYPES.includes(type)) throw badRequest(`type: must be one of ${CHANNEL_TYPES.join(', ')}`);
        const org = requireOrg(caller, one(ctx.body.orgId) ?? '', 'admin');
        const res = await createChannel(
          db,
          box,
          actorOf(caller, ctx, deps.config.trustProxy),
          caller.scopeOrgIds,
          org.id,
          type,
          formInput(ctx.body, type),
          new Date(),
        );
        if (!res.ok) throw badRequest(res.message);
        setFlash(ctx.cookie, { kind: 'ok', text: `Channel "${res.channel.name}" created. Send a test to check it.` });
        return redirect(`/settings/notifications/${res.channel.id}`);
      },
      { body: FormBody },
    )
    .get('/settings/notifications/:id', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const channel = await requireChannel(db, caller, ctx.params.id);
      const org = caller.orgs.find((o) => o.id === channel.orgId);
      const deliveries = await listMessages(db, channel.id, { limit: 50 });
      const body = (
        <ChannelPage
          id={channel.id}
          type={channel.type}
          orgName={org?.name ?? ''}
          values={{
            name: channel.name,
            enabled: channel.enabled,
            settings: channel.settings as Record<string, unknown>,
            rule: channel.rule,
            masked: maskedSecrets(box, channel),
          }}
          canManage={!!org && roleAtLeast(org.role, 'admin')}
          csrfToken={csrf(caller)}
          clusters={await clusterChoices(caller)}
          deliveries={deliveries.map((d) => ({
            ...d,
            incidents: d.items,
            nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
            pagerDutyAlert: d.alertKey,
          }))}
        />
      );
      return renderPage(caller, ctx.cookie, { title: channel.name, active: 'settings', body });
    })
    .post(
      '/settings/notifications/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id, 'admin');
        const res = await editChannel(
          db,
          box,
          actorOf(caller, ctx, deps.config.trustProxy),
          caller.scopeOrgIds,
          channel,
          formInput(ctx.body, channel.type),
          new Date(),
        );
        if (!res.ok) throw badRequest(res.message);
        setFlash(ctx.cookie, { kind: 'ok', text: 'Channel saved.' });
        return redirect(`/settings/notifications/${channel.id}`);
      },
      { body: FormBody },
    )
    .post(
      '/settings/notifications/:id/delete',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id, 'admin');
        await removeChannel(db, actorOf(caller, ctx, deps.config.trustProxy), channel);
        setFlash(ctx.cookie, { kind: 'ok', text: `Channel "${channel.name}" deleted.` });
        return redirect('/settings/notifications');
      },
      { body: t.Object({ _csrf: t.Optional(t.String({ maxLength: 256 })) }) },
    )
    .post(
      '/settings/notifications/:id/test',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const channel = await requireChannel(db, caller, ctx.params.id, 'admin');
        const r = await testChannel(delivery, actorOf(caller, ctx, deps.config.trustProxy), channel, new Date());
        setFlash(
          ctx.cookie,
          r.ok
            ? { kind: 'ok', text: `Test delivered${r.code ? ` (${r.code})` : ''}.` }
            : { kind: 'error', text: `Test failed: ${[r.code, r.error].filter((x) => x !== null).join(' · ')}` },
        );
        return redirect(`/settings/notifications/${channel.id}`);
      },
      { body: t.Object({ _csrf: t.Optional(t.String({ maxLength: 256 })) }) },
    );
}
