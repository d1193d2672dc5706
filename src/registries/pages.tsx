// /settings/registries: the registry credentials of the caller's orgs (passwords masked), a form to add one,
// and each one's page to change, rotate or delete it. Members see; admins of its org change. Forms post, then
// redirect (PRG).
import Html from '@kitajs/html';
import { Elysia, t } from 'elysia';
import type { AppDeps } from '../deps';
import { actorOf, requireCaller, type Caller } from '../http/caller';
import { badRequest } from '../http/errors';
import { redirect, renderPage, setFlash } from '../http/page';
import { requireOrg } from '../orgs/access';
import { roleAtLeast } from '../orgs/store';
import { createSecretBox } from '../security/encryption';
import { RegistriesPage, RegistryPage, type RegistryRow } from '../../views/registries/registries';
import { NAME_MAX, PASSWORD_MAX, SERVER_MAX, USERNAME_MAX } from './credentials';
import { requireRegistry } from './access';
import { changeRegistry, createRegistry, removeRegistry } from './service';
import type { Registry } from './schema';
import { listRegistries } from './store';
import { redeliverRegistry } from './rotation';

const Csrf = { _csrf: t.Optional(t.String({ maxLength: 256 })) };
const FormFields = {
  ...Csrf,
  name: t.String({ maxLength: NAME_MAX + 1 }),
  server: t.String({ maxLength: SERVER_MAX + 16 }),
  username: t.String({ maxLength: USERNAME_MAX + 1 }),
  password: t.Optional(t.String({ maxLength: PASSWORD_MAX + 1 })),
};

export function registriesPages(deps: AppDeps) {
  const { db } = deps;
  const box = createSecretBox(deps.config.secret);
  const csrf = (caller: Caller) => caller.session?.csrfToken ?? '';
  const adminOrgs = (caller: Caller) => caller.orgs.filter((o) => caller.scopeOrgIds.includes(o.id) && roleAtLeast(o.role, 'admin'));
  const rowOf = (caller: Caller, r: Registry): RegistryRow => ({
    id: r.id,
    orgName: caller.orgs.find((o) => o.id === r.orgId)?.name ?? '',
    name: r.name,
    server: r.server,
    username: r.username,
    rotatedAt: r.rotatedAt,
  });

  return new Elysia({ name: 'registries-pages' })
    .get('/settings/registries', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const rows = (await listRegistries(db, caller.scopeOrgIds)).map((r) => rowOf(caller, r));
      const body = <RegistriesPage registries={rows} csrfToken={csrf(caller)} orgChoices={adminOrgs(caller).map((o) => ({ id: o.id, name: o.name }))} />;
      return renderPage(caller, ctx.cookie, { title: 'Registries', active: 'settings', body });
    })
    .post(
      '/settings/registries',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const org = requireOrg(caller, ctx.body.orgId, 'admin');
        const { name, server, username, password } = ctx.body;
        const res = await createRegistry(db, box, actorOf(caller, ctx, deps.config.trustProxy), org.id, { name, server, username, password }, new Date());
        if (!res.ok) throw badRequest(res.message);
        setFlash(ctx.cookie, { kind: 'ok', text: `Registry "${res.registry.name}" saved. Its password is stored encrypted and will not be shown again.` });
        return redirect('/settings/registries');
      },
      { body: t.Object({ ...FormFields, orgId: t.String({ maxLength: 64 }) }) },
    )
    .get('/settings/registries/:id', async (ctx) => {
      const caller = await requireCaller(db, ctx);
      const registry = await requireRegistry(db, caller, ctx.params.id);
      const org = caller.orgs.find((o) => o.id === registry.orgId);
      const body = <RegistryPage registry={rowOf(caller, registry)} canManage={!!org && roleAtLeast(org.role, 'admin')} csrfToken={csrf(caller)} />;
      return renderPage(caller, ctx.cookie, { title: registry.name, active: 'settings', body });
    })
    .post(
      '/settings/registries/:id',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const registry = await requireRegistry(db, caller, ctx.params.id, 'admin');
        const { name, server, username } = ctx.body;
        // An empty password field keeps the stored one.
        const password = ctx.body.password ? ctx.body.password : undefined;
        const actor = actorOf(caller, ctx, deps.config.trustProxy);
        const res = await changeRegistry(db, box, actor, registry, { name, server, username, password }, new Date());
        if (!res.ok) throw badRequest(res.message);
        if (password) {
          const sent = await redeliverRegistry(db, deps.commandSignals, actor, caller.scopeOrgIds, res.registry, new Date());
          const queued = sent.filter((s) => s.commandId).length;
          const refused = sent.length - queued;
          setFlash(ctx.cookie, {
            kind: refused ? 'error' : 'ok',
            text: `Password rotated; its pull Secret is being re-delivered to ${queued} cluster${queued === 1 ? '' : 's'}${refused ? `, ${refused} refused (${sent.find((s) => s.refused)?.refused})` : ''}.`,
          });
          return redirect(`/settings/registries/${registry.id}`);
        }
        setFlash(ctx.cookie, { kind: 'ok', text: 'Registry saved.' });
        return redirect(`/settings/registries/${registry.id}`);
      },
      { body: t.Object(FormFields) },
    )
    .post(
      '/settings/registries/:id/delete',
      async (ctx) => {
        const caller = await requireCaller(db, ctx);
        const registry = await requireRegistry(db, caller, ctx.params.id, 'admin');
        await removeRegistry(db, actorOf(caller, ctx, deps.config.trustProxy), registry);
        setFlash(ctx.cookie, { kind: 'ok', text: `Registry "${registry.name}" deleted.` });
        return redirect('/settings/registries');
      },
      { body: t.Object(Csrf) },
    );
}
